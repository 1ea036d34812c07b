/**
 * Synchronous writes to stdout and stderr on Node.js, for the npm package.
 * It is not part of the Deno program.
 *
 * @module
 */

import { writeSync } from "node:fs";

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * `fs.writeSync`, waiting out EAGAIN on a non-blocking descriptor (Node makes
 * a pipe non-blocking when it opens `process.stdin` on it, also for whoever
 * shares that pipe). Returns the bytes written, possibly fewer than given.
 */
export function writeSyncRetrying(fd: number, data: Uint8Array): number {
  for (let waitMs = 1;; waitMs = Math.min(waitMs * 2, 50)) {
    try {
      return writeSync(fd, data);
    } catch (err) {
      if ((err as { code?: unknown }).code !== "EAGAIN") throw err;
      Atomics.wait(pause, 0, 0, waitMs);
    }
  }
}
