/**
 * Small file system helpers shared by the session modules. They work on Deno
 * and on Node, where the npm build's Deno namespace (scripts/node_deno.ts)
 * throws the same `Deno.errors.*` classes, each with a `code`.
 *
 * They are synchronous, as are all the session modules' file operations: the
 * files are tiny and local, nothing else runs meanwhile, and the first
 * asynchronous calls of a cold process cost start-up (docs/benchmarks.md).
 *
 * @module
 */

import { pathSeparator } from "../runtime/os.ts";

/**
 * Whether an error means "no such file or directory".
 *
 * @param err the error thrown by a `Deno.*` file system call
 * @returns true for `Deno.errors.NotFound` or a Node `ENOENT` error
 */
export function isNotFound(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound || errorCode(err) === "ENOENT";
}

/**
 * Whether an error means "the file already exists".
 *
 * @param err the error thrown by a `Deno.*` file system call
 * @returns true for `Deno.errors.AlreadyExists` or a Node `EEXIST` error
 */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof Deno.errors.AlreadyExists ||
    errorCode(err) === "EEXIST";
}

/**
 * The message of an error, for the "detail" part of a user-facing line. Only
 * use it for file system errors, whose messages name paths, never contents.
 *
 * @param err any thrown value
 * @returns its message, or its string form
 */
export function errorDetail(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `Deno.lstat` that returns undefined when the path does not exist.
 *
 * @param path the path to look at, not following a final symbolic link
 * @returns its file info, or undefined when it does not exist
 */
export function lstatIfPresent(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * `Deno.stat` that returns undefined when the path does not exist.
 *
 * @param path the path to look at, following symbolic links
 * @returns its file info, or undefined when it does not exist
 */
export function statIfPresent(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Remove a file; a file that is already gone is not an error.
 *
 * @param path the file to remove
 * @returns true when this call removed it, false when it was not there
 */
export function removeIfPresent(path: string): boolean {
  try {
    Deno.removeSync(path);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Create a new file that must not exist yet, with mode 0600 (umask can only
 * narrow it), open for writing.
 *
 * @param path the file to create
 * @returns the open file, or undefined when the path already exists
 */
export function createExclusive(path: string): Deno.FsFile | undefined {
  try {
    return Deno.openSync(path, { createNew: true, write: true, mode: 0o600 });
  } catch (err) {
    if (isAlreadyExists(err)) return undefined;
    throw err;
  }
}

/**
 * Write `text` to `path` atomically: a temporary file beside it, created
 * with mode 0600 and synced, then renamed over `path`. Readers see the old
 * file or the new one, never a part; on failure the temporary file is gone.
 */
export function writeFileAtomic(path: string, text: string): void {
  const temp = `${path}.${randomHex(8)}.tmp`;
  const file = createExclusive(temp);
  if (file === undefined) throw new Error(`${temp} already exists`);
  try {
    try {
      writeAll(file, new TextEncoder().encode(text));
      // Not every runtime has it (older shims); rename is still atomic.
      if (typeof file.syncDataSync === "function") file.syncDataSync();
    } finally {
      file.close();
    }
    Deno.renameSync(temp, path);
  } catch (err) {
    try {
      removeIfPresent(temp);
    } catch {
      // The write's error is the one to report.
    }
    throw err;
  }
}

/**
 * Remove the temporary files of {@linkcode writeFileAtomic} for the file
 * `name` in `dir`, which a process killed between its write and its rename
 * leaves behind. With `olderThanMs`, only those older than that by the clock
 * `now` (ms since the epoch): a younger one may be another process's write
 * in progress. Best effort: a file that can not be removed stays.
 */
export function removeTempFiles(
  dir: string,
  name: string,
  { olderThanMs, now = Date.now() }: { olderThanMs?: number; now?: number } =
    {},
): void {
  const prefix = `${name}.`;
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (
        !entry.isFile || !entry.name.startsWith(prefix) ||
        !/^[0-9a-f]+\.tmp$/.test(entry.name.slice(prefix.length))
      ) continue;
      const path = joinPath(dir, entry.name);
      if (olderThanMs !== undefined) {
        const mtime = lstatIfPresent(path)?.mtime;
        if (!mtime || now - mtime.getTime() <= olderThanMs) continue;
      }
      removeIfPresent(path);
    }
  } catch {
    // Leftovers do no harm to the write at hand: try again on the next one.
  }
}

/**
 * The uid of this process when it can be learned without asking: on Deno
 * only with `--allow-sys=uid` (querying first, so that Deno never prompts),
 * always on Node. Null on Windows or when not permitted.
 */
export function ownUid(): number | null {
  if (typeof Deno.uid !== "function") return null;
  try {
    if (
      typeof Deno.permissions?.querySync === "function" &&
      Deno.permissions.querySync({ name: "sys", kind: "uid" }).state !==
        "granted"
    ) return null;
    return Deno.uid();
  } catch {
    return null;
  }
}

/** Write all of `data` to the open `file`. */
export function writeAll(file: Deno.FsFile, data: Uint8Array): void {
  for (let written = 0; written < data.length;) {
    written += file.writeSync(data.subarray(written));
  }
}

/** `dir` joined with a file `name`, with the platform's separator. */
export function joinPath(dir: string, name: string): string {
  const separator = pathSeparator(Deno.build.os);
  return /[\\/]$/.test(dir) ? dir + name : dir + separator + name;
}

/**
 * `bytes` random bytes in hex, for what must not collide between processes:
 * temporary file names (the files are created exclusively, in the owner-only
 * config dir) and lock stamps. Neither is a secret, so Math.random (seeded
 * from the OS in each process) does; WebCrypto would cost Node its loading
 * on every run (docs/benchmarks.md).
 */
export function randomHex(bytes: number): string {
  let hex = "";
  for (let i = 0; i < bytes; i++) {
    hex += Math.floor(Math.random() * 256).toString(16).padStart(2, "0");
  }
  return hex;
}

/**
 * The `code` of a file system error ("ENOENT", "EROFS", ...): Deno's errors
 * and Node's both carry one.
 *
 * @param err any thrown value
 * @returns its `code` property, or undefined
 */
export function errorCode(err: unknown): unknown {
  return typeof err === "object" && err !== null
    ? (err as { code?: unknown }).code
    : undefined;
}
