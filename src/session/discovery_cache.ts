/**
 * The discovery document cache, `discovery.json` beside the session: no
 * secret, but it decides where tokens are sent, so it gets the same 0600
 * file in the same 0700 directory, written atomically, and is read by the
 * session file's rules: only a regular file of this user, closed to others
 * and at most {@linkcode MAX_CACHE_BYTES} long is used. Anything else (a
 * FIFO, a device, a symbolic link, a huge file) is ignored, never opened,
 * and replaced by the next write: it is only a cache.
 *
 * @module
 */

import type { DiscoveryCache } from "../auth/discovery.ts";
import { checksModes, checksOwner } from "../runtime/os.ts";
import {
  joinPath,
  lstatIfPresent,
  ownUid,
  removeTempFiles,
  statIfPresent,
  writeFileAtomic,
} from "./_fs.ts";

const FILE = "discovery.json";
/** The largest discovery cache file that is read, in bytes. */
export const MAX_CACHE_BYTES = 1024 * 1024;
/**
 * A temporary file of a discovery write older than this was left by a
 * crash: a write takes milliseconds. Writes take no session lock, so a
 * younger one may be another process's, still running.
 */
const ABANDONED_AFTER_MS = 60_000;

/**
 * The discovery cache in config dir `dir`; `now` is the clock (ms since the
 * epoch) that judges the age of temporary files left by a crashed write.
 */
export function fileDiscoveryCache(
  dir: string,
  now: () => number = Date.now,
  profile: string | null = null,
): DiscoveryCache {
  // Each profile's realm has its own, so that two in use do not take turns.
  const file = profile === null ? FILE : `discovery-${profile}.json`;
  const path = joinPath(dir, file);
  return {
    read() {
      try {
        return Promise.resolve(readSafely(dir, path));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    write(text) {
      try {
        Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
        removeTempFiles(dir, file, {
          olderThanMs: ABANDONED_AFTER_MS,
          now: now(),
        });
        writeFileAtomic(path, text);
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

/**
 * The text of the cache file when it may be used, else undefined. The type
 * is checked before opening (opening a FIFO for reading blocks), and the
 * opened file is checked again, to be the same inode, in case it was
 * swapped in between; no more than its size allows is ever read.
 */
function readSafely(dir: string, path: string): string | undefined {
  const before = lstatIfPresent(path);
  if (before === undefined || !usable(dir, before)) return undefined;
  const file = Deno.openSync(path, { read: true });
  try {
    const opened = openedInfo(file, path);
    if (
      !usable(dir, opened) ||
      (before.ino !== null && opened.ino !== before.ino) ||
      (before.dev !== null && opened.dev !== before.dev)
    ) return undefined;
    // One byte more than the size: a file that grew since is not used.
    const buffer = new Uint8Array(opened.size + 1);
    let length = 0;
    for (;;) {
      const n = file.readSync(buffer.subarray(length));
      if (n === null || n === 0) break;
      length += n;
      if (length === buffer.length) return undefined;
    }
    return new TextDecoder().decode(buffer.subarray(0, length));
  } finally {
    file.close();
  }
}

/**
 * The open file's info; where Deno refuses it (it checks an open file's
 * stat against its resolved path, outside --allow-read when the config dir
 * is a symbolic link), the path's again: a swap is then seen by its inode,
 * and the read stays bounded by the size first seen.
 */
function openedInfo(file: Deno.FsFile, path: string): Deno.FileInfo {
  try {
    return file.statSync();
  } catch (err) {
    const notCapable = Deno.errors.NotCapable;
    if (notCapable === undefined || !(err instanceof notCapable)) throw err;
    return Deno.lstatSync(path);
  }
}

/**
 * A regular file, small enough, and on Unix closed to group and others and
 * owned by this user: by the uid of this process where it can be learned
 * (Node; Deno with --allow-sys=uid), else by the config dir's owner, which
 * the session store holds to this process's uid.
 */
function usable(dir: string, info: Deno.FileInfo): boolean {
  if (!info.isFile || info.size > MAX_CACHE_BYTES) return false;
  if (
    checksModes(Deno.build.os) && info.mode !== null &&
    (info.mode & 0o077) !== 0
  ) return false;
  if (!checksOwner(Deno.build.os) || info.uid === null) return true;
  const uid = ownUid() ?? statIfPresent(dir)?.uid ?? null;
  return uid === null || info.uid === uid;
}
