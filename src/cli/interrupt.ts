/**
 * Ctrl-C for the CLI's process: an AbortSignal that aborts with exit code
 * 130, and the operating system's signal listened for from the first wait
 * of a command on (the network, a question, a poll interval, another
 * process's lock), not from the start.
 *
 * Why not from the start: the first signal listener is the largest single
 * cost of a Deno `user status` (0.3 to 0.6 ms, docs/benchmarks.md), and a
 * command that never waits has nothing for Ctrl-C to end. Its file work is
 * synchronous, so a listener could not even run before the command is done.
 * Until the first wait, SIGINT ends the process as it ends any other, which
 * leaves nothing the next run does not clear: a lock file is taken over
 * once stale, a temporary session file is removed.
 *
 * @module
 */

import { CliError, EXIT_INTERRUPTED } from "../errors.ts";
import { interruptSignals } from "../runtime/os.ts";

/** Ctrl-C as a command's context sees it. */
export interface Interrupt {
  /** Aborts on Ctrl-C, once {@linkcode Interrupt.listen} was called. */
  readonly signal: AbortSignal;
  /** Listens for Ctrl-C from now on: called as each wait begins. */
  listen(): void;
}

/** Ctrl-C of this process, on the Deno namespace (on Node, the npm build's). */
export class ProcessInterrupt implements Interrupt {
  readonly #controller = new AbortController();
  readonly #signals: readonly Deno.Signal[];
  readonly #abort = () =>
    this.#controller.abort(new CliError("", { exitCode: EXIT_INTERRUPTED }));
  #listening = false;

  /** @param os the operating system, as `Deno.build.os` names it */
  constructor(os: string) {
    this.#signals = interruptSignals(os);
  }

  /** Aborts on Ctrl-C, once {@linkcode ProcessInterrupt.listen} was called. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Listens for Ctrl-C from now on; again is a no-op. */
  listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    for (const signal of this.#signals) {
      Deno.addSignalListener(signal, this.#abort);
    }
  }

  /** Stops listening, so the process can end. */
  stop(): void {
    if (!this.#listening) return;
    this.#listening = false;
    for (const signal of this.#signals) {
      Deno.removeSignalListener(signal, this.#abort);
    }
  }
}
