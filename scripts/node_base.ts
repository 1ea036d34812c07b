/**
 * What the npm package's program (scripts/npm_bin.ts) needs on Node before
 * anything else, kept apart from the runtime (scripts/node_deno.ts) so that
 * `--help` loads neither it nor the CLI: the Node.js floor, a synchronous
 * write to a standard stream, and the OS by Deno's name. It is not part of
 * the Deno program.
 *
 * @module
 */

/** The Node.js floor: `process.getBuiltinModule` came with 20.16. */
export const NODE_FLOOR = "20.16";

const OS_OF_PLATFORM: Partial<Record<string, typeof Deno.build.os>> = {
  win32: "windows",
  sunos: "solaris",
};

/** Node's `process.platform` as `Deno.build.os` names it (src/runtime/os.ts). */
export function osOfPlatform(platform: string): typeof Deno.build.os {
  return OS_OF_PLATFORM[platform] ?? (platform as typeof Deno.build.os);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * `fs.writeSync` to a standard stream, waiting out EAGAIN: Node makes a pipe
 * non-blocking when it opens `process.stdin` on it, also for whoever shares
 * that pipe, where Deno never changes the mode. Returns the bytes written;
 * throws Node's error for any other failure.
 */
export function writeSyncRetrying(fd: number, data: Uint8Array): number {
  const fs = process.getBuiltinModule("node:fs");
  for (let waitMs = 1;; waitMs = Math.min(waitMs * 2, 50)) {
    try {
      return fs.writeSync(fd, data);
    } catch (err) {
      if ((err as { code?: unknown }).code !== "EAGAIN") throw err;
      Atomics.wait(pause, 0, 0, waitMs);
    }
  }
}
