/**
 * `pilotcli completions bash|zsh|fish`: a completion script for the shell,
 * generated from the command spec (spec.ts), so that a new command, flag or
 * alias is completed without touching this file.
 *
 * Every script works the same way: it walks the words before the cursor,
 * skips options and the value after an option that takes one, and so finds
 * the command path typed so far ("", "user", "user login"); then it offers
 * what the spec lists there. Nothing is offered for an option's value,
 * but for the profiles' names (`--profile`, `profile use NAME`): the
 * scripts ask `pilotcli profile list --names`, which prints nothing but
 * names checked against `[a-z0-9][a-z0-9_-]{0,63}`.
 *
 * @module
 */

import { CliError, EXIT_USAGE } from "../errors.ts";
import { completionsShellUnknown } from "../ui/messages.ts";
import type { Context } from "./context.ts";
import { kebab } from "./help.ts";
import {
  CLI_NAME,
  type CommandSpec,
  type GroupSpec,
  HELP_BRIEF,
  isGroup,
  ROOT,
  type Shell,
  SHELLS,
  VERSION_BRIEF,
} from "./spec.ts";

/** A word the shell may offer, with its help line. */
interface Candidate {
  /** The word: a command, an option (`--web`, `-y`) or an argument's choice. */
  readonly word: string;
  /** Its help line (fish and zsh show it). */
  readonly brief: string;
  /** For an option: its long name, its one-letter alias, whether it takes a value. */
  readonly option?: { long: string; short?: string; takesValue: boolean };
}

/** A point of the command tree: its path and what may follow it. */
interface Point {
  /** The words typed to reach it, "" at the top. */
  readonly path: string;
  /** What may be typed next. */
  readonly candidates: readonly Candidate[];
  /** Whether its argument is a profile's name. */
  readonly profileNames: boolean;
  /** Its options whose value is a profile's name (`--profile`). */
  readonly nameOptions: readonly string[];
}

/** The command that prints the profiles' names, one a line, for the scripts. */
const NAMES = `${CLI_NAME} profile list --names 2>/dev/null`;

function option(
  long: string,
  brief: string,
  takesValue = false,
  short?: string,
): Candidate[] {
  const opt = { long, short, takesValue };
  return [
    ...(short === undefined ? [] : [{ word: `-${short}`, brief, option: opt }]),
    { word: `--${long}`, brief, option: opt },
  ];
}

function commandCandidates(command: CommandSpec): Candidate[] {
  const aliases = Object.entries(command.aliases ?? {});
  return [
    ...(command.positional?.choices ?? []).map((word) => ({
      word,
      brief: command.brief,
    })),
    ...Object.entries(command.flags).flatMap(([name, flag]) =>
      option(
        kebab(name),
        flag.brief,
        flag.kind === "parsed",
        aliases.find(([, target]) => target === name)?.[0],
      )
    ),
  ];
}

/** Every point of the tree, depth first, with what the spec offers there. */
function points(
  spec: CommandSpec | GroupSpec = ROOT,
  path: string[] = [],
): Point[] {
  const here: Candidate[] = isGroup(spec)
    ? Object.entries(spec.routes).map(([word, route]) => ({
      word,
      brief: route.brief,
    }))
    : commandCandidates(spec);
  if (path.length === 0) here.push(...option("version", VERSION_BRIEF));
  here.push(...option("help", HELP_BRIEF));
  const point = {
    path: path.join(" "),
    candidates: here,
    profileNames: !isGroup(spec) && spec.positional?.profileNames === true,
    nameOptions: isGroup(spec) ? [] : Object.entries(spec.flags)
      .filter(([, flag]) => flag.profileNames)
      .map(([name]) => `--${kebab(name)}`),
  };
  if (!isGroup(spec)) return [point];
  return [
    point,
    ...Object.entries(spec.routes).flatMap(([name, route]) =>
      points(route, [...path, name])
    ),
  ];
}

/** The options that take a value, anywhere in the tree: their value is skipped. */
function valueOptions(all: readonly Point[]): string[] {
  const words = all.flatMap((point) =>
    point.candidates.filter((c) => c.option?.takesValue).map((c) => c.word)
  );
  return [...new Set(words)];
}

/** The options whose value is a profile's name, anywhere in the tree. */
function profileOptions(all: readonly Point[]): string[] {
  return [...new Set(all.flatMap((point) => point.nameOptions))];
}

/** `text` in single quotes for bash and zsh. */
function shQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** `text` in single quotes for fish, where \ and ' are escaped inside them. */
function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

function header(shell: Shell): string {
  return `# ${shell} completion for ${CLI_NAME}, written by \`${CLI_NAME} completions ${shell}\`.`;
}

/** Options, and the rest (commands, an argument's choices). */
function split(candidates: readonly Candidate[]): [Candidate[], Candidate[]] {
  return [
    candidates.filter((c) => c.option),
    candidates.filter((c) => !c.option),
  ];
}

// Options are offered once a dash is typed, as fish does by itself: a bare
// Tab offers the commands (or the argument's choices) alone.

function bash(all: readonly Point[]): string {
  const fn = `_${CLI_NAME}`;
  const skip = valueOptions(all);
  const words = (candidates: Candidate[]) =>
    shQuote(candidates.map((c) => c.word).join(" "));
  const names = profileOptions(all);
  const cases = all.map((point) => {
    const [options, others] = split(point.candidates);
    return `    ${shQuote(point.path)}) options=${words(options)} words=${
      point.profileNames ? `$(${NAMES})` : words(others)
    } ;;`;
  });
  return [
    header("bash"),
    "# Load it in ~/.bashrc: source <(pilotcli completions bash)",
    `${fn}() {`,
    "  local cur=${COMP_WORDS[COMP_CWORD]} path= word words options i skip=0",
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    "    word=${COMP_WORDS[i]}",
    "    if ((skip)); then skip=0; continue; fi",
    "    case $word in",
    ...(skip.length ? [`      ${skip.join("|")}) skip=1 ;;`] : []),
    "      -*) ;;",
    '      *) path+=" $word" ;;',
    "    esac",
    "  done",
    "  COMPREPLY=()",
    "  # The value of an option: the profiles' names, or nothing to offer.",
    "  if ((skip)); then",
    ...(names.length
      ? [
        `    case $word in ${
          names.join("|")
        }) COMPREPLY=($(compgen -W "$(${NAMES})" -- "$cur")) ;; esac`,
      ]
      : []),
    "    return 0",
    "  fi",
    "  case ${path# } in",
    ...cases,
    "    *) return 0 ;;",
    "  esac",
    "  [[ $cur == -* ]] && words=$options",
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    "}",
    `complete -F ${fn} ${CLI_NAME}`,
    "",
  ].join("\n");
}

function zsh(all: readonly Point[]): string {
  const fn = `_${CLI_NAME}`;
  const skip = valueOptions(all);
  // The words, and how the menu shows them: the word and its help line.
  const arrays = (candidates: Candidate[]) =>
    `words_=(${candidates.map((c) => shQuote(c.word)).join(" ")}) shown_=(${
      candidates.map((c) => shQuote(`${c.word.padEnd(14)} -- ${c.brief}`))
        .join(" ")
    })`;
  const names = profileOptions(all);
  const nameArrays = `words_=(\${(f)"$(${NAMES})"}) shown_=($words_)`;
  const cases = all.flatMap((point) => {
    const [options, others] = split(point.candidates);
    return [
      `    (${shQuote(point.path)})`,
      `      if [[ $PREFIX == -* ]]; then ${arrays(options)}`,
      `      else ${point.profileNames ? nameArrays : arrays(others)}; fi ;;`,
    ];
  });
  return [
    `#compdef ${CLI_NAME}`,
    header("zsh"),
    `# Install it as _${CLI_NAME} in a directory of $fpath, before compinit runs.`,
    `${fn}() {`,
    "  local -a path_ words_ shown_",
    "  local i word skip=0",
    "  for ((i = 2; i < CURRENT; i++)); do",
    "    word=${words[i]}",
    "    if ((skip)); then skip=0; continue; fi",
    "    case $word in",
    ...(skip.length ? [`      (${skip.join("|")}) skip=1 ;;`] : []),
    "      (-*) ;;",
    '      (*) path_+=("$word") ;;',
    "    esac",
    "  done",
    "  # The value of an option: the profiles' names, or nothing to offer.",
    "  if ((skip)); then",
    ...(names.length
      ? [
        `    [[ $word == (${
          names.join("|")
        }) ]] && { ${nameArrays}; compadd -a words_; return 0 }`,
      ]
      : []),
    "    return 1",
    "  fi",
    '  case "${(j: :)path_}" in',
    ...cases,
    "    (*) return 1 ;;",
    "  esac",
    "  compadd -l -d shown_ -a words_",
    "}",
    `compdef ${fn} ${CLI_NAME}`,
    // Autoloaded from $fpath, this file is the function's body: complete now.
    `if [[ $funcstack[1] == ${fn} ]]; then ${fn} "$@"; fi`,
    "",
  ].join("\n");
}

function fish(all: readonly Point[]): string {
  const path = `__${CLI_NAME}_path`;
  const at = `__${CLI_NAME}_at`;
  const skip = valueOptions(all);
  const lines = all.flatMap((point) =>
    point.candidates.map((c) => {
      const when = `-n ${fishQuote(`${at} ${fishQuote(point.path)}`)}`;
      const what = c.option
        ? [
          c.option.short === undefined ? "" : `-s ${c.option.short}`,
          `-l ${c.option.long}`,
          c.option.takesValue ? "-r" : "",
        ].filter((part) => part !== "").join(" ")
        : `-a ${fishQuote(c.word)}`;
      return `complete -c ${CLI_NAME} ${when} ${what} -d ${fishQuote(c.brief)}`;
    })
  );
  // The profiles' names: after --profile, and as `profile use`'s argument.
  const names = fishQuote(`(${NAMES})`);
  for (const option of profileOptions(all)) {
    const when = fishQuote(`test (commandline -opc)[-1] = ${option}`);
    lines.push(`complete -c ${CLI_NAME} -n ${when} -a ${names}`);
  }
  for (const point of all.filter((point) => point.profileNames)) {
    const when = `-n ${fishQuote(`${at} ${fishQuote(point.path)}`)}`;
    lines.push(`complete -c ${CLI_NAME} ${when} -a ${names}`);
  }
  // An option's short and long forms are one `complete` line in fish.
  const unique = [...new Set(lines)];
  return [
    header("fish"),
    `# Install it as ~/.config/fish/completions/${CLI_NAME}.fish.`,
    `function ${path} --description 'The command path typed so far'`,
    "    set -l words",
    "    set -l skip 0",
    "    for word in (commandline -opc)[2..-1]",
    "        if test $skip = 1",
    "            set skip 0",
    "            continue",
    "        end",
    "        switch $word",
    ...(skip.length
      ? [
        `            case ${skip.map(fishQuote).join(" ")}`,
        "                set skip 1",
      ]
      : []),
    "            case '-*'",
    "            case '*'",
    "                set -a words $word",
    "        end",
    "    end",
    "    # The value of an option: a path no point of the tree has.",
    "    if test $skip = 1",
    "        echo ' value'",
    "    else",
    "        string join ' ' -- $words",
    "    end",
    "end",
    `function ${at} --description 'Whether the command path typed so far is $argv[1]'`,
    `    set -l typed (${path})`,
    '    test "$typed" = "$argv[1]"',
    "end",
    `complete -c ${CLI_NAME} -f`,
    ...unique,
    "",
  ].join("\n");
}

/**
 * The completion script of `shell`, generated from the command spec
 * (`root`, the whole tree unless a test gives another).
 */
export function completionScript(
  shell: Shell,
  root: GroupSpec = ROOT,
): string {
  const all = points(root);
  switch (shell) {
    case "bash":
      return bash(all);
    case "zsh":
      return zsh(all);
    case "fish":
      return fish(all);
  }
}

/** Whether `word` names a shell pilotcli writes completions for. */
export function isShell(word: string | undefined): word is Shell {
  return (SHELLS as readonly (string | undefined)[]).includes(word);
}

/** The entry of `completions` that main runs: prints the script on stdout. */
export function completionsCommand(
  this: Context,
  _flags: Record<never, never>,
  shell?: string,
): Promise<void> {
  if (!isShell(shell)) {
    throw new CliError(completionsShellUnknown(SHELLS), {
      exitCode: EXIT_USAGE,
    });
  }
  this.stdout.write(completionScript(shell));
  return Promise.resolve();
}
