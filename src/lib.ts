/**
 * pilotcli as a library, for Deno or Node code that needs Pilot's login:
 * use the session, get a fresh access token, call Pilot's API with it
 * ({@linkcode authFetch}), log in with an API key. It
 * shares the CLI's session file, lock, idle rule and refresh: it is a thin
 * adapter over the same session core (src/core/session_core.ts).
 *
 * It never reads or writes the host program's standard streams. Failures
 * are the typed errors exported here, all of them {@linkcode PilotError}s,
 * so that a program can tell, say, a denied login from an unreachable
 * server.
 *
 * @module
 */

import type { SessionCore } from "./core/session_core.ts";
import type { Env } from "./config.ts";
import { PilotError } from "./errors.ts";
import type { Session } from "./session/session.ts";

// mod.ts exports this API and also runs the CLI: the library's modules load
// on first call, so that `pilotcli --help` pays nothing for them. The error
// classes are in a module without network or file code.

export {
  CaFileUnusable,
  ConfigFileCorrupt,
  ConfigFileFailed,
  ConnectionFailure,
  DeviceCodeDenied,
  DeviceCodeExpired,
  DeviceLoginUnsupported,
  ForeignOrigin,
  InvalidApiKey,
  NoProfile,
  PilotError,
  ProfileNameInvalid,
  ProfileUnknown,
  ServerAnswerUnusable,
  ServerRefused,
  ServerUnreachable,
  SessionIdle,
  SessionLockFailed,
  SessionMissing,
  SessionNotSaved,
  SessionOfAnotherServer,
  SessionRevoked,
  SessionStorageFailed,
  UnsafeSessionFile,
} from "./errors.ts";
export type { Session } from "./session/session.ts";

/** How to reach the server and the session; the CLI's environment by default. */
export interface PilotOptions {
  /** Variables that take the place of the process environment's (PILOT_AUTH_URL, PILOT_CONFIG_DIR, ...). */
  env?: Record<string, string>;
  /** Ends waiting requests early. */
  signal?: AbortSignal;
  /**
   * The profile to use (as `--profile`); default PILOT_PROFILE, else
   * PILOT_AUTH_URL, else the default profile of the config file.
   */
  profile?: string;
}

/** What a session says about itself, without its secrets. */
export interface SessionInfo {
  /** Who is logged in (the access token's preferred_username). */
  username: string;
  /** How the session was made. */
  method: "device-code" | "api-key";
  /** The realm URL it belongs to. */
  authUrl: string;
  /** When the access token expires, epoch seconds. */
  accessTokenExpiresAt: number;
  /** When the session was last used, epoch seconds. */
  lastActiveAt: number;
}

/** The session core on the process's environment, with `options` over it. */
async function libraryCore(options: PilotOptions): Promise<SessionCore> {
  return (await libraryParts(options)).core;
}

/** The session core, and what it was made of. */
async function libraryParts(options: PilotOptions): Promise<{
  core: SessionCore;
  env: Env;
  fetch: typeof fetch;
  signal: AbortSignal;
  httpTimeoutMs: number;
  apiUrl: string | undefined;
}> {
  const overrides = options.env ?? {};
  const env: Env = {
    get: (name) => name in overrides ? overrides[name] : Deno.env.get(name),
  };
  const [
    { apiUrlOf, configDir, readHttpTimeoutMs },
    { ConfigFile, selectRealm },
  ] = await Promise.all([
    import("./config.ts"),
    import("./session/config_file.ts"),
  ]);
  const dir = configDir(env, Deno.build.os);
  const signal = options.signal ?? new AbortController().signal;
  const selected = selectRealm(
    env,
    () => new ConfigFile(dir, { lock: { signal } }),
    options.profile,
  );
  const auth = { ...selected.auth, httpTimeoutMs: readHttpTimeoutMs(env) };
  const { idleTimeout, profile } = selected;
  const [
    { transportFetch },
    { systemClock },
    { FileSessionStore },
    { fileDiscoveryCache },
    { SessionCore },
  ] = await Promise.all([
    import("./auth/transport.ts"),
    import("./core/clock.ts"),
    import("./session/store.ts"),
    import("./session/discovery_cache.ts"),
    import("./core/session_core.ts"),
  ]);
  // PILOT_CA_FILE and the proxies may come from options.env too.
  const fetch = transportFetch(env);
  const core = new SessionCore({
    // A library prints nothing: failures arrive as thrown PilotErrors.
    store: new FileSessionStore(dir, {
      warn() {},
      lock: { signal },
      profile: profile ?? undefined,
    }),
    clock: systemClock,
    fetch,
    signal,
    auth,
    idleTimeout,
    discoveryCache: fileDiscoveryCache(dir, () => systemClock.now(), profile),
  });
  return {
    core,
    env,
    fetch,
    signal,
    httpTimeoutMs: auth.httpTimeoutMs,
    // PILOT_API_URL, else the profile's.
    apiUrl: apiUrlOf(env) ?? selected.apiUrl,
  };
}

function infoOf(session: Session): SessionInfo {
  const { username, method, authUrl, accessTokenExpiresAt, lastActiveAt } =
    session;
  return { username, method, authUrl, accessTokenExpiresAt, lastActiveAt };
}

/**
 * Uses the current session: records its use (which restarts its idle
 * time), and ends it, at the server and here, when it has been idle too
 * long or the server no longer accepts it.
 *
 * @throws {SessionMissing} when there is none
 * @throws {SessionIdle} when it was idle too long (it is ended now)
 * @throws {SessionRevoked} when the server no longer accepts it (it is ended now)
 * @throws {SessionOfAnotherServer} when the stored session is another server's
 */
export async function useSession(
  options: PilotOptions = {},
): Promise<SessionInfo> {
  const core = await libraryCore(options);
  return infoOf(await core.use({ fresh: false }));
}

/**
 * The same as {@linkcode useSession}, under its old name.
 *
 * @deprecated It records the session's use and may end it, which its name
 * does not say: call {@linkcode useSession}.
 */
export async function readSession(
  options: PilotOptions = {},
): Promise<SessionInfo> {
  return await useSession(options);
}

/**
 * A valid access token, refreshed first when it is about to expire; the
 * session's use recorded, as {@linkcode useSession} does.
 */
export async function getAccessToken(
  options: PilotOptions = {},
): Promise<string> {
  const core = await libraryCore(options);
  return (await core.use({ fresh: true })).accessToken;
}

/**
 * Logs in with an API key and stores the session, replacing any other (as
 * `pilotcli user login --api-key` does); the replaced session is ended at
 * the server. The key is taken as it is: nothing is read from standard
 * input.
 *
 * @throws {InvalidApiKey} when the server does not accept the key
 */
export async function loginWithApiKey(
  apiKey: string,
  options: PilotOptions = {},
): Promise<SessionInfo> {
  const key = apiKey.trim();
  if (key === "") throw new PilotError("the API key is empty");
  const core = await libraryCore(options);
  // Corrupt sessions moved aside earlier end with this login.
  const leftovers = await core.beginLogin();
  const tokens = await core.exchangeApiKey(key);
  const { session, replaced } = await core.saveLogin(
    "api-key",
    tokens,
    key,
    leftovers,
  );
  if (replaced) await core.endAtServer(replaced);
  return infoOf(session);
}

/**
 * `fetch` for Pilot's API (PILOT_API_URL) with the session's access token:
 * a path such as `"/v1/projects"` is joined to the API URL; an absolute URL
 * must be of the API's origin. Each request gets a fresh token (refreshed
 * under the session lock when near expiry, as {@linkcode getAccessToken}
 * does); after a 401 the token is refreshed once and the request sent once
 * more, unless its body is a stream (which cannot be read twice: the 401 is
 * returned). Redirects are followed within the API's origin only; one to
 * another origin is returned as it is, so the token never leaves the API.
 * Bodies stream both ways and are not capped; PILOT_HTTP_TIMEOUT limits
 * connecting and waiting for the headers, not the body. Any status is
 * returned, as fetch does.
 *
 * @throws {ForeignOrigin} for a URL of another origin
 * @throws {ServerUnreachable} when the API gave no answer in time
 * @throws {SessionMissing} (and the other errors of {@linkcode useSession}) when there is no usable session
 */
export async function authFetch(
  input: string | URL | Request,
  init: RequestInit = {},
  options: PilotOptions = {},
): Promise<Response> {
  const { core, fetch, signal, httpTimeoutMs, apiUrl } = await libraryParts(
    options,
  );
  if (apiUrl === undefined) {
    throw new PilotError(
      "no API URL is configured: set PILOT_API_URL, or give the profile an API URL",
    );
  }
  const { apiTarget, fetchWithToken } = await import("./core/auth_fetch.ts");
  const request = input instanceof Request ? input : undefined;
  const target = apiTarget(
    apiUrl,
    request ? request.url : input as string | URL,
  );
  const method = (init.method ?? request?.method ?? "GET").toUpperCase();
  const headers = new Headers(init.headers ?? request?.headers);
  const body = init.body ?? request?.body ?? null;
  const signals = [signal, init.signal ?? request?.signal].filter(
    (s): s is AbortSignal => s != null,
  );
  const { response } = await fetchWithToken(
    {
      token: async (rejected) =>
        (await core.use({ fresh: true, rejected })).accessToken,
      fetch,
      apiUrl,
      signal: AbortSignal.any(signals),
      timeoutMs: httpTimeoutMs,
    },
    target,
    {
      method,
      headers,
      ...(body === null ? {} : { body: () => body }),
      replayable: !(body instanceof ReadableStream),
    },
  );
  return response;
}
