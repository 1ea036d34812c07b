/**
 * The types of the npm package's library (`@pilot/pilotcli`, `lib/mod.mjs`),
 * copied by `scripts/build_npm.ts` to `npm/lib/mod.d.ts`. Written by hand
 * from src/lib.ts and src/errors.ts (`deno bundle --declaration` flattens
 * the re-export and loses the name PilotError); `tests/e2e/npm_library_test.ts`
 * type-checks them against those files, so a change there that is not made
 * here fails the tests.
 *
 * pilotcli as a library, for Node code that needs Pilot's login: use the
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

/** Anything the library throws on purpose; the typed errors below are PilotErrors. */
export declare class PilotError extends Error {
  /**
   * @param message what failed, as a plain sentence
   * @param options the underlying cause, if any
   */
  constructor(message: string, options?: { cause?: unknown });
}

/** The person at the browser denied the device login (RFC 8628 access_denied). */
export declare class DeviceCodeDenied extends PilotError {
  constructor();
}

/** The device code ran out before the person approved the login. */
export declare class DeviceCodeExpired extends PilotError {
  constructor();
}

/** The server offers no device login (no device_authorization_endpoint). */
export declare class DeviceLoginUnsupported extends PilotError {
  constructor();
}

/** The server does not know the API key (it answered 401 or 404). */
export declare class InvalidApiKey extends PilotError {
  constructor();
}

/** A request got no usable HTTP answer: refused, reset, timed out. */
export declare class ServerUnreachable extends PilotError {
  /** The origin of the endpoint, e.g. `https://iam.example.org`. */
  readonly url: string;
  /** Whether the request's time limit ended it. */
  readonly timedOut: boolean;
  /**
   * @param url the endpoint's origin
   * @param message e.g. "the token endpoint could not be reached"
   * @param timedOut whether the time limit ended the request
   * @param cause the underlying error
   */
  constructor(
    url: string,
    message: string,
    timedOut: boolean,
    cause?: unknown,
  );
}

/**
 * A connection failed for a known reason: the server's certificate, or the
 * proxy; the cause of a ServerUnreachable.
 */
export declare class ConnectionFailure extends PilotError {
  /** What failed. */
  readonly kind:
    | "unknown-ca"
    | "wrong-host"
    | "expired-certificate"
    | "proxy-credentials"
    | "proxy-tunnel-refused"
    | "proxy-unreachable";
  /** The server's host (and port). */
  readonly host: string;
  /** The proxy's host, for the proxy's failures. */
  readonly proxy: string | undefined;
  /** The variable the proxy came from (HTTPS_PROXY, ...), for the proxy's failures. */
  readonly variable: string | undefined;
  /**
   * @param kind what failed
   * @param host the server's host
   * @param via the proxy's host and variable, for the proxy's failures
   * @param cause what the runtime threw
   */
  constructor(
    kind: ConnectionFailure["kind"],
    host: string,
    via?: { proxy: string; variable: string },
    cause?: unknown,
  );
}

/** The server answered, but not with what the protocol requires. */
export declare class ServerAnswerUnusable extends PilotError {
  /**
   * @param message what was wrong with the answer
   * @param options the underlying cause, if any
   */
  constructor(message: string, options?: { cause?: unknown });
}

/** The server refused a request with an error answer. */
export declare class ServerRefused extends PilotError {
  /** Which endpoint refused, e.g. "the token endpoint". */
  readonly endpoint: string;
  /** The HTTP status. */
  readonly status: number;
  /** The OAuth error code of the answer, if it had one. */
  readonly error: string | undefined;
  /**
   * @param endpoint which endpoint refused
   * @param status the HTTP status
   * @param error the OAuth error code, if any
   */
  constructor(endpoint: string, status: number, error: string | undefined);
}

/** There is no session (nobody logged in here). */
export declare class SessionMissing extends PilotError {
  constructor();
}

/** The session was idle too long; it has been ended. */
export declare class SessionIdle extends PilotError {
  /** The idle limit, seconds. */
  readonly idleTimeout: number;
  /** @param idleTimeout the idle limit, seconds */
  constructor(idleTimeout: number);
}

/** The server no longer accepts the session; it has been ended. */
export declare class SessionRevoked extends PilotError {
  constructor();
}

/** The stored session belongs to another server or client; it counts as absent and is left as it is. */
export declare class SessionOfAnotherServer extends PilotError {
  /** The realm URL the stored session belongs to. */
  readonly authUrl: string;
  /** The client it was made for. */
  readonly clientId: string;
  /**
   * @param authUrl the stored session's realm URL
   * @param clientId the stored session's client
   */
  constructor(authUrl: string, clientId: string);
}

/** A session as stored, tokens included (not exported: only SessionNotSaved holds one). */
interface StoredSession {
  /** Format version of the stored record. */
  version: 1;
  /** The realm URL the session was made for. */
  authUrl: string;
  /** The OAuth client the tokens were issued to. */
  clientId: string;
  /** How the user logged in. */
  method: "device-code" | "api-key";
  /** The user's name, as the server reported it. */
  username: string;
  /** The current access token. */
  accessToken: string;
  /** When the access token expires, in epoch seconds. */
  accessTokenExpiresAt: number;
  /** When the access token was issued, in epoch seconds. */
  accessTokenIssuedAt: number;
  /** The refresh token. */
  refreshToken: string;
  /** When the refresh token expires, in epoch seconds; absent when the server said nothing. */
  refreshTokenExpiresAt?: number;
  /** When the session was last used, in epoch seconds. */
  lastActiveAt: number;
  /** The API key, only for method `"api-key"`. */
  apiKey?: string;
}

/** A session file or directory that is not safe to use; nothing was read from it. */
export declare class UnsafeSessionFile extends PilotError {
  /** The file or directory. */
  readonly path: string;
  /** Whether it is the session directory or the session file. */
  readonly kind: "dir" | "file";
  /** What is wrong with it. */
  readonly problem: "open-mode" | "other-owner" | "symlink" | "not-plain";
  /** Its permission bits (`problem` "open-mode"). */
  readonly mode: number | undefined;
  /** Its owner's uid (`problem` "other-owner"). */
  readonly owner: number | undefined;
  /** Whether it is on Windows, where the fix is no POSIX command. */
  readonly windows: boolean;
  /**
   * @param path the file or directory
   * @param kind the session directory or the session file
   * @param problem what is wrong
   * @param details its mode or its owner, for those problems; Windows
   */
  constructor(
    path: string,
    kind: "dir" | "file",
    problem: UnsafeSessionFile["problem"],
    details?: { mode?: number; owner?: number; windows?: boolean },
  );
}

/** The session's files could not be read or prepared. */
export declare class SessionStorageFailed extends PilotError {
  /** The step that failed. */
  readonly operation: "read" | "create-dir" | "dir-gone" | "move-aside";
  /** The file or directory concerned. */
  readonly path: string;
  /** Why, as the file system said it. */
  readonly detail: string;
  /** For "move-aside": why the session file is unreadable. */
  readonly reason: string | undefined;
  /**
   * @param operation the step that failed
   * @param path the file or directory concerned
   * @param detail why
   * @param options why a corrupt file is unreadable, and the cause
   */
  constructor(
    operation: SessionStorageFailed["operation"],
    path: string,
    detail: string,
    options?: { reason?: string; cause?: unknown },
  );
}

/** An update's result could not be stored (read-only directory, full disk). */
export declare class SessionNotSaved extends PilotError {
  /** What could not be stored (tokens included, so not enumerable); null when the session was to be deleted. */
  readonly session: StoredSession | null;
  /** The session file. */
  readonly path: string;
  /** Why, as the file system said it. */
  readonly detail: string;
  /**
   * @param session what could not be stored, null for a deletion
   * @param path the session file
   * @param detail why, as the file system said it
   * @param cause the file system error
   */
  constructor(
    session: StoredSession | null,
    path: string,
    detail: string,
    cause?: unknown,
  );
}

/** The session lock could not be taken (`busy`: another process held it) or released. */
export declare class SessionLockFailed extends PilotError {
  /** The lock file. */
  readonly path: string;
  /** Taking or releasing the lock. */
  readonly operation: "lock" | "unlock";
  /** Why, as the file system said it; empty when `busy`. */
  readonly detail: string;
  /** Whether a live process held the lock for the whole wait. */
  readonly busy: boolean;
  /**
   * @param path the lock file
   * @param operation taking or releasing the lock
   * @param detail why, as the file system said it ("" when busy)
   * @param options whether it was busy, and the cause
   */
  constructor(
    path: string,
    operation: "lock" | "unlock",
    detail: string,
    options?: { busy?: boolean; cause?: unknown },
  );
}

/** PILOT_CA_FILE names a file that is no PEM file of CA certificates. */
export declare class CaFileUnusable extends PilotError {
  /** The file. */
  readonly path: string;
  /** Why it cannot be used. */
  readonly reason: string;
  /**
   * @param path the file
   * @param reason why it cannot be used
   */
  constructor(path: string, reason: string);
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
 * Uses the current session: records its use (which restarts its idle
 * time), and ends it, at the server and here, when it has been idle too
 * long or the server no longer accepts it. Rejects with SessionMissing,
 * SessionIdle, SessionRevoked or SessionOfAnotherServer when it cannot be used.
 */
export declare function useSession(
  options?: PilotOptions,
): Promise<SessionInfo>;

/**
 * The same as useSession, under its old name.
 *
 * @deprecated It records the session's use and may end it, which its name
 * does not say: call useSession.
 */
export declare function readSession(
  options?: PilotOptions,
): Promise<SessionInfo>;

/** A valid access token, refreshed first when it is about to expire; the session's use recorded. */
export declare function getAccessToken(options?: PilotOptions): Promise<string>;

/**
 * Logs in with an API key and stores the session, replacing any other (as
 * `pilotcli user login --api-key` does). The key is taken as it is: nothing
 * is read from standard input. Rejects with InvalidApiKey when the server
 * does not accept the key.
 */
export declare function loginWithApiKey(
  apiKey: string,
  options?: PilotOptions,
): Promise<SessionInfo>;
