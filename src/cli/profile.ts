/**
 * `pilotcli profile add|list|use|remove`: the Pilot deployments pilotcli
 * knows, kept in the config file (src/session/config_file.ts), each with
 * its own session.
 *
 * @module
 */

import {
  configDir,
  parseRealmUrl,
  readHttpTimeoutMs,
  readIdleTimeout,
} from "../config.ts";
import { discover } from "../auth/discovery.ts";
import { CliError, EXIT_USAGE, PilotError, ProfileUnknown } from "../errors.ts";
import {
  ConfigFile,
  type Profile,
  PROFILE_NAME,
  profileNames,
} from "../session/config_file.ts";
import { joinPath, removeIfPresent } from "../session/_fs.ts";
import type { Session } from "../session/session.ts";
import {
  flagUrlNotUsable,
  flagUrlNotValid,
  idleTimeoutFlagInvalid,
  LOGOUT_SERVER_UNREACHABLE,
  NO_PROFILES,
  PROFILE_REMOVE_CANCELLED,
  PROFILE_REMOVE_NO_ANSWER,
  profileAdded,
  profileExists,
  profileListLine,
  profileNameInvalid,
  profileNowDefault,
  profileRemoved,
  profileRemovePrompt,
  realmCheckFailed,
} from "../ui/messages.ts";
import { inertJson } from "../ui/terminal_text.ts";
import { openSessionCore } from "./active_session.ts";
import type { Context } from "./context.ts";
import { confirm } from "./logout.ts";
import { checkDirPermission, checkPermissions } from "./settings.ts";
import type {
  ProfileAddFlags,
  ProfileListFlags,
  ProfileRemoveFlags,
} from "./spec.ts";

/** A usage error of a profile command: exit 2. */
function usage(line: string): CliError {
  return new CliError(line, { exitCode: EXIT_USAGE });
}

/** The config file of this context, its permissions checked. */
function configFile(ctx: Context): ConfigFile {
  const dir = configDir(ctx.env, ctx.os);
  checkDirPermission(dir);
  return new ConfigFile(dir, { lock: ctx.lock });
}

/** Throws the usage line unless `name` is a profile name. */
function checkName(name: string): void {
  if (!PROFILE_NAME.test(name)) throw usage(profileNameInvalid(name));
}

/** A URL flag's value, checked as PILOT_AUTH_URL is. */
function urlFlag(flag: string, raw: string): string {
  const checked = parseRealmUrl(raw);
  if ("invalid" in checked) throw usage(flagUrlNotValid(flag, checked.invalid));
  if ("unusable" in checked) {
    throw usage(flagUrlNotUsable(flag, checked.unusable));
  }
  return checked.url;
}

/** `profile add NAME --auth-url URL ...`; see the module doc. */
export async function runProfileAdd(
  ctx: Context,
  flags: ProfileAddFlags,
  name: string,
): Promise<void> {
  checkName(name);
  const authUrl = urlFlag("--auth-url", flags.authUrl ?? "");
  const profile: Profile = { authUrl };
  const clientId = flags.clientId?.trim();
  if (clientId) profile.clientId = clientId;
  if (flags.apiUrl !== undefined) {
    profile.apiUrl = urlFlag("--api-url", flags.apiUrl);
  }
  if (flags.idleTimeout !== undefined) {
    const raw = flags.idleTimeout.trim();
    const seconds = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(seconds) || seconds <= 0) {
      throw usage(idleTimeoutFlagInvalid(flags.idleTimeout));
    }
    profile.idleTimeout = seconds;
  }
  const file = configFile(ctx);
  // Before the network: a duplicate needs no realm check.
  if (Object.hasOwn(file.read().profiles, name)) {
    throw new CliError(profileExists(name));
  }
  if (!flags.noCheck) {
    checkPermissions(ctx, {
      auth: { authUrl, clientId: profile.clientId ?? "cli" },
      dir: file.dir,
      profile: name,
      idleTimeout: profile.idleTimeout ?? 0,
    });
    try {
      await discover(authUrl, {
        fetch: ctx.fetch,
        nowSeconds: Math.floor(ctx.clock.now() / 1000),
        signal: ctx.signal,
        timeoutMs: readHttpTimeoutMs(ctx.env),
      });
    } catch (error) {
      if (ctx.signal.aborted || !(error instanceof PilotError)) throw error;
      throw new CliError(realmCheckFailed(name, authUrl, error.message), {
        cause: error,
      });
    }
  }
  const isDefault = await file.update((config) => {
    if (Object.hasOwn(config.profiles, name)) {
      throw new CliError(profileExists(name));
    }
    const first = config.default === undefined;
    return {
      config: {
        ...config,
        ...(first ? { default: name } : {}),
        profiles: { ...config.profiles, [name]: profile },
      },
      result: first,
    };
  });
  ctx.stderr.write(`${profileAdded(name, isDefault)}\n`);
}

/** Whether `session` is live for `profile` by what is on disk: no network. */
function isLive(
  session: Session | undefined,
  profile: Profile,
  idleTimeout: number,
  now: number,
): boolean {
  if (session === undefined) return false;
  const realm = parseRealmUrl(profile.authUrl);
  return "url" in realm && session.authUrl === realm.url &&
    session.clientId === (profile.clientId ?? "cli") &&
    now - session.lastActiveAt < idleTimeout &&
    (session.method === "api-key" ||
      session.refreshTokenExpiresAt === undefined ||
      now < session.refreshTokenExpiresAt);
}

/** `profile list [--json] [--names]`. */
export async function runProfileList(
  ctx: Context,
  flags: ProfileListFlags,
): Promise<void> {
  const file = configFile(ctx);
  const config = file.read();
  const names = profileNames(config);
  if (flags.names) {
    ctx.stdout.write(names.map((name) => `${name}\n`).join(""));
    return;
  }
  const envIdle = ctx.env.get("PILOT_IDLE_TIMEOUT")?.trim()
    ? readIdleTimeout(ctx.env)
    : undefined;
  const now = Math.floor(ctx.clock.now() / 1000);
  const rows = [];
  for (const name of names) {
    const profile = config.profiles[name];
    const store = ctx.openStore(file.dir, name);
    const idle = envIdle ?? profile.idleTimeout ?? readIdleTimeout(ctx.env);
    rows.push({
      name,
      default: config.default === name,
      ...profile,
      loggedIn: isLive(await store.readLocked(), profile, idle, now),
    });
  }
  if (flags.json) {
    ctx.stdout.write(`${inertJson(rows)}\n`);
    return;
  }
  if (rows.length === 0) {
    ctx.stderr.write(`${NO_PROFILES}\n`);
    return;
  }
  ctx.stdout.write(
    rows.map((row) =>
      `${profileListLine(row.name, row.default, row.authUrl, row.loggedIn)}\n`
    ).join(""),
  );
}

/** `profile use NAME`. */
export async function runProfileUse(ctx: Context, name: string): Promise<void> {
  checkName(name);
  await configFile(ctx).update((config) => {
    if (!Object.hasOwn(config.profiles, name)) {
      throw new ProfileUnknown(name, profileNames(config));
    }
    return { config: { ...config, default: name }, result: undefined };
  });
  ctx.stderr.write(`${profileNowDefault(name)}\n`);
}

/**
 * `profile remove NAME [-y]`: asks [y/N], ends the profile's session at
 * the server and here, then removes the profile.
 */
export async function runProfileRemove(
  ctx: Context,
  flags: ProfileRemoveFlags,
  name: string,
): Promise<void> {
  checkName(name);
  const file = configFile(ctx);
  const names = profileNames(file.read());
  if (!names.includes(name)) throw new ProfileUnknown(name, names);
  // Permissions and the session's files checked before the question.
  const { core } = openSessionCore(ctx, name);
  const session = await core.store.readLocked();
  if (!flags.yes) {
    const yes = await confirm(ctx, profileRemovePrompt(name));
    if (yes === null) {
      ctx.stderr.write(`\n${PROFILE_REMOVE_CANCELLED}\n`);
      throw new CliError(PROFILE_REMOVE_NO_ANSWER);
    }
    if (!yes) {
      ctx.stderr.write(`${PROFILE_REMOVE_CANCELLED}\n`);
      return;
    }
  }
  const ours = session !== undefined &&
    session.authUrl === core.auth.authUrl &&
    session.clientId === core.auth.clientId;
  if (ours && !await core.endAtServer(session)) {
    ctx.stderr.write(`${LOGOUT_SERVER_UNREACHABLE}\n`);
  }
  await core.forget();
  await file.update((config) => {
    const { [name]: _removed, ...profiles } = config.profiles;
    const { default: fallback, ...rest } = config;
    return {
      config: {
        ...rest,
        ...(fallback === name || fallback === undefined
          ? {}
          : { default: fallback }),
        profiles,
      },
      result: undefined,
    };
  });
  try {
    removeIfPresent(joinPath(file.dir, `discovery-${name}.json`));
  } catch {
    // Only a cache, and no secret: the next profile of that name replaces it.
  }
  ctx.stderr.write(`${profileRemoved(name)}\n`);
}

/** The entry of `profile add`. */
export async function profileAddCommand(
  this: Context,
  flags: ProfileAddFlags,
  name: string,
): Promise<void> {
  await runProfileAdd(this, flags, name);
}

/** The entry of `profile list`. */
export async function profileListCommand(
  this: Context,
  flags: ProfileListFlags,
): Promise<void> {
  await runProfileList(this, flags);
}

/** The entry of `profile use`. */
export async function profileUseCommand(
  this: Context,
  _flags: unknown,
  name: string,
): Promise<void> {
  await runProfileUse(this, name);
}

/** The entry of `profile remove`. */
export async function profileRemoveCommand(
  this: Context,
  flags: ProfileRemoveFlags,
  name: string,
): Promise<void> {
  await runProfileRemove(this, flags, name);
}
