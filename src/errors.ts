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

/** Exit code of a runtime failure. */
export const EXIT_FAILURE = 1;
/** Exit code of a usage error (unknown option, missing value). */
export const EXIT_USAGE = 2;
/** Exit code after an interrupt (Ctrl-C), as shells report SIGINT. */
export const EXIT_INTERRUPTED = 130;

/** Anything pilotcli's library or CLI throws on purpose. */
export class PilotError extends Error {
  /**
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
 * A connection failed for a known reason (a certificate, a proxy); the
 * cause of a {@linkcode ServerUnreachable}. The message says why and what
 * would fix it.
 */
export class ConnectionFailure extends PilotError {
  /**
   * @param message why it failed, without a trailing period
   * @param cause what the runtime threw
   */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "ConnectionFailure";
  }
}

/**
 * The server answered, but not with what the protocol requires: no JSON
 * object, too large or too slow an answer, a discovery document or token
 * response that lacks a field, an endpoint off the realm's origin.
 */
export class ServerAnswerUnusable extends PilotError {
  /**
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

  /** @param idleTimeout the idle limit, seconds */
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
