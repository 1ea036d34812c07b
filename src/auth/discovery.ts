/**
 * OpenID Connect Discovery: the realm's endpoints, read from
 * `{authUrl}/.well-known/openid-configuration` and cached for a bounded time.
 *
 * @module
 */

import { ServerAnswerUnusable } from "../errors.ts";
import { endpointOffOrigin } from "./answer_details.ts";
import { type Fetch, requestJson } from "./http.ts";

/** The endpoints pilotcli uses, from the discovery document. */
export interface Endpoints {
  /** The issuer, identical to the realm URL (OIDC Discovery §4.3). */
  issuer: string;
  /** The token endpoint (RFC 6749). */
  tokenEndpoint: string;
  /** The device authorization endpoint (RFC 8628), if the realm offers one. */
  deviceAuthorizationEndpoint?: string;
  /** The revocation endpoint (RFC 7009), if any. */
  revocationEndpoint?: string;
  /** Keycloak's logout endpoint (end_session_endpoint), if any. */
  endSessionEndpoint?: string;
}

/** Where discovery documents are kept between runs. */
export interface DiscoveryCache {
  /** The cached text, or undefined. */
  read(): Promise<string | undefined>;
  /** Replaces the cached text. */
  write(text: string): Promise<void>;
}

/** How long a cached discovery document is used, in seconds. */
export const DISCOVERY_TTL_SECONDS = 3600;

/** A discovery document that lacks what pilotcli needs. */
export class DiscoveryError extends ServerAnswerUnusable {
  /** @param detail what is wrong with the document */
  constructor(detail: string) {
    super(`the discovery document is not usable: ${detail}`);
    this.name = "DiscoveryError";
  }
}

/**
 * The URL of endpoint `name`. Every endpoint pilotcli uses receives a
 * secret (a device code, a refresh token, an API key), so each must have
 * exactly the realm's origin: scheme, host and port. A document pointing
 * elsewhere is refused before anything is sent, whatever the runtime lets
 * through (Deno's --allow-net=HOST allows every port; Node has no check).
 */
function endpoint(
  doc: Record<string, unknown>,
  name: string,
  required: boolean,
  origin: string,
): string | undefined {
  const value = doc[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string") throw new DiscoveryError(`${name} is missing`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DiscoveryError(`${name} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new DiscoveryError(`${name} is not an http(s) URL`);
  }
  if (url.origin !== origin || url.username !== "" || url.password !== "") {
    throw new DiscoveryError(endpointOffOrigin(name, origin));
  }
  return url.href;
}

/** Validates a discovery document for the realm at `authUrl`. */
export function parseDiscovery(
  doc: Record<string, unknown>,
  authUrl: string,
): Endpoints {
  if (doc.issuer !== authUrl) {
    throw new DiscoveryError(
      `its issuer is not ${authUrl}`,
    );
  }
  const origin = new URL(authUrl).origin;
  return {
    issuer: authUrl,
    tokenEndpoint: endpoint(doc, "token_endpoint", true, origin)!,
    deviceAuthorizationEndpoint: endpoint(
      doc,
      "device_authorization_endpoint",
      false,
      origin,
    ),
    revocationEndpoint: endpoint(doc, "revocation_endpoint", false, origin),
    endSessionEndpoint: endpoint(doc, "end_session_endpoint", false, origin),
  };
}

/** What discovery needs. */
export interface DiscoverOptions {
  /** The fetch to use. */
  fetch: Fetch;
  /** The cache of the document, if any. */
  cache?: DiscoveryCache;
  /** The current time in epoch seconds. */
  nowSeconds: number;
  /** Ends the request early (Ctrl-C). */
  signal?: AbortSignal;
  /** Time limit of the request in ms (default: the request default). */
  timeoutMs?: number;
}

/**
 * The realm's endpoints: from the cache while it is younger than an hour and
 * made for the same realm, else from the network (and then cached).
 */
export async function discover(
  authUrl: string,
  options: DiscoverOptions,
): Promise<Endpoints> {
  const cached = await readCache(options.cache, authUrl, options.nowSeconds);
  if (cached) return cached;
  const { status, body } = await requestJson(
    `${authUrl}/.well-known/openid-configuration`,
    {
      fetch: options.fetch,
      what: "the discovery document",
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    },
  );
  if (status !== 200) {
    throw new DiscoveryError(`the server answered HTTP ${status}`);
  }
  const endpoints = parseDiscovery(body, authUrl);
  try {
    await options.cache?.write(
      JSON.stringify({ fetchedAt: options.nowSeconds, document: body }),
    );
  } catch {
    // The cache only saves a request; failing to write it is no failure.
  }
  return endpoints;
}

async function readCache(
  cache: DiscoveryCache | undefined,
  authUrl: string,
  nowSeconds: number,
): Promise<Endpoints | undefined> {
  try {
    const text = await cache?.read();
    if (!text) return undefined;
    const { fetchedAt, document } = JSON.parse(text);
    const age = nowSeconds - fetchedAt;
    if (
      typeof fetchedAt !== "number" || age < 0 || age > DISCOVERY_TTL_SECONDS
    ) {
      return undefined;
    }
    return parseDiscovery(document, authUrl);
  } catch {
    // A broken or foreign cache is simply not used.
    return undefined;
  }
}
