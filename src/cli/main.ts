/**
 * The process around the command tree: runs the command with the real
 * Context and turns the outcome into an exit code. Ctrl-C aborts whatever is waiting and exits 130.
 *
 * @module
 */

import { isDebug } from "../config.ts";
import { CliError, EXIT_INTERRUPTED } from "../errors.ts";
import type { Context } from "./context.ts";
import { denoContext } from "./deno_context.ts";
import { quickAnswer } from "./help.ts";

/** Runs pilotcli with `args` and returns the exit code. */
export async function main(
  args: readonly string[],
  makeContext: (signal: AbortSignal) => Context = denoContext,
): Promise<number> {
  // Help and version need neither the parser nor a signal handler.
  const answer = quickAnswer(args);
  if (answer !== undefined) {
    makeContext(new AbortController().signal).stdout.write(answer);
    return 0;
  }
  const [{ run }, { buildApp, exitCodeOf }] = await Promise.all([
    import("@stricli/core"),
    import("./app.ts"),
  ]);
  const controller = new AbortController();
  const interrupt = () =>
    controller.abort(new CliError("", { exitCode: EXIT_INTERRUPTED }));
  Deno.addSignalListener("SIGINT", interrupt);
  const context = makeContext(controller.signal);
  try {
    const process = { ...context.process, exitCode: undefined as unknown };
    const app = buildApp(args, isDebug(context.env));
    await run(app, args, { ...context, process } as Context);
    return exitCodeOf(process.exitCode as number | undefined);
  } finally {
    Deno.removeSignalListener("SIGINT", interrupt);
    context.stdin.release();
  }
}
