/**
 * The parser of the command tree: reads the arguments against the command
 * spec (spec.ts) and says what to do: show help or the version, run a
 * command with its typed flags, or report usage errors. Every run takes
 * this one path; it needs nothing but the spec, so that a command starts
 * as fast as the runtime allows (docs/benchmarks.md).
 *
 * It reads arguments as Stricli (the parser pilotcli used before) read them
 * with pilotcli's settings, so that what is accepted, and every usage error,
 * stay the same: `--name value`, `--name=value`, kebab-case or camelCase
 * names, one-letter aliases alone or batched (`-y`, `-y=true`), switches
 * that take `=true`/`=false` and their like, no `--no-` forms and no `--`.
 *
 * @module
 */

import { redact } from "../redact.ts";
import { inert } from "../ui/terminal_text.ts";
import { isRoute, type Route } from "./commands.ts";
import { kebab } from "./help.ts";
import {
  CLI_NAME,
  type CommandSpec,
  type GroupSpec,
  isGroup,
  resolve,
  ROOT,
} from "./spec.ts";

/** A usage error: the arguments do not fit the command tree. */
export class UsageError extends Error {
  /** @param detail What does not fit, for the usage line. */
  constructor(readonly detail: string) {
    super(detail);
    this.name = new.target.name;
  }
}

/** A word where a command was expected names none. */
export class UnknownCommandError extends UsageError {
  /** @param input The word, as typed. */
  constructor(readonly input: string) {
    super(`unknown command ${JSON.stringify(redact(input))}`);
  }
}

/** An option the command does not have: `--nope`, `-k`. */
export class UnknownOptionError extends UsageError {
  /** @param option The option as typed, without any `=value`. */
  constructor(readonly option: string) {
    super(`unknown option ${option}`);
  }
}

/** A flag that takes a value got none. */
export class MissingValueError extends UsageError {
  /** @param flag The flag, `--api-key`. */
  constructor(readonly flag: string) {
    super(`${flag} needs a value`);
  }
}

/**
 * An unknown option right after a flag that takes a value: likely that
 * value (a key that starts with dashes), so not echoed.
 */
export class ValueLooksLikeOptionError extends UsageError {
  /** @param flag The flag before it, `--api-key`. */
  constructor(readonly flag: string) {
    super(
      `${flag} needs a value (a value that starts with - goes as ${flag}=VALUE)`,
    );
  }
}

/** A flag given twice. */
export class RepeatedFlagError extends UsageError {
  /** @param flag The flag, `--yes`. */
  constructor(readonly flag: string) {
    super(`${flag} was given more than once`);
  }
}

/** A word the command has no place for. */
export class UnexpectedArgumentError extends UsageError {
  constructor() {
    super("this command takes no arguments");
  }
}

/** A required flag was left out. */
export class MissingFlagError extends UsageError {
  /** @param flag The flag, `--auth-url`. */
  constructor(readonly flag: string) {
    super(`${flag} is required`);
  }
}

/** A required argument was left out. */
export class MissingArgumentError extends UsageError {
  /** @param argument Its name, `NAME`. */
  constructor(readonly argument: string) {
    super(`${argument} is missing`);
  }
}

/** A switch given a value that is no yes or no (`--json=maybe`). */
export class InvalidValueError extends UsageError {
  /** @param flag The flag, `--json`. */
  constructor(readonly flag: string) {
    super("the arguments are not valid");
  }
}

/**
 * The flags given to a command, by their camelCase name: of the shape of
 * its spec's `FlagsOf` (a string for a value, a boolean for a switch).
 */
export type ParsedFlags = Readonly<
  Record<string, string | boolean | readonly string[]>
>;

/** What the arguments ask for. */
export type Parsed =
  /** Help for the command or group reached by `prefix`. */
  | {
    readonly kind: "help";
    readonly target: CommandSpec | GroupSpec;
    readonly prefix: readonly string[];
  }
  /** The version line. */
  | { readonly kind: "version" }
  /** A command, with its flags and its positional argument, if given. */
  | {
    readonly kind: "run";
    readonly route: Route;
    readonly flags: ParsedFlags;
    readonly positional: readonly string[];
  }
  /** Nothing runs: each error gets its usage line. */
  | { readonly kind: "usage"; readonly errors: readonly UsageError[] };

// The shapes of options, as Stricli had them: a name of two or more
// characters after `--`, one or more letters after `-`.
const FLAG_NAME = /^--([a-z][a-z-.\d_]+)$/i;
const FLAG_NAME_VALUE = /^--([a-z][a-z-.\d_]+)=(.+)$/i;
const ALIASES = /^-([a-z]+)$/i;
const ALIAS_VALUE = /^-([a-z])=(.+)$/i;
const TRUE = new Set(["true", "t", "yes", "y", "on", "1", ""]);
const FALSE = new Set(["false", "f", "no", "n", "off", "0"]);

/** Reads `args` (what follows `pilotcli`) against the command tree. */
export function parseArgs(args: readonly string[]): Parsed {
  let target: CommandSpec | GroupSpec = ROOT;
  const prefix = [CLI_NAME];
  const rest: string[] = [];
  for (const arg of args) {
    // --help anywhere after the route, --version before it, win; they are
    // not looked for past a word that names no command.
    if (arg === "--help") return { kind: "help", target, prefix };
    if (arg === "--version" && target === ROOT) return { kind: "version" };
    if (!isGroup(target)) {
      rest.push(arg);
      continue;
    }
    const next: CommandSpec | GroupSpec | undefined =
      Object.hasOwn(target.routes, arg) ? target.routes[arg] : undefined;
    if (next === undefined) {
      return { kind: "usage", errors: [new UnknownCommandError(arg)] };
    }
    target = next;
    prefix.push(arg);
  }
  if (isGroup(target)) return { kind: "help", target, prefix };
  const route = prefix.slice(1).join(" ");
  if (!isRoute(route)) throw new Error(`command spec: no command "${route}"`);
  try {
    const parsed = parseCommand(target, rest, args);
    return "errors" in parsed
      ? { kind: "usage", ...parsed }
      : { kind: "run", route, ...parsed };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { kind: "usage", errors: [error] };
  }
}

/** `--api-key` for `api-key`, `--api-Key` and `--apiKey`; else unknown. */
function flagNamed(command: CommandSpec, external: string): string {
  for (
    const name of [
      external,
      external.replace(/-./g, (match) => match[1].toUpperCase()),
    ]
  ) {
    if (Object.hasOwn(command.flags, name)) return name;
  }
  throw new UnknownOptionError(`--${external}`);
}

function aliasNamed(command: CommandSpec, alias: string): string {
  const aliases = command.aliases ?? {};
  if (Object.hasOwn(aliases, alias)) return aliases[alias];
  throw new UnknownOptionError(`-${alias}`);
}

/**
 * The flags and positional arguments of `command` in `rest`. A UsageError
 * met while reading is thrown; those of the flags' values, found after,
 * are all returned.
 */
function parseCommand(
  command: CommandSpec,
  rest: readonly string[],
  args: readonly string[],
):
  | { flags: ParsedFlags; positional: string[] }
  | { errors: UsageError[] } {
  const given = new Map<string, string>();
  // The values of the flags that may be repeated, in order.
  const repeated = new Map<string, string[]>();
  const positional: string[] = [];
  // A flag that takes a value, waiting for it.
  let waiting: string | undefined;
  const option = (name: string) => `--${kebab(name)}`;
  const store = (name: string, value: string) => {
    if (command.flags[name].multiple) {
      repeated.set(name, [...repeated.get(name) ?? [], value]);
      given.set(name, value);
      return;
    }
    if (given.has(name)) throw new RepeatedFlagError(option(name));
    given.set(name, value);
  };
  const unknown = (error: unknown) => {
    const valueFlag = valueFlagBeforeDash(command, args);
    return error instanceof UnknownOptionError && valueFlag !== undefined
      ? new ValueLooksLikeOptionError(valueFlag)
      : error;
  };
  for (const arg of rest) {
    let named: string[];
    try {
      const withValue = FLAG_NAME_VALUE.exec(arg);
      const aliasValue = withValue ? null : ALIAS_VALUE.exec(arg);
      if (withValue || aliasValue) {
        const name = withValue
          ? flagNamed(command, withValue[1])
          : aliasNamed(command, aliasValue![1]);
        if (waiting !== undefined) throw new MissingValueError(option(waiting));
        store(name, (withValue ?? aliasValue)![2]);
        continue;
      }
      const aliases = ALIASES.exec(arg);
      const flag = aliases ? null : FLAG_NAME.exec(arg);
      named = aliases
        ? [...aliases[1]].map((alias) => aliasNamed(command, alias))
        : flag
        ? [flagNamed(command, flag[1])]
        : [];
    } catch (error) {
      throw unknown(error);
    }
    if (named.length > 0) {
      if (waiting !== undefined) throw new MissingValueError(option(waiting));
      const takesValue = named.filter((name) =>
        command.flags[name].kind === "parsed"
      );
      if (takesValue.length === 0) {
        for (const name of named) store(name, "true");
      } else if (named.length > 1) {
        throw new MissingValueError(option(takesValue[0]));
      } else {
        waiting = named[0];
      }
    } else if (waiting !== undefined) {
      store(waiting, arg);
      waiting = undefined;
    } else if (positional.length < (command.positional ? 1 : 0)) {
      positional.push(arg);
    } else {
      throw new UnexpectedArgumentError();
    }
  }
  // Read to the end: every flag's own trouble is reported, in spec order.
  const errors: UsageError[] = [];
  const flags: Record<string, string | boolean | readonly string[]> = {};
  for (const [name, spec] of Object.entries(command.flags)) {
    const value = given.get(name);
    if (name === waiting) errors.push(new MissingValueError(option(name)));
    else if (value === undefined) {
      if (spec.required) errors.push(new MissingFlagError(option(name)));
    } else if (spec.multiple) flags[name] = repeated.get(name)!;
    else if (spec.kind === "parsed") flags[name] = value;
    else if (TRUE.has(value.toLowerCase())) flags[name] = true;
    else if (FALSE.has(value.toLowerCase())) flags[name] = false;
    else errors.push(new InvalidValueError(option(name)));
  }
  if (command.positional?.required && positional.length === 0) {
    errors.push(new MissingArgumentError(command.positional.name));
  }
  return errors.length > 0 ? { errors } : { flags, positional };
}

/**
 * The flag that takes a value and is given right before a word that starts
 * with a dash: `--api-key --x1Y2...` is a key that starts with dashes, which
 * reads as an unknown option.
 */
function valueFlagBeforeDash(
  command: CommandSpec,
  args: readonly string[],
): string | undefined {
  const valueFlags = Object.entries(command.flags)
    .filter(([, spec]) => spec.kind === "parsed")
    .map(([name]) => `--${kebab(name)}`);
  const at = args.findIndex((arg, i) =>
    i > 0 && arg.startsWith("-") && valueFlags.includes(args[i - 1])
  );
  return at > 0 ? args[at - 1] : undefined;
}

/** The usage lines of `errors`, each pointing at the right --help. */
export function usageLines(
  errors: readonly UsageError[],
  args: readonly string[],
): string {
  const { prefix } = resolve(args);
  // The detail may echo what was typed: shown inert, as server text is.
  return errors.map((error) =>
    `Usage error: ${inert(error.detail)}. Run \`${
      prefix.join(" ")
    } --help\` for usage.\n`
  ).join("");
}
