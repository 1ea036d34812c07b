/**
 * The types of the npm package's library (`@pilot/pilotcli`, `lib/mod.mjs`),
 * copied by `scripts/build_npm.ts` to `npm/lib/mod.d.ts`. Written by hand
 * from src/lib.ts and src/errors.ts (`deno bundle --declaration` flattens
 * the re-export and loses the name PilotError); `tests/e2e/npm_library_test.ts`
 * type-checks them against those files, so a change there that is not made
 * here fails the tests.
 *
 * pilotcli as a library, for Node code that needs Pilot's login: read the
 * session, get a fresh access token, log in with an API key. It shares the
 * `pilotcli` program's session file, lock, idle rule and refresh.
 *
 * ```js
 * import { getAccessToken } from "@pilot/pilotcli";
 *
 * const token = await getAccessToken();
 * ```
 *
 * @module
 */

/** A failure, with the one line the `pilotcli` program would print for it. */
export declare class PilotError extends Error {
  /** The exit code the `pilotcli` program would leave with. */
  readonly exitCode: number;
  /**
   * Makes the error.
   *
   * @param message the whole line: what failed, why, what to do next
   * @param options exit code (default 1) and the underlying cause, if any
   */
  constructor(
    message: string,
    options?: { exitCode?: number; cause?: unknown },
  );
}

/** How to reach the server and the session; the process environment by default. */
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

/**
 * The current session, its use recorded (which restarts its idle time).
 * Rejects with a PilotError when there is none, or it has ended.
 */
export declare function readSession(
  options?: PilotOptions,
): Promise<SessionInfo>;

/** A valid access token, refreshed first when it is about to expire. */
export declare function getAccessToken(options?: PilotOptions): Promise<string>;

/** Logs in with an API key and stores the session, as `pilotcli user login --api-key` does. */
export declare function loginWithApiKey(
  apiKey: string,
  options?: PilotOptions,
): Promise<SessionInfo>;
