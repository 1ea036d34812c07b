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
import { COMMANDS } from "./commands.ts";
import type { Context } from "./context.ts";
import { formatFailure } from "./failure.ts";
import { kebab, renderHelp, versionLine } from "./help.ts";
import {
  CLI_NAME,
  COMPLETIONS,
  HELP_BRIEF,
  isGroup,
  LOGIN,
  LOGOUT,
  resolve,
  ROOT,
  STATUS,
  TOKEN,
  USER,
  VERSION_BRIEF,
} from "./spec.ts";

/** The flags of `user login`. */
export interface LoginFlags {
  /** The API key, or "-" to read it from standard input. */
  readonly apiKey?: string;
  /** Leave out the QR code. */
  readonly noQr?: boolean;
  /** Open the link in the web browser. */
  readonly web?: boolean;
}

/** The flags of `user logout`. */
export interface LogoutFlags {
  /** Skip the question. */
  readonly yes?: boolean;
}

/** The flags of `user status`. */
export interface StatusFlags {
  /** Print JSON. */
  readonly json?: boolean;
}

/** The command tree, built with Stricli. */
function buildRoot({ buildCommand, buildRouteMap }: typeof Stricli) {
  const login = buildCommand<LoginFlags, [], Context>({
    loader: COMMANDS["user login"],
    parameters: {
      flags: {
        apiKey: { ...LOGIN.flags.apiKey, parse: String, optional: true },
        noQr: { ...LOGIN.flags.noQr, optional: true, withNegated: false },
        web: { ...LOGIN.flags.web, optional: true, withNegated: false },
      },
    },
    docs: { brief: LOGIN.brief },
  });

  const logout = buildCommand<LogoutFlags, [], Context>({
    loader: COMMANDS["user logout"],
    parameters: {
      flags: {
        yes: { ...LOGOUT.flags.yes, optional: true, withNegated: false },
      },
      aliases: LOGOUT.aliases,
    },
    docs: { brief: LOGOUT.brief },
  });

  const status = buildCommand<StatusFlags, [], Context>({
    loader: COMMANDS["user status"],
    parameters: {
      flags: {
        json: { ...STATUS.flags.json, optional: true, withNegated: false },
      },
    },
    docs: { brief: STATUS.brief },
  });

  const token = buildCommand<Record<never, never>, [], Context>({
    loader: COMMANDS["user token"],
    parameters: {},
    docs: { brief: TOKEN.brief },
  });

  const user = buildRouteMap<keyof typeof USER.routes, Context>({
    routes: { login, logout, status, token },
    docs: { brief: USER.brief },
  });

  // The shell is checked by the command, which names the choices in its
  // usage error, also when it runs without the parser (`pilotcli completions`).
  const completions = buildCommand<Record<never, never>, [string?], Context>({
    loader: COMMANDS["completions"],
    parameters: {
      positional: {
        kind: "tuple",
        parameters: [{
          brief: COMPLETIONS.brief,
          placeholder: COMPLETIONS.positional.name,
          parse: String,
          optional: true,
        }],
      },
    },
    docs: { brief: COMPLETIONS.brief },
  });

  return buildRouteMap<keyof typeof ROOT.routes, Context>({
    routes: { user, completions },
    docs: { brief: ROOT.brief },
  });
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
  { ArgumentScannerError }: typeof Stricli,
): string {
  if (!(error instanceof ArgumentScannerError)) {
    return "the arguments are not valid";
  }
  const e = error as Stricli.ArgumentScannerError & Record<string, unknown>;
  const flag = (name: unknown) =>
    typeof name === "string" ? `--${name.replace(/=.*$/s, "")}` : "an option";
  switch (error.constructor.name) {
    case "FlagNotFoundError":
    case "AliasNotFoundError": {
      // Not echoed: it may be the value of the flag before it.
      const valueFlag = valueFlagBeforeDash(args);
      if (valueFlag !== undefined) {
        return `${valueFlag} needs a value (a value that starts with - goes as ${valueFlag}=VALUE)`;
      }
      const input = String(e.input ?? "").replace(/=.*$/s, "");
      // Stricli gives the name without its dashes: `k` for -k, `nope` for --nope.
      if (input.startsWith("-")) return `unknown option ${input}`;
      return error.constructor.name === "AliasNotFoundError"
        ? `unknown option -${input}`
        : `unknown option ${flag(input)}`;
    }
    case "UnsatisfiedFlagError":
      return `${flag(e.externalFlagName)} needs a value`;
    case "UnexpectedFlagError":
      return `${flag(e.externalFlagName)} was given more than once`;
    case "UnexpectedPositionalError":
      return "this command takes no arguments";
    default:
      return "the arguments are not valid";
  }
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
  return exitCodeOf(process.exitCode as number | undefined);
}

/** Builds the application; `args` lets usage errors point at the right --help. */
function buildApp(
  stricli: typeof Stricli,
  args: readonly string[],
  debug: boolean,
): Application<Context> {
  return stricli.buildApplication(
    buildRoot(stricli),
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

/** Maps Stricli's own negative exit codes for bad input to the usage code 2. */
function exitCodeOf(stricliCode: number | string | null | undefined): number {
  const code = Number(stricliCode ?? 0);
  if (code === -4 || code === -5) return EXIT_USAGE;
  return code < 0 ? EXIT_FAILURE : code;
}
