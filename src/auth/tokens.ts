/**
 * Token responses (RFC 6749 §5.1, with Keycloak's `refresh_expires_in`) and
 * the user name inside a Keycloak access token.
 *
 * @module
 */

import { registerSecret } from "../redact.ts";

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
export class TokenResponseError extends Error {
  /** @param detail which field is missing or wrong (never its value) */
  constructor(detail: string) {
    super(`the token response is not usable: ${detail}`);
    this.name = "TokenResponseError";
  }
}

function positiveSeconds(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0
    ? value
    : undefined;
}

/**
 * Validates a token response body and turns its relative lifetimes into
 * absolute times. `nowSeconds` is the time the response arrived. A refresh
 * response may leave out the refresh token (RFC 6749 §6): pass the one in
 * use as `previousRefreshToken` to keep it.
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
  const refresh_token = body.refresh_token ?? previousRefreshToken;
  if (typeof refresh_token !== "string" || refresh_token === "") {
    throw new TokenResponseError("refresh_token is missing");
  }
  registerSecret(refresh_token);
  if (typeof token_type !== "string" || token_type.toLowerCase() !== "bearer") {
    throw new TokenResponseError("token_type is not Bearer");
  }
  // expires_in is only RECOMMENDED; without it, trust the JWT's own exp.
  const expiresIn = positiveSeconds(body.expires_in) ??
    positiveSeconds((jwtClaims(access_token)?.exp as number) - nowSeconds) ??
    60;
  // Keycloak sends refresh_expires_in 0 for offline tokens: no expiry.
  const refreshExpiresIn = positiveSeconds(body.refresh_expires_in);
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
