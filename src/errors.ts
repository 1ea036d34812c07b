/**
 * The one error type the CLI shows to a person: a single line, an exit code,
 * and an optional cause that is printed only with PILOT_DEBUG=1 (redacted).
 *
 * @module
 */

/** Exit code of a runtime failure. */
export const EXIT_FAILURE = 1;
/** Exit code of a usage error (unknown option, missing value). */
export const EXIT_USAGE = 2;
/** Exit code after an interrupt (Ctrl-C), as shells report SIGINT. */
export const EXIT_INTERRUPTED = 130;

/** A failure with the one line the user sees and the exit code to leave with. */
export class CliError extends Error {
  /** The process exit code for this failure. */
  readonly exitCode: number;

  /**
   * Makes the error a person reads.
   *
   * @param message the whole line shown on stderr: what failed, why, what to do next
   * @param options exit code (default 1) and the underlying cause, if any
   */
  constructor(
    message: string,
    options: { exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}
