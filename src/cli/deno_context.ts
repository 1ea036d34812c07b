/**
 * The real collaborators of a command: the terminal, network, clock and
 * files of the Deno namespace. Apart from the command tree, so that the
 * library API can use them without loading the CLI's parser.
 *
 * @module
 */

import type { Clock } from "../auth/device.ts";
import { transportFetch } from "../auth/transport.ts";
import { isDebug } from "../config.ts";
import { fileWriter, LineReader, quietWhenClosed } from "../ui/io.ts";
import type { Context } from "./context.ts";

/** The real clock; `sleep` ends early, rejecting, when the signal aborts. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** The Context of a real run, on the Deno namespace. */
export function denoContext(signal: AbortSignal): Context {
  // `pilotcli user status | head -0` ends quietly, as `head` expects.
  const stdout = quietWhenClosed(fileWriter(Deno.stdout));
  const stderr = fileWriter(Deno.stderr);
  return {
    process: { stdout, stderr },
    stdout,
    stderr,
    stdin: new LineReader(() => Deno.stdin.readable, Deno.stdin),
    env: Deno.env,
    os: Deno.build.os,
    fetch: transportFetch(Deno.env),
    clock: systemClock,
    signal,
    // Warnings go to the stderr of the context the store is opened from, so
    // a context that replaces stderr (the library's, silent) silences them.
    async openStore(dir) {
      const { FileSessionStore } = await import("../session/store.ts");
      const { lockWaitLine } = await import("../ui/messages.ts");
      return new FileSessionStore(dir, {
        warn: (line) => this.stderr.write(`${line}\n`),
        lock: {
          // Ctrl-C ends the wait for another process's lock too.
          signal: this.signal,
          onWait: isDebug(this.env)
            ? () =>
              this.stderr.write(`${lockWaitLine(`${dir}/session.lock`)}\n`)
            : undefined,
        },
      });
    },
  };
}
