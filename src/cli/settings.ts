/**
 * What every command that talks to the server starts with: the settings
 * from the environment, and Deno's permissions for them, checked up front
 * so that a missing flag is one line naming the flag to add instead of a
 * NotCapable stack. On Node (the npm build) there are no permissions.
 *
 * @module
 */

import {
  apiUrlOf,
  type AuthConfig,
  configDir,
  type Env,
  ENV_VARS,
  readHttpTimeoutMs,
} from "../config.ts";
import { ConfigFile, selectRealm } from "../session/config_file.ts";
import { readCaFile } from "../auth/transport.ts";
import { CliError } from "../errors.ts";
import type { Context } from "./context.ts";

/** The settings of a command that uses the server and the session. */
export interface Settings {
  /** Where the server is. */
  auth: AuthConfig;
  /** Where the session lives. */
  dir: string;
  /** The profile used; null for PILOT_AUTH_URL (the session of `session.json`). */
  profile: string | null;
  /** Seconds without use after which the session ends. */
  idleTimeout: number;
  /**
   * Where the API is, for the commands that call it: PILOT_API_URL, else
   * the profile's API URL.
   */
  apiUrl?: string;
}

/** What a command asks of the settings. */
export interface SettingsWanted {
  /** The profile named by --profile, if any. */
  profile?: string;
  /** The API URL, and the permission to reach it. */
  api?: boolean;
}

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  // The shim of the npm build may have no permissions API: all is allowed.
  if (typeof Deno.permissions?.querySync !== "function") return true;
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return true;
  }
}

function missing(flags: string): CliError {
  return new CliError(
    `${flags}: add it to the \`deno run\` or \`deno install\` line (see the README).`,
  );
}

function envMissing(): CliError {
  return missing(
    `pilotcli may not read its environment variables, so it needs --allow-env=${
      ENV_VARS.join(",")
    }`,
  );
}

/**
 * Checks that Deno lets pilotcli read all its environment variables; throws
 * the line naming the flag to add when it does not. For `user login`, which
 * must not stop for a missing variable once the server has issued a code.
 */
export function checkEnvPermission(): void {
  if (!ENV_VARS.every((variable) => granted({ name: "env", variable }))) {
    throw envMissing();
  }
}

/**
 * The environment `env`, each variable's permission checked on its first
 * read: one left out of --allow-env is the line naming the flag to add,
 * never Deno's prompt or a NotCapable stack. A command asks only for the
 * variables it reads (`user status`: 8 of 25), and the first of them is
 * read before anything else is done.
 */
export function permittedEnv(env: Env): Env {
  const checked = new Set<string>();
  return {
    get(name) {
      if (!checked.has(name)) {
        if (!granted({ name: "env", variable: name })) throw envMissing();
        checked.add(name);
      }
      return env.get(name);
    },
  };
}

/**
 * Reads the settings: the realm of the profile `wanted.profile`
 * (--profile), else as src/session/config_file.ts's selectRealm says; with
 * `wanted.api`, the API URL too. The config dir's permissions are checked
 * before the config file is read; no other.
 */
export function readSettings(
  ctx: Context,
  wanted: SettingsWanted = {},
): Settings {
  const dir = configDir(ctx.env, ctx.os);
  const { apiUrl: profileApiUrl, ...selected } = selectRealm(ctx.env, () => {
    checkDirPermission(dir);
    return new ConfigFile(dir, { lock: ctx.lock });
  }, wanted.profile);
  const auth = { ...selected.auth, httpTimeoutMs: readHttpTimeoutMs(ctx.env) };
  const apiUrl = wanted.api ? apiUrlOf(ctx.env) ?? profileApiUrl : undefined;
  return {
    ...selected,
    auth,
    dir,
    ...(apiUrl === undefined ? {} : { apiUrl }),
  };
}

/**
 * Checks that Deno lets pilotcli read `path` (a file the user names, such
 * as `pilotcli api --input FILE`); throws the line naming the flag to add.
 */
export function checkReadPermission(path: string): void {
  if (!granted({ name: "read", path })) {
    throw missing(
      `pilotcli may not read ${path}, so it needs --allow-read=${path}`,
    );
  }
}

/** Throws the line naming the flags to add when Deno keeps pilotcli out of its config dir. */
export function checkDirPermission(dir: string): void {
  if (
    !granted({ name: "read", path: dir }) ||
    !granted({ name: "write", path: dir })
  ) {
    throw missing(
      `pilotcli may not use its config dir ${dir}, so it needs --allow-read=${dir} --allow-write=${dir}`,
    );
  }
}

/**
 * Throws the line naming the flag to add when Deno does not let pilotcli
 * connect to `target`'s host: the realm of the selected profile, or the API.
 */
export function checkNetPermission(target: string): void {
  const url = new URL(target);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  if (!granted({ name: "net", host: `${url.hostname}:${port}` })) {
    throw missing(
      `pilotcli may not connect to ${url.host}, so it needs --allow-net=${url.host}`,
    );
  }
}

/**
 * Checks that Deno lets pilotcli use what `settings` name: the server, the
 * CA file (read now, so that a bad file is one line, not a network
 * failure), the config dir. Throws the line naming the flag to add.
 */
export function checkPermissions(ctx: Context, settings: Settings): void {
  const { auth, dir, apiUrl } = settings;
  checkNetPermission(auth.authUrl);
  if (apiUrl !== undefined) checkNetPermission(apiUrl);
  const caFile = ctx.env.get("PILOT_CA_FILE")?.trim();
  if (caFile) {
    if (!granted({ name: "read", path: caFile })) {
      throw missing(
        `pilotcli may not read PILOT_CA_FILE ${caFile}, so it needs --allow-read=${dir},${caFile}`,
      );
    }
    readCaFile(caFile);
  }
  checkDirPermission(dir);
}

/**
 * The settings, each permission they need checked first: each variable as
 * it is read (the context's env is {@linkcode permittedEnv}'s), the rest
 * once it is known what to ask for.
 */
export function readCheckedSettings(
  ctx: Context,
  wanted: SettingsWanted = {},
): Settings {
  const settings = readSettings(ctx, wanted);
  checkPermissions(ctx, settings);
  return settings;
}
