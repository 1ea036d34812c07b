/**
 * The real collaborators of a command: the terminal, network, clock and
 * files of the Deno namespace (on Node, the npm build's shim of it).
 *
 * @module
 */

import { transportFetch } from "../auth/transport.ts";
import { isDebug } from "../config.ts";
import { fileWriter, LineReader, quietWhenClosed } from "../ui/io.ts";
import { corruptSessionMoved, lockWaitLine } from "../ui/messages.ts";
import { systemClock } from "../core/clock.ts";
import { FileSessionStore } from "../session/store.ts";
import type { Context } from "./context.ts";
import type { Interrupt } from "./interrupt.ts";
import { permittedEnv } from "./settings.ts";

/**
 * The Context of a real run, on the Deno namespace: Deno's own, or on Node
 * the npm build's shim of it. Each way a command can wait (the network, a
 * question, the poll interval, another process's lock) first has
 * `interrupt` listen for Ctrl-C (src/cli/interrupt.ts says why not before).
 */
export function runtimeContext(interrupt: Interrupt): Context {
  // `pilotcli user status | head -0` ends quietly, as `head` expects.
  const stdout = quietWhenClosed(fileWriter(Deno.stdout));
  const stderr = fileWriter(Deno.stderr);
  const env = permittedEnv(Deno.env);
  const fetch = transportFetch(env);
  return {
    stdout,
    stderr,
    stdin: new LineReader(() => {
      interrupt.listen();
      return Deno.stdin.readable;
    }, Deno.stdin),
    env,
    os: Deno.build.os,
    fetch(input, init) {
      interrupt.listen();
      return fetch(input, init);
    },
    clock: {
      now: systemClock.now,
      sleep(ms, signal) {
        interrupt.listen();
        return systemClock.sleep(ms, signal);
      },
    },
    signal: interrupt.signal,
    lock: {
      signal: interrupt.signal,
      onWait(lockPath) {
        interrupt.listen();
        if (isDebug(env)) stderr.write(`${lockWaitLine(lockPath)}\n`);
      },
    },
    // Warnings go to the stderr of the context the store is opened from, so
    // a context that replaces stderr (the library's, silent) silences them.
    openStore(dir, profile) {
      return new FileSessionStore(dir, {
        profile,
        warn: ({ path, reason, target }) =>
          this.stderr.write(
            `${corruptSessionMoved(path, reason, target)}\n`,
          ),
        lock: this.lock,
      });
    },
  };
}
