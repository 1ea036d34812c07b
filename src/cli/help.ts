/**
 * Help in the original CLI's layout (Click's), rendered from the command
 * spec that the parser reads arguments against, so every text has one home.
 *
 * @module
 */

import {
  type CommandSpec,
  type GroupSpec,
  HELP_BRIEF,
  isGroup,
  resolve,
  ROOT,
  VERSION_BRIEF,
} from "./spec.ts";
import { VERSION } from "../version.ts";

/** One row of the Options: or Commands: section. */
type Row = [names: string, brief: string];

/** The command-line form of a flag's name: `apiKey` is `api-key`. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Where Click wraps help: 80 columns less its right margin of 2. */
const WIDTH = 78;

/** Rows as Click writes them: names padded, briefs wrapped under themselves. */
function table(rows: Row[]): string[] {
  const width = Math.max(...rows.map(([names]) => names.length));
  const under = " ".repeat(width + 4);
  return rows.flatMap(([names, brief]) => {
    const [first, ...rest] = wrap(brief, WIDTH - width - 4);
    return [
      `  ${names.padEnd(width)}  ${first}`,
      ...rest.map((line) => under + line),
    ];
  });
}

/** `text` in lines of at most `width` characters, broken between words. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

function optionRows(command: CommandSpec): Row[] {
  const aliases = Object.entries(command.aliases ?? {});
  return Object.entries(command.flags).map(([name, flag]) => {
    const short = aliases.filter(([, target]) => target === name)
      .map(([alias]) => `-${alias}, `).join("");
    const value = flag.kind === "boolean" ? "" : ` ${flag.placeholder}`;
    return [`${short}--${kebab(name)}${value}`, flag.brief];
  });
}

/** Renders help for the command or group reached by `prefix`, e.g. ["pilotcli", "user"]. */
export function renderHelp(
  target: CommandSpec | GroupSpec,
  prefix: readonly string[],
): string {
  const group = isGroup(target);
  // A choice argument is shown as Click shows one: {bash|zsh|fish}.
  const argument = group || !target.positional
    ? ""
    : target.positional.choices
    ? ` {${target.positional.choices.join("|")}}`
    : ` ${target.positional.name}`;
  const lines = [
    `Usage: ${prefix.join(" ")} [OPTIONS]${
      group ? " COMMAND [ARGS]..." : argument
    }`,
    "",
  ];
  // Click prints a command's docstring under its usage line; a group's not.
  if (!group) lines.push(`  ${target.brief}`, "");
  const options: Row[] = [
    ...(group ? [] : optionRows(target)),
    ...(target === ROOT ? [["--version", VERSION_BRIEF] as Row] : []),
    ["--help", HELP_BRIEF],
  ];
  lines.push("Options:", ...table(options));
  if (group) {
    const commands = Object.entries(target.routes)
      .map(([name, route]) => [name, route.brief] as Row);
    lines.push("", "Commands:", ...table(commands));
  }
  return lines.join("\n") + "\n";
}

/** The version line. */
export function versionLine(): string {
  return `pilotcli ${VERSION}\n`;
}

/**
 * What `--help`, `--version` or a bare group asks for, answered from the
 * spec alone; undefined for anything else. The npm program answers these
 * before it loads the CLI (scripts/npm_bin.ts); the answers are those of
 * `main` (help_test.ts holds them so).
 */
export function quickAnswer(args: readonly string[]): string | undefined {
  const { target, prefix, rest } = resolve(args);
  if (rest.length === 1 && rest[0] === "--help") {
    return renderHelp(target, prefix);
  }
  if (rest.length === 0 && isGroup(target)) return renderHelp(target, prefix);
  if (target === ROOT && rest.length === 1 && rest[0] === "--version") {
    return versionLine();
  }
  return undefined;
}
