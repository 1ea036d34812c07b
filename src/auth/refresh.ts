/**
 * Refreshing an access token (RFC 6749 §6) and deciding when to.
 *
 * @module
 */

import { type Fetch, oauthError, ProtocolError, requestJson } from "./http.ts";
import { parseTokenResponse, type TokenSet } from "./tokens.ts";

/** The server no longer accepts the refresh token (invalid_grant). */
export class RefreshRejectedError extends Error {
  constructor() {
    super("the server no longer accepts the refresh token");
    this.name = "RefreshRejectedError";
  }
}

/** What a refresh needs. */
export interface RefreshOptions {
  /** The fetch to use. */
  fetch: Fetch;
  /** The current time, epoch seconds. */
  nowSeconds: () => number;
  /** Ctrl-C. */
  signal?: AbortSignal;
  /** Time limit of the request in ms (default: the request default). */
  timeoutMs?: number;
}

/**
 * Whether an access token should be refreshed before use: it has expired,
 * or expires within 60 s or within half its lifetime, whichever is shorter.
 */
export function needsRefresh(
  tokens: Pick<TokenSet, "accessTokenIssuedAt" | "accessTokenExpiresAt">,
  nowSeconds: number,
): boolean {
  const lifetime = tokens.accessTokenExpiresAt - tokens.accessTokenIssuedAt;
  const margin = Math.min(60, lifetime / 2);
  return tokens.accessTokenExpiresAt - nowSeconds <= margin;
}

/**
 * Trades a refresh token for new tokens. Throws RefreshRejectedError when
 * the server says invalid_grant (expired, idle, revoked or reused).
 */
export async function refreshTokens(
  tokenEndpoint: string,
  clientId: string,
  refreshToken: string,
  options: RefreshOptions,
): Promise<TokenSet> {
  const { status, body } = await requestJson(tokenEndpoint, {
    fetch: options.fetch,
    what: "the token endpoint",
    form: {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: clientId,
    },
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
  if (status === 200) {
    return parseTokenResponse(body, options.nowSeconds(), refreshToken);
  }
  if (status === 400 && oauthError(body) === "invalid_grant") {
    throw new RefreshRejectedError();
  }
  throw new ProtocolError(
    `the token endpoint answered HTTP ${status} (${
      oauthError(body) ?? "no error code"
    })`,
    status,
  );
}
