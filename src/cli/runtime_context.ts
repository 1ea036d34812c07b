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
import { FileSessionStore, sessionFileName } from "../session/store.ts";
import type { Context } from "./context.ts";
import { permittedEnv } from "./settings.ts";

/**
 * The Context of a real run, on the Deno namespace: Deno's own, or on Node
 * the npm build's shim of it.
 */
export function runtimeContext(signal: AbortSignal): Context {
  // `pilotcli user status | head -0` ends quietly, as `head` expects.
  const stdout = quietWhenClosed(fileWriter(Deno.stdout));
  const stderr = fileWriter(Deno.stderr);
  const env = permittedEnv(Deno.env);
  return {
    stdout,
    stderr,
    stdin: new LineReader(() => Deno.stdin.readable, Deno.stdin),
    env,
    os: Deno.build.os,
    fetch: transportFetch(env),
    clock: systemClock,
    signal,
    // Warnings go to the stderr of the context the store is opened from, so
    // a context that replaces stderr (the library's, silent) silences them.
    openStore(dir, profile) {
      const lock = sessionFileName(profile).replace(/\.json$/, ".lock");
      return new FileSessionStore(dir, {
        profile,
        warn: ({ path, reason, target }) =>
          this.stderr.write(
            `${corruptSessionMoved(path, reason, target)}\n`,
          ),
        lock: {
          // Ctrl-C ends the wait for another process's lock too.
          signal: this.signal,
          onWait: isDebug(this.env)
            ? () => this.stderr.write(`${lockWaitLine(`${dir}/${lock}`)}\n`)
            : undefined,
        },
      });
    },
  };
}
