/**
 * How pilotcli's requests reach the server on real networks: an extra CA
 * (PILOT_CA_FILE) for TLS-inspecting proxies, and HTTP(S) proxies from
 * HTTPS_PROXY, HTTP_PROXY and NO_PROXY (and their lowercase forms), with
 * the same rules on Deno and on Node.
 *
 * Without any of them the fetch is the runtime's own, untouched. With one,
 * pilotcli decides itself, by curl's rules, whether a request goes through
 * a proxy (Deno's own NO_PROXY matching knows no ports and no `*` for IP
 * addresses, undici's differs again), and makes a client for that choice:
 * on Deno with `Deno.createHttpClient`, on Node (the npm build) with the
 * factory `scripts/node_transport.ts` sets, undici's own fetch.
 *
 * @module
 */

import type { Env } from "../config.ts";
import { CaFileUnusable, ConnectionFailure } from "../errors.ts";
import type { Fetch } from "./http.ts";

/** The environment variables of the transport: the CA file, then the proxies'. */
export const TRANSPORT_ENV_VARS = [
  "PILOT_CA_FILE",
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
] as const;

/** A proxy setting and the variable it came from. */
export interface ProxySetting {
  /** The proxy URL, credentials included. */
  url: string;
  /** The variable that set it, e.g. "HTTPS_PROXY". */
  variable: string;
}

/** What the environment asks of the transport. */
export interface TransportSettings {
  /** PILOT_CA_FILE: a PEM file of CAs to trust besides the system's. */
  caFile?: string;
  /** The proxy for https URLs. */
  httpsProxy?: ProxySetting;
  /** The proxy for http URLs. */
  httpProxy?: ProxySetting;
  /** NO_PROXY: hosts reached directly. */
  noProxy: string;
}

/** What a client is made with. */
export interface ClientOptions {
  /** CA certificates (PEM) trusted besides the system's. */
  caCerts: string[];
  /** The proxy URL, credentials included; none for a direct connection. */
  proxy?: string;
}

/** Makes the fetch of one client. */
export type ClientFactory = (options: ClientOptions) => Fetch | Promise<Fetch>;

let clientFactory: ClientFactory = denoClient;

/**
 * Replaces how clients are made: the npm build sets Node's (undici), as
 * Node's own fetch knows neither proxies nor extra CAs per request.
 * Returns the one it replaced.
 */
export function setClientFactory(factory: ClientFactory): ClientFactory {
  const previous = clientFactory;
  clientFactory = factory;
  return previous;
}

function first(env: Env, names: string[]): ProxySetting | undefined {
  for (const variable of names) {
    const url = env.get(variable)?.trim();
    // "proxy:3128" means http://proxy:3128, as in curl.
    if (url) {
      return {
        url: /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`,
        variable,
      };
    }
  }
  return undefined;
}

/** Reads the transport's variables; lowercase forms win, as in curl. */
export function readTransportSettings(env: Env): TransportSettings {
  const caFile = env.get("PILOT_CA_FILE")?.trim() || undefined;
  return {
    caFile,
    httpsProxy: first(env, ["https_proxy", "HTTPS_PROXY"]),
    httpProxy: first(env, ["http_proxy", "HTTP_PROXY"]),
    noProxy: env.get("no_proxy") ?? env.get("NO_PROXY") ?? "",
  };
}

function defaultPort(url: URL): string {
  return url.port || (url.protocol === "https:" ? "443" : "80");
}

/**
 * Whether NO_PROXY sends a request to `url` directly, by curl's rules:
 * comma- or space-separated names, case-insensitive; `*` alone matches
 * every host; a name matches itself and every host under it (a leading `.`
 * or `*.` changes nothing); an IP address matches itself; `name:port`
 * matches only that port.
 */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  const port = defaultPort(url);
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return true;
    let entryPort: string | undefined;
    const bracketed = entry.match(/^\[([^\]]+)\](?::(\d+))?$/);
    if (bracketed) {
      entry = bracketed[1];
      entryPort = bracketed[2];
    } else if (/^[^:]+:\d+$/.test(entry)) {
      [entry, entryPort] = entry.split(":");
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, "").replace(/\.$/, "");
    if (entry === "") continue;
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy a request to `url` goes through, if any. */
export function proxyFor(
  url: URL,
  settings: TransportSettings,
): ProxySetting | undefined {
  const proxy = url.protocol === "https:"
    ? settings.httpsProxy
    : settings.httpProxy;
  if (!proxy || bypassesProxy(url, settings.noProxy)) return undefined;
  return proxy;
}

/** The proxy's host and port, never its credentials. */
export function proxyHost(proxy: ProxySetting): string {
  try {
    return new URL(proxy.url).host;
  } catch {
    return `(the value of ${proxy.variable})`;
  }
}

/**
 * Reads PILOT_CA_FILE: one or more PEM certificates. Throws CaFileUnusable
 * when it cannot be read or holds no certificate; never shows the file's
 * contents.
 */
export function readCaFile(path: string): string {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "there is no such file"
      : error instanceof Deno.errors.PermissionDenied
      ? "it may not be read"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : "it cannot be read";
    throw new CaFileUnusable(path, why);
  }
  if (
    !/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(text)
  ) {
    throw new CaFileUnusable(
      path,
      "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
    );
  }
  return text;
}

/**
 * Deno's client. Deno reads the proxy variables itself when a client is
 * made, and a proxy it finds there needs no --allow-net of its own, while
 * one passed in the options would: so the choice made here reaches Deno
 * through those variables, set only while the client is made.
 */
function denoClient({ caCerts, proxy }: ClientOptions): Fetch {
  const names = TRANSPORT_ENV_VARS.slice(1);
  const saved = names.map((name) => [name, Deno.env.get(name)] as const);
  let client: Deno.HttpClient;
  try {
    for (const name of names) Deno.env.delete(name);
    if (proxy) {
      Deno.env.set("HTTPS_PROXY", proxy);
      Deno.env.set("HTTP_PROXY", proxy);
    }
    client = Deno.createHttpClient({ caCerts });
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
  return (input, init) => fetch(input, { ...init, client });
}

function describeChain(error: unknown): string {
  const parts: string[] = [];
  for (
    let cause: unknown = error, depth = 0;
    cause !== undefined && depth < 8;
    cause = cause instanceof Error ? cause.cause : undefined, depth++
  ) {
    if (cause instanceof Error) {
      parts.push(cause.message);
      const code = (cause as { code?: unknown }).code;
      if (typeof code === "string") parts.push(code);
    } else parts.push(String(cause));
  }
  return parts.join(" | ");
}

/**
 * A copy of `error` and its causes without the proxy's credentials, for
 * PILOT_DEBUG=1: a runtime's message may quote the proxy URL.
 */
function withoutCredentials(
  error: unknown,
  proxy: ProxySetting | undefined,
  depth = 0,
): unknown {
  const secrets: string[] = [];
  if (proxy) {
    try {
      const { username, password } = new URL(proxy.url);
      for (const part of [username, password]) {
        if (part) secrets.push(part, decodeURIComponent(part));
      }
    } catch {
      // Not a URL: the whole value may be secret.
      secrets.push(proxy.url);
    }
  }
  const clean = (text: string) =>
    secrets.reduce((out, secret) => out.replaceAll(secret, "[redacted]"), text);
  if (!(error instanceof Error)) return clean(String(error));
  const copy = new Error(clean(error.message), {
    cause: error.cause === undefined || depth >= 5
      ? undefined
      : withoutCredentials(error.cause, proxy, depth + 1),
  });
  copy.name = error.name;
  copy.stack = clean(error.stack ?? "");
  return copy;
}

/** What went wrong on the way to `url`, if it is known. */
export function classifyFailure(
  error: unknown,
  url: URL,
  proxy: ProxySetting | undefined,
): ConnectionFailure | undefined {
  const text = describeChain(error);
  const host = url.host;
  const cause = withoutCredentials(error, proxy);
  if (
    /UnknownIssuer|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT/
      .test(text)
  ) {
    return new ConnectionFailure("unknown-ca", host, undefined, cause);
  }
  if (
    /not valid for name|NotValidForName|ERR_TLS_CERT_ALTNAME_INVALID/.test(
      text,
    )
  ) {
    return new ConnectionFailure("wrong-host", host, undefined, cause);
  }
  if (
    /certificate expired|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|NotValidYet|certificate not valid yet/i
      .test(text)
  ) {
    return new ConnectionFailure("expired-certificate", host, undefined, cause);
  }
  if (!proxy) return undefined;
  const via = { proxy: proxyHost(proxy), variable: proxy.variable };
  if (/proxy authentication required|\(407\)/i.test(text)) {
    return new ConnectionFailure("proxy-credentials", host, via, cause);
  }
  // Deno's words, then undici's ("Proxy response (502) !== 200 ...").
  if (/unsuccessful tunnel|Proxy response \(\d+\)/i.test(text)) {
    return new ConnectionFailure("proxy-tunnel-refused", host, via, cause);
  }
  if (
    /connection refused|ECONNREFUSED|dns error|ENOTFOUND|EAI_AGAIN|tcp connect error|EHOSTUNREACH|ENETUNREACH/i
      .test(text)
  ) {
    return new ConnectionFailure("proxy-unreachable", host, via, cause);
  }
  return undefined;
}

/**
 * The fetch pilotcli uses: the runtime's own when no transport variable is
 * set, else one that trusts PILOT_CA_FILE and goes through the proxy
 * NO_PROXY leaves (a client per choice, made on first use), and whose
 * connection failures are ConnectionFailures.
 */
export function transportFetch(env: Env, base: Fetch = fetch): Fetch {
  let settings: TransportSettings | undefined;
  let caCerts: string[] | undefined;
  const clients = new Map<string, Promise<Fetch>>();
  return async (input, init) => {
    settings ??= readTransportSettings(env);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const direct = !settings.caFile && !settings.httpsProxy &&
      !settings.httpProxy;
    const proxy = direct ? undefined : proxyFor(url, settings);
    let client: Promise<Fetch> | undefined;
    if (!direct) {
      caCerts ??= settings.caFile ? [readCaFile(settings.caFile)] : [];
      client = clients.get(proxy?.url ?? "");
      if (!client) {
        client = Promise.resolve(clientFactory({ caCerts, proxy: proxy?.url }));
        clients.set(proxy?.url ?? "", client);
      }
    }
    try {
      return await (client ? await client : base)(input, init);
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      throw classifyFailure(error, url, proxy) ?? error;
    }
  };
}
