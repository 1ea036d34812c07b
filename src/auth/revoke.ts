/**
 * Ending a session at the server: token revocation (RFC 7009) where the
 * realm offers it, else Keycloak's logout endpoint with the refresh token.
 *
 * @module
 */

import type { Endpoints } from "./discovery.ts";
import { type Fetch, ProtocolError, requestJson } from "./http.ts";

/** Logout waits this long at most for the server, in ms: it is best effort. */
export const REVOKE_TIMEOUT_MS = 5000;

/** What revocation needs. */
export interface RevokeOptions {
  /** The fetch to use. */
  fetch: Fetch;
  /** Ctrl-C. */
  signal?: AbortSignal;
}

/**
 * Ends the session of `refreshToken` at the server. Throws when the server
 * could not be told; the caller decides what that means.
 */
export async function revokeSession(
  endpoints: Endpoints,
  clientId: string,
  refreshToken: string,
  options: RevokeOptions,
): Promise<void> {
  const common = {
    fetch: options.fetch,
    signal: options.signal,
    timeoutMs: REVOKE_TIMEOUT_MS,
  };
  if (endpoints.revocationEndpoint) {
    // RFC 7009 §2.2: 200 also for a token that is already invalid.
    const { status } = await requestJsonOrEmpty(endpoints.revocationEndpoint, {
      ...common,
      what: "the revocation endpoint",
      form: {
        token: refreshToken,
        token_type_hint: "refresh_token",
        client_id: clientId,
      },
    });
    if (status === 200) return;
    if (!endpoints.endSessionEndpoint) {
      throw new Error(`the revocation endpoint answered HTTP ${status}`);
    }
  }
  if (!endpoints.endSessionEndpoint) {
    throw new Error("the server offers neither revocation nor logout");
  }
  // Keycloak: a POST with client_id and refresh_token ends that session.
  const { status } = await requestJsonOrEmpty(endpoints.endSessionEndpoint, {
    ...common,
    what: "the logout endpoint",
    form: { client_id: clientId, refresh_token: refreshToken },
  });
  if (status !== 200 && status !== 204) {
    throw new Error(`the logout endpoint answered HTTP ${status}`);
  }
}

/** Revocation and logout answer with an empty body: only the status counts. */
async function requestJsonOrEmpty(
  url: string,
  options: Parameters<typeof requestJson>[1],
): Promise<{ status: number }> {
  try {
    return await requestJson(url, options);
  } catch (error) {
    if (error instanceof ProtocolError) return { status: error.status };
    throw error;
  }
}
