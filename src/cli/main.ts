/**
 * The process around the command tree: runs the command with the real
 * Context and turns the outcome into an exit code. Ctrl-C aborts whatever is waiting and exits 130.
 *
 * @module
 */

import { run } from "@stricli/core";
import { isDebug } from "../config.ts";
import { CliError, EXIT_INTERRUPTED } from "../errors.ts";
import { buildApp, exitCodeOf } from "./app.ts";
import type { Context } from "./context.ts";
import { denoContext } from "./deno_context.ts";

/** Runs pilotcli with `args` and returns the exit code. */
export async function main(
  args: readonly string[],
  makeContext: (signal: AbortSignal) => Context = denoContext,
): Promise<number> {
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
