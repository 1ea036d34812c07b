/**
 * pilotcli as a library, for Deno or Node code that needs Pilot's login:
 * read the session, get a fresh access token, log in with an API key. It
 * shares the CLI's session file, lock, idle rule and refresh.
 *
 * @module
 */

import type { Context } from "./cli/context.ts";
import type { Env } from "./config.ts";
import type { TextWriter } from "./ui/io.ts";

// mod.ts exports this API and also runs the CLI: the library's modules load
// on first call, so that `pilotcli --help` pays nothing for them.

export { CliError as PilotError } from "./errors.ts";

/** How to reach the server and the session; the CLI's environment by default. */
export interface PilotOptions {
  /** Variables that take the place of the process environment's (PILOT_AUTH_URL, PILOT_CONFIG_DIR, ...). */
  env?: Record<string, string>;
  /** Ends waiting requests early. */
  signal?: AbortSignal;
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

const silent: TextWriter = { write() {} };

async function libraryContext(options: PilotOptions): Promise<Context> {
  const { denoContext } = await import("./cli/deno_context.ts");
  const { transportFetch } = await import("./auth/transport.ts");
  const context = denoContext(options.signal ?? new AbortController().signal);
  const overrides = options.env ?? {};
  const env: Env = {
    get: (name) => name in overrides ? overrides[name] : context.env.get(name),
  };
  // A library prints nothing: failures arrive as thrown PilotErrors.
  return {
    ...context,
    env,
    // PILOT_CA_FILE and the proxies may come from options.env too.
    fetch: transportFetch(env),
    process: { stdout: silent, stderr: silent },
    stdout: silent,
    stderr: silent,
  };
}

/**
 * The current session, its use recorded (which restarts its idle time).
 * Throws a PilotError when there is none, or it has ended.
 */
export async function readSession(
  options: PilotOptions = {},
): Promise<SessionInfo> {
  const { useSession } = await import("./cli/active_session.ts");
  const { session } = await useSession(await libraryContext(options), {
    fresh: false,
  });
  const { username, method, authUrl, accessTokenExpiresAt, lastActiveAt } =
    session;
  return { username, method, authUrl, accessTokenExpiresAt, lastActiveAt };
}

/** A valid access token, refreshed first when it is about to expire. */
export async function getAccessToken(
  options: PilotOptions = {},
): Promise<string> {
  const { useSession } = await import("./cli/active_session.ts");
  const { session } = await useSession(await libraryContext(options), {
    fresh: true,
  });
  return session.accessToken;
}

/** Logs in with an API key and stores the session, as `pilotcli user login --api-key` does. */
export async function loginWithApiKey(
  apiKey: string,
  options: PilotOptions = {},
): Promise<SessionInfo> {
  const { runLogin } = await import("./cli/login.ts");
  await runLogin(await libraryContext(options), { apiKey });
  return await readSession(options);
}
