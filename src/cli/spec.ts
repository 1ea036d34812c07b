/**
 * The command tree as plain data: names, flags and every text of the help.
 * The parser (parse.ts) reads arguments against it, each command's options
 * are typed from it (`FlagsOf`), help is rendered from it (help.ts) and
 * completion scripts are generated from it (completions.ts): a flag is
 * declared here once. It loads nothing else, so `--help` and `--version`
 * stay near the bare runtime's start-up.
 *
 * @module
 */

/** A flag: a value (`--api-key TEXT`) or a switch (`--no-qr`). */
export interface FlagSpec {
  /** "parsed" takes a value; "boolean" is a switch. */
  readonly kind: "parsed" | "boolean";
  /** The help line. */
  readonly brief: string;
  /** The value's name in help, for a parsed flag. */
  readonly placeholder?: string;
  /** Whether leaving it out is a usage error. */
  readonly required?: boolean;
  /** Its values are the profiles' names (completed from the config file). */
  readonly profileNames?: boolean;
  /** A parsed flag that may be given more than once: its values in order. */
  readonly multiple?: boolean;
}

/** A command and its flags. */
export interface CommandSpec {
  /** The help line, also shown under the command's usage line. */
  readonly brief: string;
  /** Flags by their camelCase name (`apiKey` is `--api-key`). */
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** One-letter aliases: `{ y: "yes" }` makes `-y` mean `--yes`. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** The one positional argument, if the command takes one. */
  readonly positional?: PositionalSpec;
  /**
   * The widest option column of its help (Click's `col_max`): wider
   * options go on a line of their own, so that a seed's layout stays.
   */
  readonly helpColumn?: number;
}

/** A positional argument: one of a few words (Click's Choice), or a name. */
export interface PositionalSpec {
  /** Its name in usage errors and help. */
  readonly name: string;
  /** The words it may be; any word when absent. */
  readonly choices?: readonly string[];
  /** Whether leaving it out is a usage error. */
  readonly required?: boolean;
  /** Its values are the profiles' names (completed from the config file). */
  readonly profileNames?: boolean;
}

/**
 * What a flag of `kind` gives its command: a string for a value (their list
 * for a `multiple` one), true for a switch.
 */
export type FlagValue<F extends FlagSpec> = F["kind"] extends "parsed"
  ? F["multiple"] extends true ? readonly string[] : string
  : boolean;

/**
 * A command's typed options, derived from its spec: `FlagsOf<typeof LOGIN>`
 * is `{ apiKey?: string; noQr?: boolean; web?: boolean }`. Every flag is
 * optional; one not given is absent.
 */
export type FlagsOf<C extends CommandSpec> = {
  readonly [K in keyof C["flags"]]?: FlagValue<C["flags"][K]>;
};

/** A group of commands. */
export interface GroupSpec {
  /** The help line. */
  readonly brief: string;
  /** Its commands and groups, by name. */
  readonly routes: Readonly<Record<string, CommandSpec | GroupSpec>>;
}

/** The name users type. */
export const CLI_NAME = "pilotcli";
/** The help line of --help itself, as the seed has it. */
export const HELP_BRIEF = "Show this message and exit.";
/** The help line of --version. */
export const VERSION_BRIEF = "Show the version and exit.";

/** `--profile NAME`, shared by every command that talks to a server. */
export const PROFILE_FLAG = {
  kind: "parsed",
  placeholder: "NAME",
  profileNames: true,
  brief:
    "Use this profile (default: PILOT_PROFILE, else PILOT_AUTH_URL, else the default profile).",
} as const satisfies FlagSpec;

/** `pilotcli user login`. */
export const LOGIN = {
  brief: "For user to login.",
  flags: {
    apiKey: {
      kind: "parsed",
      placeholder: "TEXT",
      brief: "Specify API Key for login.",
    },
    noQr: {
      kind: "boolean",
      brief: "Do not draw the QR code of the validation link.",
    },
    web: {
      kind: "boolean",
      brief: "Open the device validation link in the web browser.",
    },
    profile: PROFILE_FLAG,
  },
} as const satisfies CommandSpec;

/** The options of `user login`. */
export type LoginFlags = FlagsOf<typeof LOGIN>;

/** `pilotcli user logout`. */
export const LOGOUT = {
  brief: "For user to logout.",
  flags: {
    yes: {
      kind: "boolean",
      brief:
        "Input Y/yes to confirm you want to logout, otherwise input N/no to remain logged in.",
    },
    profile: PROFILE_FLAG,
  },
  aliases: { y: "yes" },
  // The seed's help wraps its lines at the column of `-y, --yes`.
  helpColumn: 9,
} as const satisfies CommandSpec;

/** The options of `user logout`. */
export type LogoutFlags = FlagsOf<typeof LOGOUT>;

/** `pilotcli user status`. */
export const STATUS = {
  brief: "Show who is logged in and until when.",
  flags: {
    json: { kind: "boolean", brief: "Print the status as JSON." },
    profile: PROFILE_FLAG,
  },
} as const satisfies CommandSpec;

/** The options of `user status`. */
export type StatusFlags = FlagsOf<typeof STATUS>;

/** `pilotcli user token`. */
export const TOKEN = {
  brief: "Print a valid access token, and nothing else.",
  flags: {
    minTtl: {
      kind: "parsed",
      placeholder: "SECONDS",
      brief: "Refresh the token first when it would expire within SECONDS.",
    },
    json: {
      kind: "boolean",
      brief: "Print the token and its expiry time as JSON.",
    },
    profile: PROFILE_FLAG,
  },
} as const satisfies CommandSpec;

/** The options of `user token`. */
export type TokenFlags = FlagsOf<typeof TOKEN>;

/** The NAME argument of `profile add`: a new name. */
const NEW_PROFILE_ARGUMENT = { name: "NAME", required: true } as const;

/** The NAME argument of `profile use|remove`: a profile's name. */
const PROFILE_NAME_ARGUMENT = {
  name: "NAME",
  required: true,
  profileNames: true,
} as const;

/** `pilotcli profile add`. */
export const PROFILE_ADD = {
  brief: "Add a profile: a Pilot deployment's realm, under a name.",
  flags: {
    authUrl: {
      kind: "parsed",
      placeholder: "URL",
      brief: "The Keycloak realm URL (required).",
      required: true,
    },
    clientId: {
      kind: "parsed",
      placeholder: "ID",
      brief: "The OAuth client id of the CLI (default: cli).",
    },
    apiUrl: {
      kind: "parsed",
      placeholder: "URL",
      brief: "The URL of the Pilot API.",
    },
    idleTimeout: {
      kind: "parsed",
      placeholder: "SECONDS",
      brief: "Log out after this long without use (default: 3600).",
    },
    noCheck: {
      kind: "boolean",
      brief: "Add it without checking the realm's discovery document.",
    },
  },
  positional: NEW_PROFILE_ARGUMENT,
} as const satisfies CommandSpec;

/** The options of `profile add`. */
export type ProfileAddFlags = FlagsOf<typeof PROFILE_ADD>;

/** `pilotcli profile list`. */
export const PROFILE_LIST = {
  brief: "List the profiles, the default marked with *, and their sessions.",
  flags: {
    json: { kind: "boolean", brief: "Print the profiles as JSON." },
    names: { kind: "boolean", brief: "Print the names only, one a line." },
  },
} as const satisfies CommandSpec;

/** The options of `profile list`. */
export type ProfileListFlags = FlagsOf<typeof PROFILE_LIST>;

/** `pilotcli profile use`. */
export const PROFILE_USE = {
  brief: "Make a profile the default.",
  flags: {},
  positional: PROFILE_NAME_ARGUMENT,
} as const satisfies CommandSpec;

/** `pilotcli profile remove`. */
export const PROFILE_REMOVE = {
  brief: "Log out of a profile's session, then remove the profile.",
  flags: {
    yes: {
      kind: "boolean",
      brief: "Remove it without asking.",
    },
  },
  aliases: { y: "yes" },
  positional: PROFILE_NAME_ARGUMENT,
} as const satisfies CommandSpec;

/** The options of `profile remove`. */
export type ProfileRemoveFlags = FlagsOf<typeof PROFILE_REMOVE>;

/** `pilotcli profile`. */
export const PROFILE = {
  brief: "Configure the Pilot deployments pilotcli logs in to.",
  routes: {
    add: PROFILE_ADD,
    list: PROFILE_LIST,
    use: PROFILE_USE,
    remove: PROFILE_REMOVE,
  },
} as const satisfies GroupSpec;

/** `pilotcli user`. */
export const USER = {
  brief: "Log in to and out of the Pilot platform.",
  routes: { login: LOGIN, logout: LOGOUT, status: STATUS, token: TOKEN },
} as const satisfies GroupSpec;

/** The shells `pilotcli completions` writes a script for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** A shell `pilotcli completions` writes a script for. */
export type Shell = typeof SHELLS[number];

/** `pilotcli completions`. */
export const COMPLETIONS = {
  brief: "Print the completion script of pilotcli for bash, zsh or fish.",
  flags: {},
  positional: { name: "SHELL", choices: SHELLS },
} as const satisfies CommandSpec;

/** `pilotcli api`. */
export const API = {
  brief: "Call Pilot's API with the session's access token.",
  flags: {
    method: {
      kind: "parsed",
      placeholder: "METHOD",
      brief: "The HTTP method (GET, or POST when a body is given).",
    },
    header: {
      kind: "parsed",
      placeholder: "TEXT",
      multiple: true,
      brief: "Add a header, as 'Name: value' (repeatable).",
    },
    input: {
      kind: "parsed",
      placeholder: "FILE",
      brief: "Send FILE as the body (- for standard input).",
    },
    field: {
      kind: "parsed",
      placeholder: "TEXT",
      multiple: true,
      brief: "Add key=value to a JSON object body (repeatable).",
    },
    include: {
      kind: "boolean",
      brief: "Print the status line and the headers before the body.",
    },
    profile: PROFILE_FLAG,
  },
  aliases: { X: "method", H: "header", f: "field", i: "include" },
  positional: { name: "PATH" },
} as const satisfies CommandSpec;

/** The options of `api`. */
export type ApiFlags = FlagsOf<typeof API>;

/** `pilotcli`. */
export const ROOT = {
  brief: "The command-line client of the Pilot platform.",
  routes: {
    user: USER,
    profile: PROFILE,
    api: API,
    completions: COMPLETIONS,
  },
} as const satisfies GroupSpec;

/** Whether a spec is a group. */
export function isGroup(spec: CommandSpec | GroupSpec): spec is GroupSpec {
  return "routes" in spec;
}

/** How far `args` lead into the tree: the spec reached, its route, what is left. */
export function resolve(args: readonly string[]): {
  target: CommandSpec | GroupSpec;
  prefix: string[];
  rest: readonly string[];
} {
  let target: CommandSpec | GroupSpec = ROOT;
  const prefix = [CLI_NAME];
  let i = 0;
  for (; i < args.length && isGroup(target); i++) {
    const next: CommandSpec | GroupSpec | undefined = Object.hasOwn(
        target.routes,
        args[i],
      )
      ? target.routes[args[i]]
      : undefined;
    if (!next) break;
    target = next;
    prefix.push(args[i]);
  }
  return { target, prefix, rest: args.slice(i) };
}
