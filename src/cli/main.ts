/**
 * The process around the command tree: reads the arguments (parse.ts), runs
 * what they name with the real Context and turns the outcome into an exit
 * code. Ctrl-C aborts whatever is waiting and exits 130.
 *
 * @module
 */

import { isDebug } from "../config.ts";
import {
  CliError,
  EXIT_FAILURE,
  EXIT_INTERRUPTED,
  EXIT_USAGE,
} from "../errors.ts";
import { interruptSignals } from "../runtime/os.ts";
import { COMMANDS } from "./commands.ts";
import type { Context } from "./context.ts";
import { runtimeContext } from "./runtime_context.ts";
import { asCliError, formatFailure } from "./failure.ts";
import { renderHelp, versionLine } from "./help.ts";
import { parseArgs, usageLines } from "./parse.ts";

/** Runs pilotcli with `args` and returns the exit code. */
export async function main(
  args: readonly string[],
  makeContext: (signal: AbortSignal) => Context = runtimeContext,
): Promise<number> {
  const parsed = parseArgs(args);
  // Help, version and usage errors need no signal handler.
  switch (parsed.kind) {
    case "help":
      makeContext(new AbortController().signal).stdout.write(
        renderHelp(parsed.target, parsed.prefix),
      );
      return 0;
    case "version":
      makeContext(new AbortController().signal).stdout.write(versionLine());
      return 0;
    case "usage":
      makeContext(new AbortController().signal).stderr.write(
        usageLines(parsed.errors, args),
      );
      return EXIT_USAGE;
  }
  const controller = new AbortController();
  const interrupt = () =>
    controller.abort(new CliError("", { exitCode: EXIT_INTERRUPTED }));
  const signals = interruptSignals(Deno.build.os);
  for (const signal of signals) Deno.addSignalListener(signal, interrupt);
  const context = makeContext(controller.signal);
  try {
    const command = await COMMANDS[parsed.route]() as (
      this: Context,
      flags: unknown,
      ...positional: string[]
    ) => Promise<void>;
    await command.call(context, parsed.flags, ...parsed.positional);
    return 0;
  } catch (error) {
    context.stderr.write(`${formatFailure(error, isDebug(context.env))}\n`);
    // A typed error's exit code is that of its line (a bad name: usage).
    const mapped = asCliError(error, "pilotcli failed");
    return mapped instanceof CliError ? mapped.exitCode : EXIT_FAILURE;
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, interrupt);
    context.stdin.release();
  }
}
