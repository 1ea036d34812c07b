/**
 * The config file, `config.json` in pilotcli's config directory: named
 * profiles (a realm, its client, the API, an idle time) and which one is
 * the default.
 *
 * It is read by the session file's rules (src/session/store.ts: a regular
 * file of this user, closed to others) and written as the session is:
 * atomically, mode 0600, under its own lock `config.lock`, so that two
 * `profile add` at once both land. A file that is not what pilotcli writes
 * is refused with the position or field that is wrong, and never
 * overwritten. Reads take no lock: a write is one rename.
 *
 * @module
 */

import {
  type AuthConfig,
  type Env,
  parseRealmUrl,
  readAuthConfig,
  readIdleTimeout,
} from "../config.ts";
import {
  ConfigFileCorrupt,
  ConfigFileFailed,
  NoProfile,
  ProfileNameInvalid,
  ProfileUnknown,
  UnsafeSessionFile,
} from "../errors.ts";
import {
  errorDetail,
  isNotFound,
  joinPath,
  ownUid,
  writeFileAtomic,
} from "./_fs.ts";
import { type LockOptions, withLock } from "./lock.ts";
import {
  checkMode,
  checkOwner,
  type FileRules,
  fileRules,
  readSafeFile,
} from "./store.ts";

/** The config file's name in the config dir. */
export const CONFIG_FILE = "config.json";
const LOCK_FILE = "config.lock";

/** What a profile name may be: no path, no dot, no upper case. */
export const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** One deployment of Pilot. */
export interface Profile {
  /** The Keycloak realm URL, without a trailing slash. */
  authUrl: string;
  /** The OAuth client id; "cli" when absent. */
  clientId?: string;
  /** The Pilot API's URL (`pilotcli api`). */
  apiUrl?: string;
  /** Seconds without use after which the session ends; 3600 when absent. */
  idleTimeout?: number;
}

/** The config file's content. */
export interface PilotConfig {
  /** The format's version. */
  version: 1;
  /** The profile used when no other is named. */
  default?: string;
  /** The profiles, by name. */
  profiles: Record<string, Profile>;
}

/** Throws ProfileNameInvalid unless `name` is a profile name. */
export function checkProfileName(name: string): void {
  if (!PROFILE_NAME.test(name)) throw new ProfileNameInvalid(name);
}

/** An empty configuration. */
export function emptyConfig(): PilotConfig {
  return { version: 1, profiles: {} };
}

/** The sorted names of the profiles of `config`. */
export function profileNames(config: PilotConfig): string[] {
  return Object.keys(config.profiles).sort();
}

/** "line 2, column 5" of offset `at` in `text`. */
function lineColumn(text: string, at: number): string {
  const before = text.slice(0, Math.max(0, Math.min(at, text.length)));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

/**
 * Parses the config file's text; throws ConfigFileCorrupt naming the
 * position (bad JSON) or the field (bad shape).
 */
export function parseConfig(text: string, path: string): PilotConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // V8 says "... in JSON at position N" (or nothing, at the end).
    const message = errorDetail(err);
    const position = /position (\d+)/.exec(message);
    const at = position ? Number(position[1]) : text.length;
    throw new ConfigFileCorrupt(path, lineColumn(text, at), "not JSON");
  }
  const bad = (where: string, detail: string) =>
    new ConfigFileCorrupt(path, where, detail);
  if (!isRecord(data)) throw bad("the top", "not a JSON object");
  if (data.version !== 1) throw bad("version", "not 1");
  if (!isRecord(data.profiles)) throw bad("profiles", "not a JSON object");
  const profiles: Record<string, Profile> = {};
  for (const [name, value] of Object.entries(data.profiles)) {
    const where = `profiles.${JSON.stringify(name)}`;
    if (!PROFILE_NAME.test(name)) throw bad(where, "not a profile name");
    if (!isRecord(value)) throw bad(where, "not a JSON object");
    const { authUrl, clientId, apiUrl, idleTimeout } = value;
    if (typeof authUrl !== "string") throw bad(`${where}.authUrl`, "no URL");
    if (clientId !== undefined && typeof clientId !== "string") {
      throw bad(`${where}.clientId`, "not a string");
    }
    if (apiUrl !== undefined && typeof apiUrl !== "string") {
      throw bad(`${where}.apiUrl`, "not a string");
    }
    if (
      idleTimeout !== undefined &&
      !(Number.isSafeInteger(idleTimeout) && (idleTimeout as number) > 0)
    ) {
      throw bad(`${where}.idleTimeout`, "not a whole number of seconds");
    }
    profiles[name] = {
      authUrl,
      ...(clientId === undefined ? {} : { clientId }),
      ...(apiUrl === undefined ? {} : { apiUrl }),
      ...(idleTimeout === undefined
        ? {}
        : { idleTimeout: idleTimeout as number }),
    };
  }
  const fallback = data.default;
  if (
    fallback !== undefined &&
    (typeof fallback !== "string" || !Object.hasOwn(profiles, fallback))
  ) {
    throw bad("default", "names no profile");
  }
  return {
    version: 1,
    ...(fallback === undefined ? {} : { default: fallback as string }),
    profiles,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads and writes the config file of one config dir. */
export class ConfigFile {
  /** The config dir. */
  readonly dir: string;
  /** The config file, `<dir>/config.json`. */
  readonly path: string;
  readonly #rules: FileRules;
  readonly #lock: LockOptions | undefined;

  /**
   * @param dir the config dir
   * @param options `platform` and `lock` (how to wait for the lock) as
   * FileSessionStore takes them
   */
  constructor(
    dir: string,
    options: { platform?: "windows" | "other"; lock?: LockOptions } = {},
  ) {
    this.dir = dir;
    this.path = joinPath(dir, CONFIG_FILE);
    this.#rules = fileRules(options.platform);
    this.#lock = options.lock;
  }

  /** The configuration; empty when there is no file. */
  read(): PilotConfig {
    return this.#read(this.#rules.checksOwner ? ownUid() : null);
  }

  #read(ownerUid: number | null): PilotConfig {
    let text: string | undefined;
    try {
      const dir = Deno.statSync(this.dir);
      if (this.#rules.checksOwner) checkOwner(this.dir, "dir", dir, ownerUid);
      if (this.#rules.checksModes) checkMode(this.dir, "dir", dir);
      text = readSafeFile(this.path, "config", this.#rules, ownerUid);
    } catch (err) {
      if (err instanceof UnsafeSessionFile) throw err;
      if (isNotFound(err)) return emptyConfig();
      throw new ConfigFileFailed(this.path, "read", err);
    }
    return text === undefined ? emptyConfig() : parseConfig(text, this.path);
  }

  /**
   * Under the lock: reads the configuration, passes it to `change`, and
   * writes what it returns (nothing when it returns undefined). Makes the
   * config dir (0700) when missing. Returns what `change` returned.
   */
  async update<T>(
    change: (config: PilotConfig) => { config?: PilotConfig; result: T },
  ): Promise<T> {
    try {
      Deno.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new ConfigFileFailed(this.path, "write", err);
    }
    return await withLock(
      joinPath(this.dir, LOCK_FILE),
      ({ ownerUid }) => {
        const { config, result } = change(this.#read(ownerUid));
        if (config !== undefined) {
          try {
            writeFileAtomic(this.path, `${JSON.stringify(config, null, 2)}\n`);
          } catch (err) {
            throw new ConfigFileFailed(this.path, "write", err);
          }
        }
        return Promise.resolve(result);
      },
      this.#lock,
    );
  }
}

/** The realm a command uses, and the profile it comes from. */
export interface Selected {
  /** The profile's name; null for PILOT_AUTH_URL (the session of `session.json`). */
  profile: string | null;
  /** The realm and client. */
  auth: AuthConfig;
  /** Seconds without use after which the session ends: PILOT_IDLE_TIMEOUT, else the profile's, else 3600. */
  idleTimeout: number;
  /** The profile's API URL, if it has one. */
  apiUrl?: string;
}

/**
 * Which realm a command uses: the profile `flag` (--profile), else
 * PILOT_PROFILE, else PILOT_AUTH_URL (with PILOT_CLIENT_ID) as before
 * profiles, else the default profile. The config file is read only when a
 * profile is used (`config` makes it on demand).
 *
 * @throws {ProfileNameInvalid} for a name that is no profile name
 * @throws {ProfileUnknown} for a profile the config file does not hold
 * @throws {NoProfile} when nothing names a realm
 */
export function selectRealm(
  env: Env,
  config: () => ConfigFile,
  flag?: string,
): Selected {
  const named = flag ?? (env.get("PILOT_PROFILE")?.trim() || undefined);
  if (named === undefined && env.get("PILOT_AUTH_URL")?.trim()) {
    return {
      profile: null,
      auth: readAuthConfig(env),
      idleTimeout: readIdleTimeout(env),
    };
  }
  if (named !== undefined) checkProfileName(named);
  const file = config();
  const { profiles, default: fallback } = file.read();
  const name = named ?? fallback;
  if (name === undefined) throw new NoProfile(Object.keys(profiles).sort());
  if (!Object.hasOwn(profiles, name)) {
    throw new ProfileUnknown(name, Object.keys(profiles).sort());
  }
  const profile = profiles[name];
  const realm = parseRealmUrl(profile.authUrl);
  if (!("url" in realm)) {
    throw new ConfigFileCorrupt(
      file.path,
      `profiles.${JSON.stringify(name)}.authUrl`,
      "not an https URL without query or credentials",
    );
  }
  return {
    profile: name,
    auth: { authUrl: realm.url, clientId: profile.clientId ?? "cli" },
    idleTimeout: env.get("PILOT_IDLE_TIMEOUT")?.trim()
      ? readIdleTimeout(env)
      : profile.idleTimeout ?? readIdleTimeout(env),
    ...(profile.apiUrl === undefined ? {} : { apiUrl: profile.apiUrl }),
  };
}
