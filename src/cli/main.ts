/**
 * The process around the command tree: runs the command with the real
 * Context and turns the outcome into an exit code. Ctrl-C aborts whatever is waiting and exits 130.
 *
 * @module
 */

import { isDebug } from "../config.ts";
import { CliError, EXIT_FAILURE, EXIT_INTERRUPTED } from "../errors.ts";
import { interruptSignals } from "../runtime/os.ts";
import { COMMANDS, isRoute, type Route } from "./commands.ts";
import type { Context } from "./context.ts";
import { runtimeContext } from "./runtime_context.ts";
import { formatFailure } from "./failure.ts";
import { quickAnswer } from "./help.ts";
import { resolve } from "./spec.ts";

/** Runs pilotcli with `args` and returns the exit code. */
export async function main(
  args: readonly string[],
  makeContext: (signal: AbortSignal) => Context = runtimeContext,
): Promise<number> {
  // Help and version need neither the parser nor a signal handler.
  const answer = quickAnswer(args);
  if (answer !== undefined) {
    makeContext(new AbortController().signal).stdout.write(answer);
    return 0;
  }
  const route = bareCommand(args);
  const controller = new AbortController();
  const interrupt = () =>
    controller.abort(new CliError("", { exitCode: EXIT_INTERRUPTED }));
  const signals = interruptSignals(Deno.build.os);
  for (const signal of signals) Deno.addSignalListener(signal, interrupt);
  const context = makeContext(controller.signal);
  try {
    return route === undefined
      ? await parseAndRun(args, context)
      : await runCommand(route, context);
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, interrupt);
    context.stdin.release();
  }
}

/**
 * The route of `args` when they name a command and give nothing else: with
 * no flags there is nothing to parse, and loading and building the parser
 * (Stricli) would cost about 2 ms, a third of what `user status` does
 * (docs/benchmarks.md).
 */
function bareCommand(args: readonly string[]): Route | undefined {
  const { prefix, rest } = resolve(args);
  const route = prefix.slice(1).join(" ");
  return rest.length === 0 && isRoute(route) ? route : undefined;
}

/** Runs the command of `route` with no flags, as the parser would. */
async function runCommand(route: Route, context: Context): Promise<number> {
  try {
    const command = await COMMANDS[route]();
    await command.call(context, {});
    return 0;
  } catch (error) {
    context.stderr.write(`${formatFailure(error, isDebug(context.env))}\n`);
    return error instanceof CliError ? error.exitCode : EXIT_FAILURE;
  }
}

/** Parses `args` with the command tree and runs what they name. */
async function parseAndRun(
  args: readonly string[],
  context: Context,
): Promise<number> {
  const app = await import("./app.ts");
  return await app.parseAndRun(args, context, isDebug(context.env));
}
