/**
 * Pilot's API-key exchange: `GET {authUrl}/api-key/{key}` answers a token
 * response for a key the portal issued.
 *
 * @module
 */

import { InvalidApiKey } from "../errors.ts";
import { registerSecret } from "../redact.ts";
import { type Fetch, oauthError, ProtocolError, requestJson } from "./http.ts";
import { parseTokenResponse, type TokenSet } from "./tokens.ts";

/** What the exchange needs. */
export interface ApiKeyOptions {
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
 * Exchanges an API key for tokens. An unknown key (401 or 404) is an
 * {@linkcode InvalidApiKey}.
 */
export async function exchangeApiKey(
  authUrl: string,
  apiKey: string,
  options: ApiKeyOptions,
): Promise<TokenSet> {
  // Every character but unreserved ones escaped, !'()* too (which
  // encodeURIComponent leaves): the path segment then has nothing that ends
  // redact()'s match of an API-key URL early.
  const encoded = encodeURIComponent(apiKey).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  registerSecret(apiKey);
  registerSecret(encoded);
  let answer;
  try {
    answer = await requestJson(`${authUrl}/api-key/${encoded}`, {
      fetch: options.fetch,
      what: "the API-key endpoint",
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
  } catch (error) {
    // An unknown key is an unknown key, whatever body the 401 or 404 has.
    if (error instanceof ProtocolError && isUnknownKey(error.status)) {
      throw new InvalidApiKey();
    }
    throw error;
  }
  const { status, body } = answer;
  if (isUnknownKey(status)) throw new InvalidApiKey();
  if (status !== 200) {
    // Server trouble, not a bad key: the caller words it for its command.
    throw new ProtocolError(
      `the API-key endpoint answered HTTP ${status} (${
        oauthError(body) ?? "no error code"
      })`,
      status,
    );
  }
  return parseTokenResponse(body, options.nowSeconds());
}

function isUnknownKey(status: number): boolean {
  return status === 401 || status === 404;
}
