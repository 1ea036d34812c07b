/**
 * The session record pilotcli keeps on disk, with a strict parser and a
 * serializer. Neither ever puts a field's value into an error message, so a
 * token can not leak through a log or a bug report.
 *
 * @module
 */

import { isToken, MAX_TOKEN_LENGTH } from "../auth/tokens.ts";

/** A login to one Keycloak realm, as stored in `session.json`. */
export interface Session {
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

/**
 * A session record that is not valid. The message names the bad field and
 * what was expected, never the value found.
 */
export class SessionFormatError extends Error {
  /** The name of the bad field, or `"session"` for the record as a whole. */
  readonly field: string;
  /** What is wrong, without the "Invalid session" prefix, e.g. `"accessToken" must be a string`. */
  readonly reason: string;

  /**
   * Make the error for one bad field.
   *
   * @param field the name of the bad field, or `"session"` for the record as a whole
   * @param expected what it should have been, e.g. "a non-empty string"
   */
  constructor(field: string, expected: string) {
    const reason = field === "session"
      ? `not ${expected}`
      : `"${field}" must be ${expected}`;
    super(`Invalid session: ${reason}`);
    this.name = "SessionFormatError";
    this.field = field;
    this.reason = reason;
  }
}

const METHODS: readonly Session["method"][] = ["device-code", "api-key"];

/**
 * Parse and validate the text of a session file.
 *
 * Every field is checked for its type; fields this version does not know are
 * dropped, so the result holds exactly the fields of {@linkcode Session}.
 *
 * @param text the file's content
 * @returns the session
 * @throws {SessionFormatError} when the text is not JSON or a field is wrong
 */
export function parseSession(text: string): Session {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The JSON.parse message can quote the content, so it is not kept.
    throw new SessionFormatError("session", "valid JSON");
  }
  return validateSession(value);
}

/**
 * Turn a session into the text of a session file: pretty JSON and a final
 * newline, with the fields in a fixed order.
 *
 * @param session the session to store
 * @returns the file content
 * @throws {SessionFormatError} when the session is not valid, so that an
 * invalid record is never written
 */
export function serializeSession(session: Session): string {
  return JSON.stringify(validateSession(session), null, 2) + "\n";
}

function validateSession(value: unknown): Session {
  if (!isRecord(value)) {
    throw new SessionFormatError("session", "a JSON object");
  }
  if (value.version !== 1) {
    throw new SessionFormatError("version", "1");
  }
  const authUrl = requireString(value, "authUrl", true);
  if (!isHttpUrl(authUrl)) {
    throw new SessionFormatError("authUrl", "an http or https URL");
  }
  const method = value.method;
  if (!METHODS.includes(method as Session["method"])) {
    throw new SessionFormatError("method", `one of ${METHODS.join(", ")}`);
  }
  const sessionMethod = method as Session["method"];
  if (value.apiKey !== undefined && sessionMethod !== "api-key") {
    throw new SessionFormatError("apiKey", 'absent unless method is "api-key"');
  }
  // Built field by field, in the order of the interface, so unknown fields
  // are dropped and the file layout is stable.
  const session: Session = {
    version: 1,
    authUrl,
    clientId: requireString(value, "clientId", true),
    method: sessionMethod,
    username: requireString(value, "username", false),
    accessToken: requireToken(value, "accessToken", true),
    accessTokenExpiresAt: requireTime(value, "accessTokenExpiresAt"),
    accessTokenIssuedAt: requireTime(value, "accessTokenIssuedAt"),
    refreshToken: requireToken(value, "refreshToken", false),
    ...(value.refreshTokenExpiresAt === undefined ? {} : {
      refreshTokenExpiresAt: requireTime(value, "refreshTokenExpiresAt"),
    }),
    lastActiveAt: requireTime(value, "lastActiveAt"),
    ...(value.apiKey === undefined
      ? {}
      : { apiKey: requireString(value, "apiKey", true) }),
  };
  return session;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireString(
  record: Record<string, unknown>,
  field: string,
  nonEmpty: boolean,
): string {
  const value = record[field];
  if (typeof value !== "string" || (nonEmpty && value === "")) {
    throw new SessionFormatError(
      field,
      nonEmpty ? "a non-empty string" : "a string",
    );
  }
  return value;
}

/**
 * A token as a token response must have it (see isToken in
 * src/auth/tokens.ts): a stored token with a CR, LF or control character is
 * never printed or sent. `required` false allows "" (no refresh token).
 */
function requireToken(
  record: Record<string, unknown>,
  field: string,
  required: boolean,
): string {
  const value = record[field];
  if (!(isToken(value) || (!required && value === ""))) {
    throw new SessionFormatError(
      field,
      `${required ? "" : "empty or "}a token (RFC 6750 characters, at most ${
        MAX_TOKEN_LENGTH / 1024
      } KiB)`,
    );
  }
  return value as string;
}

/**
 * Latest time stored, epoch seconds: the end of year 9999. Later ones do not
 * fit a Date, and `user status` could not show them.
 */
const MAX_TIME = 253_402_300_799;

function requireTime(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  if (
    !Number.isInteger(value) || (value as number) < 0 ||
    (value as number) > MAX_TIME
  ) {
    throw new SessionFormatError(
      field,
      "a time in epoch seconds (a whole number from 0 to 253402300799)",
    );
  }
  return value as number;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}
