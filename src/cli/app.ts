/**
 * The parser of the command tree (spec.ts), with its typed flags, and how
 * usage errors, help and --version are shown. Each command's run function
 * lives in a file of its own and is loaded only when it runs.
 *
 * Stricli itself is imported when the parser is first needed, not with this
 * module: the npm build keeps it in a file of its own (scripts/build_npm.ts),
 * which a command given without flags never has to load.
 *
 * @module
 */

import type * as Stricli from "@stricli/core";
import type { Application, StricliIntegration } from "@stricli/core";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "../errors.ts";
import { redact } from "../redact.ts";
import { inert } from "../ui/terminal_text.ts";
import { COMMANDS, isRoute } from "./commands.ts";
import type { Context } from "./context.ts";
import { formatFailure } from "./failure.ts";
import { kebab, renderHelp, versionLine } from "./help.ts";
import {
  CLI_NAME,
  type CommandSpec,
  type FlagsOf,
  type GroupSpec,
  HELP_BRIEF,
  isGroup,
  resolve,
  ROOT,
  VERSION_BRIEF,
} from "./spec.ts";

/** A command's flags as the parser hands them over: typed by the spec. */
type AnyFlags = FlagsOf<CommandSpec>;

/**
 * The Stricli parameters of a command, generated from its spec: a parsed
 * flag takes its value as typed, a switch has no --no- form, every flag may
 * be left out, and a positional choice is taken as typed, checked by the
 * command, which names the choices in its usage error.
 */
function parametersOf(
  command: CommandSpec,
): Stricli.TypedCommandParameters<AnyFlags, [string?], Context> {
  const flags = Object.fromEntries(
    Object.entries(command.flags).map(([name, flag]) => [
      name,
      flag.kind === "parsed"
        ? { ...flag, parse: String, optional: true }
        : { ...flag, optional: true, withNegated: false },
    ]),
  );
  const positional = command.positional && {
    kind: "tuple",
    parameters: [{
      brief: command.brief,
      placeholder: command.positional.name,
      parse: String,
      optional: true,
    }],
  };
  // Built from data, so checked by the spec's types, not Stricli's.
  return {
    flags,
    ...(command.aliases ? { aliases: command.aliases } : {}),
    ...(positional ? { positional } : {}),
  } as unknown as Stricli.TypedCommandParameters<AnyFlags, [string?], Context>;
}

/** The Stricli route map of `group`, reached by the words of `path`. */
function buildGroup(
  stricli: typeof Stricli,
  group: GroupSpec,
  path: readonly string[],
): Stricli.RouteMap<Context> {
  const routes = Object.fromEntries(
    Object.entries(group.routes).map(([name, spec]) => {
      const words = [...path, name];
      if (isGroup(spec)) return [name, buildGroup(stricli, spec, words)];
      const route = words.join(" ");
      if (!isRoute(route)) {
        throw new Error(`command spec: no run function for "${route}"`);
      }
      return [
        name,
        stricli.buildCommand({
          loader: COMMANDS[route] as () => Promise<
            Stricli.CommandFunction<AnyFlags, [string?], Context>
          >,
          parameters: parametersOf(spec),
          docs: { brief: spec.brief },
        }),
      ];
    }),
  );
  return stricli.buildRouteMap({ routes, docs: { brief: group.brief } });
}

// Help reached through the parser (`pilotcli user login --api-key - --help`)
// is rendered from the spec too, the same way as the quick path's.
const integrations: Record<string, StricliIntegration<Context>> = {
  help: {
    flag: {
      brief: HELP_BRIEF,
      global: true,
      defaultForRouteMap: true,
      run(_app, { result }) {
        const { target, prefix } = resolve(result.prefix.slice(1));
        this.process.stdout.write(renderHelp(target, prefix));
      },
    },
  },
  version: {
    flag: {
      brief: VERSION_BRIEF,
      run() {
        this.process.stdout.write(versionLine());
      },
    },
  },
};

/**
 * The flag that takes a value and is given right before a token that starts
 * with a dash: `--api-key --x1Y2...` is a key that starts with dashes, which
 * the parser takes for an unknown option.
 */
function valueFlagBeforeDash(args: readonly string[]): string | undefined {
  const { target } = resolve(args);
  if (isGroup(target)) return undefined;
  const valueFlags = Object.entries(target.flags)
    .filter(([, spec]) => spec.kind === "parsed")
    .map(([name]) => `--${kebab(name)}`);
  const at = args.findIndex((arg, i) =>
    i > 0 && arg.startsWith("-") && valueFlags.includes(args[i - 1])
  );
  return at > 0 ? args[at - 1] : undefined;
}

/** Flag values can be secrets (`--api-key=...`): echo flag names only. */
function describeArgumentError(
  error: unknown,
  args: readonly string[],
  stricli: typeof Stricli,
): string {
  const flag = (name: string) => `--${name.replace(/=.*$/s, "")}`;
  if (
    error instanceof stricli.FlagNotFoundError ||
    error instanceof stricli.AliasNotFoundError
  ) {
    // Not echoed: it may be the value of the flag before it.
    const valueFlag = valueFlagBeforeDash(args);
    if (valueFlag !== undefined) {
      return `${valueFlag} needs a value (a value that starts with - goes as ${valueFlag}=VALUE)`;
    }
    const input = error.input.replace(/=.*$/s, "");
    // Stricli gives the name without its dashes: `k` for -k, `nope` for --nope.
    if (input.startsWith("-")) return `unknown option ${input}`;
    return error instanceof stricli.AliasNotFoundError
      ? `unknown option -${input}`
      : `unknown option ${flag(input)}`;
  }
  if (error instanceof stricli.UnsatisfiedFlagError) {
    return `${flag(error.externalFlagName)} needs a value`;
  }
  if (error instanceof stricli.UnexpectedFlagError) {
    return `${flag(error.externalFlagName)} was given more than once`;
  }
  if (error instanceof stricli.UnexpectedPositionalError) {
    return "this command takes no arguments";
  }
  return "the arguments are not valid";
}

function usageLine(detail: string, args: readonly string[]): string {
  const { prefix } = resolve(args);
  // The detail may echo what was typed: shown inert, as server text is.
  return `Usage error: ${inert(detail)}. Run \`${
    prefix.join(" ")
  } --help\` for usage.`;
}

/**
 * Parses `args` with the command tree and runs what they name, as Stricli
 * does; returns the exit code.
 */
export async function parseAndRun(
  args: readonly string[],
  context: Context,
  debug: boolean,
): Promise<number> {
  const stricli = await import("@stricli/core");
  const process = { ...context.process, exitCode: undefined as unknown };
  const app = buildApp(stricli, args, debug);
  await stricli.run(app, args, { ...context, process } as Context);
  return exitCodeOf(process.exitCode as number | undefined, stricli);
}

/** Builds the application; `args` lets usage errors point at the right --help. */
function buildApp(
  stricli: typeof Stricli,
  args: readonly string[],
  debug: boolean,
): Application<Context> {
  return stricli.buildApplication(
    buildGroup(stricli, ROOT, []),
    {
      name: CLI_NAME,
      scanner: { caseStyle: "allow-kebab-for-camel" },
      documentation: { disableAnsiColor: true },
      localization: {
        loadText: () => ({
          ...stricli.text_en,
          noCommandRegisteredForInput: ({ input }) =>
            usageLine(`unknown command ${JSON.stringify(redact(input))}`, args),
          exceptionWhileParsingArguments: (error) =>
            usageLine(describeArgumentError(error, args, stricli), args),
          exceptionWhileRunningCommand: (error) => formatFailure(error, debug),
          exceptionWhileLoadingCommandFunction: (error) =>
            formatFailure(error, debug),
        }),
      },
      determineExitCode: (error) =>
        error instanceof CliError ? error.exitCode : EXIT_FAILURE,
    },
    integrations,
  );
}

/** Maps Stricli's own exit codes for bad input to the usage code 2. */
function exitCodeOf(
  stricliCode: number | string | null | undefined,
  { ExitCode }: typeof Stricli,
): number {
  const code = Number(stricliCode ?? ExitCode.Success);
  if (code === ExitCode.InvalidArgument || code === ExitCode.UnknownCommand) {
    return EXIT_USAGE;
  }
  // Stricli's other codes of its own (a command that failed to load, ...)
  // are negative; a command's are ours.
  return code < ExitCode.Success ? EXIT_FAILURE : code;
}
