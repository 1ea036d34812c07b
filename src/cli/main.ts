/**
 * The process around the command tree: reads the arguments (parse.ts), runs
 * what they name with the real Context and turns the outcome into an exit
 * code. Ctrl-C aborts whatever is waiting and exits 130.
 *
 * @module
 */

import { isDebug } from "../config.ts";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "../errors.ts";
import { COMMANDS } from "./commands.ts";
import type { Context } from "./context.ts";
import { type Interrupt, ProcessInterrupt } from "./interrupt.ts";
import { runtimeContext } from "./runtime_context.ts";
import { asCliError, formatFailure } from "./failure.ts";
import { renderHelp, versionLine } from "./help.ts";
import { parseArgs, usageLines } from "./parse.ts";

/** Runs pilotcli with `args` and returns the exit code. */
export async function main(
  args: readonly string[],
  makeContext: (interrupt: Interrupt) => Context = runtimeContext,
): Promise<number> {
  const parsed = parseArgs(args);
  const interrupt = new ProcessInterrupt(Deno.build.os);
  const context = makeContext(interrupt);
  switch (parsed.kind) {
    case "help":
      context.stdout.write(renderHelp(parsed.target, parsed.prefix));
      return 0;
    case "version":
      context.stdout.write(versionLine());
      return 0;
    case "usage":
      context.stderr.write(usageLines(parsed.errors, args));
      return EXIT_USAGE;
  }
  try {
    const command = COMMANDS[parsed.route] as (
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
    interrupt.stop();
    context.stdin.release();
  }
}
