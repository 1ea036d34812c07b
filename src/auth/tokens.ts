/**
 * Token responses (RFC 6749 §5.1, with Keycloak's `refresh_expires_in`) and
 * the user name inside a Keycloak access token.
 *
 * @module
 */

import { ServerAnswerUnusable } from "../errors.ts";
import { registerSecret } from "../redact.ts";
import { notAToken, notWholeSeconds } from "./answer_details.ts";

/** The tokens of a successful token response, with absolute expiry times. */
export interface TokenSet {
  /** The access token. */
  accessToken: string;
  /** When the access token was issued, epoch seconds. */
  accessTokenIssuedAt: number;
  /** When the access token expires, epoch seconds. */
  accessTokenExpiresAt: number;
  /** The refresh token. */
  refreshToken: string;
  /** When the refresh token expires, epoch seconds; absent when unknown or unlimited. */
  refreshTokenExpiresAt?: number;
}

/** A token response that lacks what RFC 6749 §5.1 requires. */
export class TokenResponseError extends ServerAnswerUnusable {
  /** @param detail which field is missing or wrong (never its value) */
  constructor(detail: string) {
    super(`the token response is not usable: ${detail}`);
    this.name = "TokenResponseError";
  }
}

/** Longest token accepted, in characters (16 KiB): Keycloak's are about 1-2 KiB. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Longest token lifetime accepted, in seconds (366 days): a longer
 * expires_in or refresh_expires_in is a broken server.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 366 * 86_400;

/**
 * Whether `value` can be a bearer token: RFC 6750 §2.1's b64token
 * characters, at most {@linkcode MAX_TOKEN_LENGTH} long. So a token never
 * holds a CR, LF or control character that would end an HTTP header or draw
 * on a terminal when it is printed by `user token`.
 */
export function isToken(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_TOKEN_LENGTH &&
    /^[A-Za-z0-9\-._~+/]+=*$/.test(value);
}

/**
 * The whole number of seconds `body[name]`, from `min` to
 * MAX_TOKEN_LIFETIME_SECONDS; undefined when absent.
 */
function seconds(
  body: Record<string, unknown>,
  name: string,
  min: number,
): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (
    !Number.isInteger(value) || (value as number) < min ||
    (value as number) > MAX_TOKEN_LIFETIME_SECONDS
  ) {
    throw new TokenResponseError(
      notWholeSeconds(name, min, MAX_TOKEN_LIFETIME_SECONDS),
    );
  }
  return value as number;
}

/**
 * Validates a token response body and turns its relative lifetimes into
 * absolute times. `nowSeconds` is the time the response arrived. A refresh
 * response may leave out the refresh token (RFC 6749 §6): pass the one in
 * use as `previousRefreshToken` to keep it.
 *
 * - access_token, refresh_token: {@linkcode isToken}.
 * - expires_in: a whole number of seconds from 1 to 366 days; when absent,
 *   the JWT's exp if that lies within the same range, else 60.
 * - refresh_expires_in: a whole number of seconds from 0 to 366 days, 0
 *   meaning no expiry (Keycloak's offline tokens); absent means unknown.
 *
 * Errors name the field, never its value.
 */
export function parseTokenResponse(
  body: Record<string, unknown>,
  nowSeconds: number,
  previousRefreshToken?: string,
): TokenSet {
  const { access_token, token_type } = body;
  if (typeof access_token !== "string" || access_token === "") {
    throw new TokenResponseError("access_token is missing");
  }
  registerSecret(access_token);
  if (!isToken(access_token)) {
    throw new TokenResponseError(
      notAToken("access_token", MAX_TOKEN_LENGTH / 1024),
    );
  }
  const refresh_token = body.refresh_token ?? previousRefreshToken;
  if (typeof refresh_token !== "string" || refresh_token === "") {
    throw new TokenResponseError("refresh_token is missing");
  }
  registerSecret(refresh_token);
  if (!isToken(refresh_token)) {
    throw new TokenResponseError(
      notAToken("refresh_token", MAX_TOKEN_LENGTH / 1024),
    );
  }
  if (typeof token_type !== "string" || token_type.toLowerCase() !== "bearer") {
    throw new TokenResponseError("token_type is not Bearer");
  }
  // expires_in is only RECOMMENDED; without it, trust the JWT's own exp.
  const expiresIn = seconds(body, "expires_in", 1) ??
    jwtLifetime(access_token, nowSeconds) ?? 60;
  // Keycloak sends refresh_expires_in 0 for offline tokens: no expiry.
  const refreshExpiresIn = seconds(body, "refresh_expires_in", 0) || undefined;
  return {
    accessToken: access_token,
    accessTokenIssuedAt: nowSeconds,
    accessTokenExpiresAt: Math.floor(nowSeconds + expiresIn),
    refreshToken: refresh_token,
    refreshTokenExpiresAt: refreshExpiresIn === undefined
      ? undefined
      : Math.floor(nowSeconds + refreshExpiresIn),
  };
}

/** Seconds until the JWT's exp, when that is from 1 s to 366 days. */
function jwtLifetime(token: string, nowSeconds: number): number | undefined {
  const exp = jwtClaims(token)?.exp;
  if (typeof exp !== "number") return undefined;
  const lifetime = Math.floor(exp - nowSeconds);
  return lifetime >= 1 && lifetime <= MAX_TOKEN_LIFETIME_SECONDS
    ? lifetime
    : undefined;
}

/** The claims of a JWT's payload, without checking its signature; undefined when it is no JWT. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split(".")[1];
  if (!part) return undefined;
  try {
    const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(
      Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)),
    );
    const claims = JSON.parse(json);
    return typeof claims === "object" && claims !== null ? claims : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The user name a Keycloak access token carries (`preferred_username`,
 * else `sub`). The token came straight from the token endpoint over TLS, so
 * its payload is read for display only, not trusted for authorization.
 */
export function usernameOf(accessToken: string): string {
  const claims = jwtClaims(accessToken);
  const name = claims?.preferred_username ?? claims?.sub;
  return typeof name === "string" && name !== "" ? name : "unknown";
}
