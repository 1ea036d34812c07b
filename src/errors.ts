/**
 * The errors pilotcli throws, in a module without network or file code so
 * that importing them costs nothing at start-up.
 *
 * {@linkcode PilotError} and its typed subclasses come from auth/ and
 * session/ (and the session core): they carry data and a plain sentence,
 * never advice for a command line. The library exports them, so that a
 * program can tell, say, a denied login from an unreachable server. The CLI
 * turns each into its line in one place (src/cli/failure.ts).
 *
 * {@linkcode CliError} is the CLI's own: a whole line for a person, with an
 * exit code.
 *
 * @module
 */

import type { Session } from "./session/session.ts";

/** Exit code of a runtime failure. */
export const EXIT_FAILURE = 1;
/** Exit code of a usage error (unknown option, missing value). */
export const EXIT_USAGE = 2;
/** Exit code after an interrupt (Ctrl-C), as shells report SIGINT. */
export const EXIT_INTERRUPTED = 130;

/** Anything pilotcli's library or CLI throws on purpose. */
export class PilotError extends Error {
  /**
   * Makes the error.
   *
   * @param message what failed, as a plain sentence
   * @param options the underlying cause, if any
   */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "PilotError";
  }
}

/** A failure with the one line the user sees and the exit code to leave with. */
export class CliError extends PilotError {
  /** The process exit code for this failure. */
  readonly exitCode: number;

  /**
   * Makes the error a person reads.
   *
   * @param message the whole line shown on stderr: what failed, why, what to do next
   * @param options exit code (default 1) and the underlying cause, if any
   */
  constructor(
    message: string,
    options: { exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}

// ---- Login (auth/) ----

/** The person at the browser denied the device login (RFC 8628 access_denied). */
export class DeviceCodeDenied extends PilotError {
  constructor() {
    super("the login was denied in the browser");
    this.name = "DeviceCodeDenied";
  }
}

/** The device code ran out before the person approved the login. */
export class DeviceCodeExpired extends PilotError {
  constructor() {
    super("the device code expired before the login was approved");
    this.name = "DeviceCodeExpired";
  }
}

/** The server offers no device login (no device_authorization_endpoint). */
export class DeviceLoginUnsupported extends PilotError {
  constructor() {
    super("the server offers no device login");
    this.name = "DeviceLoginUnsupported";
  }
}

/** The server does not know the API key (it answered 401 or 404). */
export class InvalidApiKey extends PilotError {
  constructor() {
    super("the server does not accept the API key");
    this.name = "InvalidApiKey";
  }
}

// ---- The server (auth/) ----

/**
 * A request got no usable HTTP answer: refused, reset, timed out. `url` is
 * the endpoint's origin only (a path may hold a secret); `cause` a
 * {@linkcode ConnectionFailure} when the reason is known.
 */
export class ServerUnreachable extends PilotError {
  /** The origin of the endpoint, e.g. `https://iam.example.org`. */
  readonly url: string;
  /** Whether the request's time limit ended it. */
  readonly timedOut: boolean;

  /**
   * Makes the error.
   *
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
  ) {
    super(message, { cause });
    this.name = "ServerUnreachable";
    this.url = url;
    this.timedOut = timedOut;
  }
}

/**
 * A request for another origin than the API's: the token goes only to the
 * API, so it is not sent.
 */
export class ForeignOrigin extends PilotError {
  /** The origin asked for. */
  readonly origin: string;
  /** The API's origin. */
  readonly apiOrigin: string;

  /**
   * Makes the error.
   *
   * @param origin the origin asked for
   * @param apiOrigin the API's origin
   */
  constructor(origin: string, apiOrigin: string) {
    super(
      `the token goes only to the API at ${apiOrigin}: refused ${origin}`,
    );
    this.name = "ForeignOrigin";
    this.origin = origin;
    this.apiOrigin = apiOrigin;
  }
}

/**
 * A connection failed for a known reason: the server's certificate, or
 * the proxy; the cause of a {@linkcode ServerUnreachable}. `host` is the
 * server's host; `proxy` the proxy's host (never its credentials) and
 * `variable` the environment variable it came from.
 */
export class ConnectionFailure extends PilotError {
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
   * Makes the error.
   *
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
  ) {
    const proxy = via && `the proxy ${via.proxy} (from ${via.variable})`;
    super(
      {
        "unknown-ca": `the certificate of ${host} is not from a trusted CA`,
        "wrong-host": `the certificate of ${host} is for another host name`,
        "expired-certificate":
          `the certificate of ${host} has expired or is not valid yet`,
        "proxy-credentials": `${proxy} asks for credentials (HTTP 407)`,
        "proxy-tunnel-refused": `${proxy} would not connect to ${host}`,
        "proxy-unreachable":
          `${proxy} refused the connection or could not be reached`,
      }[kind],
      { cause },
    );
    this.name = "ConnectionFailure";
    this.kind = kind;
    this.host = host;
    this.proxy = via?.proxy;
    this.variable = via?.variable;
  }
}

/**
 * The server answered, but not with what the protocol requires: no JSON
 * object, too large or too slow an answer, a discovery document or token
 * response that lacks a field, an endpoint off the realm's origin.
 */
export class ServerAnswerUnusable extends PilotError {
  /**
   * Makes the error.
   *
   * @param message what was wrong with the answer
   * @param options the underlying cause, if any
   */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "ServerAnswerUnusable";
  }
}

/** The server refused a request with an error answer. */
export class ServerRefused extends PilotError {
  /** Which endpoint refused, e.g. "the token endpoint". */
  readonly endpoint: string;
  /** The HTTP status. */
  readonly status: number;
  /** The OAuth error code of the answer, if it had one. */
  readonly error: string | undefined;

  /**
   * Makes the error.
   *
   * @param endpoint which endpoint refused
   * @param status the HTTP status
   * @param error the OAuth error code, if any
   */
  constructor(endpoint: string, status: number, error: string | undefined) {
    super(
      `${endpoint} answered HTTP ${status} (${error ?? "no error code"})`,
    );
    this.name = "ServerRefused";
    this.endpoint = endpoint;
    this.status = status;
    this.error = error;
  }
}

// ---- The session (session/ and the session core) ----

/** There is no session (nobody logged in here). */
export class SessionMissing extends PilotError {
  constructor() {
    super("there is no session: log in first");
    this.name = "SessionMissing";
  }
}

/** The session was idle too long; it has been ended. */
export class SessionIdle extends PilotError {
  /** The idle limit, seconds. */
  readonly idleTimeout: number;

  /**
   * Makes the error.
   *
   * @param idleTimeout the idle limit, seconds
   */
  constructor(idleTimeout: number) {
    super(`the session was unused for ${idleTimeout} s and has been ended`);
    this.name = "SessionIdle";
    this.idleTimeout = idleTimeout;
  }
}

/** The server no longer accepts the session (refresh token and API key refused); it has been ended. */
export class SessionRevoked extends PilotError {
  constructor() {
    super("the server no longer accepts the session; it has been ended");
    this.name = "SessionRevoked";
  }
}

/** The stored session belongs to another server or client; it counts as absent and is left as it is. */
export class SessionOfAnotherServer extends PilotError {
  /** The realm URL the stored session belongs to. */
  readonly authUrl: string;
  /** The client it was made for. */
  readonly clientId: string;

  /**
   * Makes the error.
   *
   * @param authUrl the stored session's realm URL
   * @param clientId the stored session's client
   */
  constructor(authUrl: string, clientId: string) {
    super(
      `the stored session belongs to ${authUrl} (client ${clientId}), not to the configured server`,
    );
    this.name = "SessionOfAnotherServer";
    this.authUrl = authUrl;
    this.clientId = clientId;
  }
}

/**
 * A session file or directory that is not safe to use: open to other
 * users, owned by another user, a symbolic link, or not a plain file or
 * directory. Nothing was read from it.
 */
export class UnsafeSessionFile extends PilotError {
  /** The file or directory. */
  readonly path: string;
  /** Whether it is the session directory, the session file or the config file. */
  readonly kind: "dir" | "file" | "config";
  /** What is wrong with it. */
  readonly problem: "open-mode" | "other-owner" | "symlink" | "not-plain";
  /** Its permission bits (`problem` "open-mode"). */
  readonly mode: number | undefined;
  /** Its owner's uid (`problem` "other-owner"). */
  readonly owner: number | undefined;
  /** Whether it is on Windows, where the fix is no POSIX command. */
  readonly windows: boolean;

  /**
   * Makes the error.
   *
   * @param path the file or directory
   * @param kind the session directory, the session file or the config file
   * @param problem what is wrong
   * @param details its mode or its owner, for those problems; Windows
   */
  constructor(
    path: string,
    kind: "dir" | "file" | "config",
    problem: UnsafeSessionFile["problem"],
    details: { mode?: number; owner?: number; windows?: boolean } = {},
  ) {
    const what = `${
      kind === "dir"
        ? "session directory"
        : kind === "config"
        ? "config file"
        : "session file"
    } ${path}`;
    super(
      problem === "open-mode"
        ? `${what} is open to other users (mode ${
          (details.mode! & 0o7777).toString(8).padStart(4, "0")
        })`
        : problem === "other-owner"
        ? `${what} is owned by another user (uid ${details.owner})`
        : problem === "symlink"
        ? `${what} is a symbolic link`
        : `${what} is not a ${kind === "dir" ? "directory" : "regular file"}`,
    );
    this.name = "UnsafeSessionFile";
    this.path = path;
    this.kind = kind;
    this.problem = problem;
    this.mode = details.mode;
    this.owner = details.owner;
    this.windows = details.windows ?? false;
  }
}

/**
 * The session's files could not be read or prepared: `operation` says
 * which step failed ("read" the directory or file, "create-dir",
 * "dir-gone" when the directory vanished, "move-aside" for a corrupt
 * session file), `detail` why, as the file system said it.
 */
export class SessionStorageFailed extends PilotError {
  /** The step that failed. */
  readonly operation: "read" | "create-dir" | "dir-gone" | "move-aside";
  /** The file or directory concerned. */
  readonly path: string;
  /** Why, as the file system said it. */
  readonly detail: string;
  /** For "move-aside": why the session file is unreadable. */
  readonly reason: string | undefined;

  /**
   * Makes the error.
   *
   * @param operation the step that failed
   * @param path the file or directory concerned
   * @param detail why
   * @param options why a corrupt file is unreadable, and the cause
   */
  constructor(
    operation: SessionStorageFailed["operation"],
    path: string,
    detail: string,
    options: { reason?: string; cause?: unknown } = {},
  ) {
    super(`${operation} of ${path} failed: ${detail}`, {
      cause: options.cause,
    });
    this.name = "SessionStorageFailed";
    this.operation = operation;
    this.path = path;
    this.detail = detail;
    this.reason = options.reason;
  }
}

/**
 * An update's result could not be stored: the lock or the file could not
 * be written (read-only directory, full disk). `session` is what was to be
 * stored (null: a deletion), so that a caller may still use what it got,
 * e.g. a refreshed access token.
 */
export class SessionNotSaved extends PilotError {
  /**
   * What could not be stored; null when the session was to be deleted. Not
   * enumerable: it holds tokens, which printing the error (console.log,
   * Deno.inspect, JSON) must not show.
   */
  declare readonly session: Session | null;
  /** The session file. */
  readonly path: string;
  /** Why, as the file system said it. */
  readonly detail: string;

  /**
   * Makes the error.
   *
   * @param session what could not be stored, null for a deletion
   * @param path the session file
   * @param detail why, as the file system said it
   * @param cause the file system error
   */
  constructor(
    session: Session | null,
    path: string,
    detail: string,
    cause?: unknown,
  ) {
    super(
      `could not ${
        session === null ? "delete" : "save"
      } the session: ${detail}`,
      { cause },
    );
    this.name = "SessionNotSaved";
    Object.defineProperty(this, "session", { value: session });
    this.path = path;
    this.detail = detail;
  }
}

/**
 * The session lock could not be taken (`busy`: another process holds it
 * past the wait) or released.
 */
export class SessionLockFailed extends PilotError {
  /** The lock file. */
  readonly path: string;
  /** Taking or releasing the lock. */
  readonly operation: "lock" | "unlock";
  /** Why, as the file system said it; empty when `busy`. */
  readonly detail: string;
  /** Whether a live process held the lock for the whole wait. */
  readonly busy: boolean;

  /**
   * Makes the error.
   *
   * @param path the lock file
   * @param operation taking or releasing the lock
   * @param detail why, as the file system said it ("" when busy)
   * @param options whether it was busy, and the cause
   */
  constructor(
    path: string,
    operation: "lock" | "unlock",
    detail: string,
    options: { busy?: boolean; cause?: unknown } = {},
  ) {
    super(
      options.busy
        ? `${path} is held by another process`
        : `could not ${operation} the session: ${detail}`,
      { cause: options.cause },
    );
    this.name = "SessionLockFailed";
    this.path = path;
    this.operation = operation;
    this.detail = detail;
    this.busy = options.busy ?? false;
  }
}

/** PILOT_CA_FILE names a file that is no PEM file of CA certificates. */
export class CaFileUnusable extends PilotError {
  /** The file. */
  readonly path: string;
  /** Why it cannot be used. */
  readonly reason: string;

  /**
   * Makes the error.
   *
   * @param path the file
   * @param reason why it cannot be used
   */
  constructor(path: string, reason: string) {
    super(`the CA file ${path} is not usable: ${reason}`);
    this.name = "CaFileUnusable";
    this.path = path;
    this.reason = reason;
  }
}

// ---- Profiles (session/config_file.ts) ----

/** A profile was asked for by a name the config file does not hold. */
export class ProfileUnknown extends PilotError {
  /** The name asked for. */
  readonly profile: string;
  /** The names the config file holds, sorted. */
  readonly known: readonly string[];

  /**
   * Makes the error.
   *
   * @param profile the name asked for
   * @param known the names the config file holds
   */
  constructor(profile: string, known: readonly string[]) {
    super(`there is no profile ${JSON.stringify(profile)}`);
    this.name = "ProfileUnknown";
    this.profile = profile;
    this.known = known;
  }
}

/** A profile name outside `[a-z0-9][a-z0-9_-]{0,63}`. */
export class ProfileNameInvalid extends PilotError {
  /** The name as given. */
  readonly profile: string;

  /**
   * Makes the error.
   *
   * @param profile the name as given
   */
  constructor(profile: string) {
    super(`${JSON.stringify(profile)} is not a profile name`);
    this.name = "ProfileNameInvalid";
    this.profile = profile;
  }
}

/**
 * The config file is not what pilotcli writes: not JSON, or not its shape.
 * It is left as it is.
 */
export class ConfigFileCorrupt extends PilotError {
  /** The config file. */
  readonly path: string;
  /** Where: "line 3, column 5", or the field ("profiles.a.authUrl"). */
  readonly where: string;
  /** What is wrong there. */
  readonly detail: string;

  /**
   * Makes the error.
   *
   * @param path the config file
   * @param where the position or the field
   * @param detail what is wrong there
   */
  constructor(path: string, where: string, detail: string) {
    super(`config file ${path} is not valid at ${where}: ${detail}`);
    this.name = "ConfigFileCorrupt";
    this.path = path;
    this.where = where;
    this.detail = detail;
  }
}

/** No realm is named: no default profile, no PILOT_AUTH_URL. */
export class NoProfile extends PilotError {
  /** The profiles there are, none of them the default; sorted. */
  readonly known: readonly string[];

  /**
   * Makes the error.
   *
   * @param known the profiles there are
   */
  constructor(known: readonly string[] = []) {
    super(
      known.length === 0
        ? "no profile is configured and PILOT_AUTH_URL is not set"
        : "no profile is the default and PILOT_AUTH_URL is not set",
    );
    this.name = "NoProfile";
    this.known = known;
  }
}

/** The config file could not be read or written (not its content: the file system). */
export class ConfigFileFailed extends PilotError {
  /** The config file. */
  readonly path: string;
  /** Reading or writing. */
  readonly operation: "read" | "write";
  /** The file system's words. */
  readonly detail: string;

  /**
   * Makes the error.
   *
   * @param path the config file
   * @param operation reading or writing
   * @param cause the file system's error
   */
  constructor(path: string, operation: "read" | "write", cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`could not ${operation} the config file ${path}: ${detail}`, {
      cause,
    });
    this.name = "ConfigFileFailed";
    this.path = path;
    this.operation = operation;
    this.detail = detail;
  }
}
