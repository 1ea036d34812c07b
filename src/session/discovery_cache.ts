/**
 * The discovery document cache, `discovery.json` beside the session: no
 * secret, but it decides where tokens are sent, so it gets the same 0600
 * file in the same 0700 directory, written atomically.
 *
 * @module
 */

import type { DiscoveryCache } from "../auth/discovery.ts";
import {
  isNotFound,
  joinPath,
  removeTempFiles,
  writeFileAtomic,
} from "./_fs.ts";

const FILE = "discovery.json";
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
): DiscoveryCache {
  const path = joinPath(dir, FILE);
  return {
    read() {
      try {
        return Promise.resolve(Deno.readTextFileSync(path));
      } catch (err) {
        if (isNotFound(err)) return Promise.resolve(undefined);
        return Promise.reject(err);
      }
    },
    write(text) {
      try {
        Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
        removeTempFiles(dir, FILE, {
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
