/**
 * Help in the original CLI's layout (Click's), rendered from the same
 * Stricli definitions that parse the arguments, so every text has one home.
 *
 * @module
 */

import type { Command, CommandContext, RouteMap } from "@stricli/core";

/** The help line of --help itself, as the seed has it. */
export const HELP_BRIEF = "Show this message and exit.";

/** One row of the Options: or Commands: section. */
type Row = [names: string, brief: string];

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function table(rows: Row[]): string[] {
  const width = Math.max(...rows.map(([names]) => names.length));
  return rows.map(([names, brief]) => `  ${names.padEnd(width)}  ${brief}`);
}

interface FlagDoc {
  kind: string;
  brief: string;
  placeholder?: string;
  hidden?: boolean;
}

function optionRows<C extends CommandContext>(command: Command<C>): Row[] {
  const flags = (command.parameters.flags ?? {}) as Record<string, FlagDoc>;
  const aliases = (command.parameters.aliases ?? {}) as Record<string, string>;
  const rows: Row[] = [];
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.hidden) continue;
    const short = Object.entries(aliases)
      .filter(([, target]) => target === name)
      .map(([alias]) => `-${alias}, `)
      .join("");
    const value = flag.kind === "boolean"
      ? ""
      : ` ${flag.placeholder ?? "TEXT"}`;
    rows.push([`${short}--${kebab(name)}${value}`, flag.brief]);
  }
  return rows;
}

/**
 * Renders help for a command or route map reached by `prefix` (e.g.
 * ["pilotcli", "user", "login"]). `extraOptions` are the rows of
 * application-wide flags (--version at the root).
 */
export function renderHelp<C extends CommandContext>(
  target: Command<C> | RouteMap<C>,
  prefix: readonly string[],
  extraOptions: Row[] = [],
): string {
  const isRouteMap = "getAllEntries" in target;
  const lines = [
    `Usage: ${prefix.join(" ")} [OPTIONS]${
      isRouteMap ? " COMMAND [ARGS]..." : ""
    }`,
    "",
  ];
  // Click prints a command's docstring under its usage line; a group's not.
  const description = target.fullDescription ??
    (isRouteMap ? undefined : target.brief);
  if (description) {
    lines.push(...description.split("\n").map((l) => l ? `  ${l}` : ""), "");
  }
  const options = [
    ...(isRouteMap ? [] : optionRows(target)),
    ...extraOptions,
    ["--help", HELP_BRIEF] as Row,
  ];
  lines.push("Options:", ...table(options));
  if (isRouteMap) {
    const commands = target.getAllEntries()
      .filter((entry) => !entry.hidden)
      .map((entry) => [entry.name.original, entry.target.brief] as Row);
    lines.push("", "Commands:", ...table(commands));
  }
  return lines.join("\n") + "\n";
}
