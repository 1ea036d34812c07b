/**
 * A scriptable fake Keycloak realm on loopback, for the hostile-server suite
 * (hostile_cases.ts, hostile_test.ts). Unlike the test identity server it
 * answers whatever a case tells it to: any discovery document, hostile
 * verification links and user codes, tokens with CR/LF or 20 KiB long,
 * absurd lifetimes, OAuth errors holding escape sequences, and bodies that
 * never end or trickle a byte at a time. By default it is a well-behaved
 * realm that approves a device login at the first poll, so that a case
 * scripts only what it attacks with.
 *
 * Around it: a "foreign" server (another host or port) that answers like a
 * realm and records every request, so a test sees whether any secret went
 * there; and, for an https realm, a front on the realm's port that records
 * any connection that does not start a TLS handshake (a secret sent there
 * in cleartext).
 *
 * @module
 */

import { testPki } from "../idp/tls.ts";
import {
  CLIENT_ID,
  DEVICE_CODE_GRANT_TYPE,
  PATHS,
  REALM,
} from "../idp/server.ts";

/** The realm path, as Keycloak's: PILOT_AUTH_URL is the origin + this. */
export const REALM_PATH = `/realms/${REALM}`;

/** Where the fake realm and its neighbours are, as a case sees them. */
export interface Place {
  /** The realm's origin, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  /** PILOT_AUTH_URL: the origin and the realm path. */
  authUrl: string;
  /** The realm's host:port, as `--allow-net` and error lines name it. */
  host: string;
  /** The foreign server's origin (another host or port, plain http). */
  foreign: string;
}

/** An answer of the fake realm. */
export type Reply =
  /** A JSON body (any value, or a raw text that is meant to be JSON). */
  | { status?: number; json: unknown }
  /** A body that never ends: `prefix`, then filler as fast as it is read. */
  | { endless: string }
  /** `prefix` at once, then one byte every TRICKLE_MS, for ever. */
  | { trickle: string };

/** What a handler is told about the request it answers. */
export interface Asked {
  /** Where the realm is. */
  place: Place;
  /** The form fields of a POST (empty for a GET). */
  form: Record<string, string>;
  /** How many requests this endpoint got before this one. */
  count: number;
  /** The request path below the realm path, e.g. "/api-key/pk-1". */
  path: string;
}

/** How one endpoint answers. */
export type Handler = (asked: Asked) => Reply;

/**
 * What each endpoint answers; an endpoint left out answers as a well-behaved
 * realm does (see the defaults below).
 */
export interface Script {
  /** `GET /.well-known/openid-configuration`. */
  discovery?: Handler;
  /** `POST /protocol/openid-connect/auth/device`. */
  device?: Handler;
  /** `POST /protocol/openid-connect/token`: device polls and refreshes. */
  token?: Handler;
  /** `POST /protocol/openid-connect/revoke`. */
  revocation?: Handler;
  /** `POST /protocol/openid-connect/logout`. */
  logout?: Handler;
  /** `GET /api-key/{key}`. */
  apiKey?: Handler;
}

/** The API key the fake realm knows. */
export const REALM_API_KEY = "pk-hostile-0123456789abcdef";
/** The user code of the default device authorization. */
export const USER_CODE = "WDJB-MJHT";
/** How often a trickled body sends its next byte, in ms. */
export const TRICKLE_MS = 200;
/**
 * A safety net, not a limit under test: an endless body ends after this
 * many bytes, so that a client without a cap cannot take the machine down
 * with it (the issue saw 7.2 GB). Far above the 150 MB the test allows.
 */
const ENDLESS_SAFETY_BYTES = 512 * 1024 * 1024;
/** Likewise, a trickle ends after this long (ms), answered or not. */
const TRICKLE_SAFETY_MS = 100_000;

/** An unsigned JWT-shaped token (b64token characters only) with `claims`. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) =>
    btoa(
      String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))),
    )
      .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.${
    crypto.randomUUID().replaceAll("-", "")
  }`;
}

/** A good token response for `username`, with fresh tokens. */
export function tokenResponse(
  username = "alice",
  more: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    access_token: fakeJwt({
      preferred_username: username,
      sub: crypto.randomUUID(),
      iat: now,
      exp: now + 300,
    }),
    refresh_token: fakeJwt({ typ: "Refresh", jti: crypto.randomUUID() }),
    token_type: "Bearer",
    expires_in: 300,
    refresh_expires_in: 1800,
    ...more,
  };
}

/** The discovery document of a realm at `origin`, its endpoints at `at`. */
export function discoveryDocument(
  place: Place,
  at: Partial<Record<EndpointName, string>> = {},
): Record<string, unknown> {
  const base = place.authUrl;
  return {
    issuer: place.authUrl,
    authorization_endpoint: `${base}${PATHS.authorization}`,
    token_endpoint: at.token ?? `${base}${PATHS.token}`,
    device_authorization_endpoint: at.device ??
      `${base}${PATHS.deviceAuthorization}`,
    revocation_endpoint: at.revocation ?? `${base}${PATHS.revocation}`,
    end_session_endpoint: at.logout ?? `${base}${PATHS.logout}`,
    userinfo_endpoint: at.userinfo ?? `${base}${PATHS.userinfo}`,
    jwks_uri: `${base}${PATHS.jwks}`,
    grant_types_supported: [DEVICE_CODE_GRANT_TYPE, "refresh_token"],
  };
}

/** Endpoints a discovery document names. */
export type EndpointName =
  | "token"
  | "device"
  | "revocation"
  | "logout"
  | "userinfo";

/** A good device authorization for a realm at `place`. */
export function deviceAuthorization(
  place: Place,
  more: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    device_code: `dc-${crypto.randomUUID()}`,
    user_code: USER_CODE,
    verification_uri: `${place.authUrl}/device`,
    verification_uri_complete: `${place.authUrl}/device?user_code=${USER_CODE}`,
    expires_in: 60,
    interval: 1,
    ...more,
  };
}

const DEFAULTS: Required<Script> = {
  discovery: ({ place }) => ({ json: discoveryDocument(place) }),
  device: ({ place }) => ({ json: deviceAuthorization(place) }),
  token: ({ form }) =>
    form.client_id === CLIENT_ID
      ? { json: tokenResponse() }
      : { status: 401, json: { error: "invalid_client" } },
  revocation: () => ({ json: {} }),
  logout: () => ({ json: {} }),
  apiKey: ({ path }) =>
    path === `${PATHS.apiKey}/${REALM_API_KEY}`
      ? { json: tokenResponse() }
      : { status: 401, json: { error: "invalid_api_key" } },
};

/** One request a fake server got. */
export interface Received {
  /** `performance.now()` when it arrived. */
  at: number;
  /** The HTTP method. */
  method: string;
  /** The path, realm path included. */
  path: string;
  /** Which endpoint answered it (the foreign server says "foreign"). */
  endpoint: keyof Script | "foreign" | "unknown";
  /** The form fields of a POST. */
  form: Record<string, string>;
}

/** A running fake server. */
export interface FakeServer {
  /** Where it is. */
  origin: string;
  /** Every request it got, in order. */
  received: Received[];
  /** Stops it, ending any answer still streaming. */
  close(): Promise<void>;
}

/** A TLS identity for an https realm. */
export interface TestTls {
  /** The CA's certificate (PEM), for the CLI to trust. */
  caFile: string;
  /** The server's certificate chain (PEM). */
  cert: string;
  /** Its private key (PEM). */
  key: string;
}

/**
 * The test CA and its certificate for 127.0.0.1 (tests/idp/tls.ts, made at
 * start by `selfsigned`; nothing is checked in). The CLI trusts the CA
 * through DENO_CERT on Deno and NODE_EXTRA_CA_CERTS on Node (see
 * tlsTrustEnv).
 */
export async function makeTestTls(): Promise<TestTls> {
  const { caFile, server } = await testPki();
  return { caFile, cert: server.valid.cert, key: server.valid.key };
}

/** The environment that makes the CLI trust `tls`'s CA, on both runtimes. */
export function tlsTrustEnv(tls: TestTls): Record<string, string> {
  return { DENO_CERT: tls.caFile, NODE_EXTRA_CA_CERTS: tls.caFile };
}

/** Options of startRealm. */
export interface RealmOptions {
  /** What the endpoints answer. */
  script: Script;
  /** The foreign server's origin, for the case's documents. */
  foreign: string;
  /** Serve https with this identity (else plain http). */
  tls?: TestTls;
}

/** A running fake realm. */
export interface Realm extends FakeServer {
  /** Where it is, as handlers see it. */
  place: Place;
  /**
   * Bytes that reached the port in cleartext although the realm speaks TLS
   * (https realms only; empty otherwise): a secret sent over plain http.
   */
  cleartext: string[];
  /** Resolves once a trickled or endless answer has started. */
  streaming: Promise<void>;
}

/** Starts a fake realm on 127.0.0.1, on a port of its own. */
export function startRealm(options: RealmOptions): Realm {
  const received: Received[] = [];
  const counts = new Map<string, number>();
  const streams = new Streams();
  // Known once the server listens; no request comes before.
  const where: { place?: Place } = {};
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
    ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
  }, async (request) => {
    const url = new URL(request.url);
    const form = await formOf(request);
    const path = url.pathname.startsWith(REALM_PATH)
      ? url.pathname.slice(REALM_PATH.length)
      : url.pathname;
    const endpoint = endpointOf(request.method, path);
    received.push({
      at: performance.now(),
      method: request.method,
      path: url.pathname,
      endpoint,
      form,
    });
    if (endpoint === "unknown") return Response.json({}, { status: 404 });
    const count = counts.get(endpoint) ?? 0;
    counts.set(endpoint, count + 1);
    const handler = options.script[endpoint] ?? DEFAULTS[endpoint];
    return streams.respond(handler({ place: where.place!, form, count, path }));
  });
  let port = server.addr.port;
  let front: TlsFront | undefined;
  if (options.tls) {
    front = startTlsFront(port);
    port = front.port;
  }
  const origin = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const place: Place = where.place = {
    origin,
    authUrl: `${origin}${REALM_PATH}`,
    host: `127.0.0.1:${port}`,
    foreign: options.foreign,
  };
  return {
    origin,
    place,
    received,
    cleartext: front?.cleartext ?? [],
    streaming: streams.started,
    async close() {
      streams.end();
      front?.close();
      await server.shutdown();
      await front?.done;
    },
  };
}

/**
 * Starts the foreign server on `hostname` (127.0.0.2 is another host on
 * Linux loopback; 127.0.0.1 gives another port). It answers like a realm
 * that approves everything, so a client that talks to it goes on as if all
 * were well, and it records every request.
 */
export function startForeign(hostname: string): FakeServer {
  const received: Received[] = [];
  const server = Deno.serve({ hostname, port: 0, onListen() {} }, async (
    request,
  ) => {
    const url = new URL(request.url);
    const form = await formOf(request);
    received.push({
      at: performance.now(),
      method: request.method,
      path: url.pathname,
      endpoint: "foreign",
      form,
    });
    return Response.json(form.grant_type ? tokenResponse("mallory") : {});
  });
  return {
    origin: `http://${hostname}:${server.addr.port}`,
    received,
    close: () => server.shutdown(),
  };
}

function endpointOf(
  method: string,
  path: string,
): keyof Script | "unknown" {
  if (method === "GET" && path === PATHS.discovery) return "discovery";
  if (method === "GET" && path.startsWith(`${PATHS.apiKey}/`)) return "apiKey";
  if (method !== "POST") return "unknown";
  switch (path) {
    case PATHS.deviceAuthorization:
      return "device";
    case PATHS.token:
      return "token";
    case PATHS.revocation:
      return "revocation";
    case PATHS.logout:
      return "logout";
  }
  return "unknown";
}

async function formOf(request: Request): Promise<Record<string, string>> {
  if (request.method !== "POST") return {};
  const text = await request.text();
  return Object.fromEntries(new URLSearchParams(text));
}

/** The streamed answers of one server, so that closing it ends them. */
class Streams {
  #sleeps = new Map<ReturnType<typeof setTimeout>, () => void>();
  #ended = false;
  #onStart!: () => void;
  /** Resolves once a trickled or endless answer has started. */
  readonly started = new Promise<void>((resolve) => this.#onStart = resolve);

  /** The Response of a reply. */
  respond(reply: Reply): Response {
    const headers = { "content-type": "application/json" };
    if ("json" in reply) {
      const body = typeof reply.json === "string"
        ? reply.json
        : JSON.stringify(reply.json);
      return new Response(body, { status: reply.status ?? 200, headers });
    }
    const encoder = new TextEncoder();
    const endless = "endless" in reply;
    const filler = encoder.encode(endless ? "a".repeat(64 * 1024) : " ");
    const began = performance.now();
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        controller.enqueue(
          encoder.encode(endless ? reply.endless : reply.trickle),
        );
        this.#onStart();
      },
      pull: async (controller) => {
        if (!endless) await this.#sleep(TRICKLE_MS);
        const over = endless
          ? sent > ENDLESS_SAFETY_BYTES
          : performance.now() - began > TRICKLE_SAFETY_MS;
        if (this.#ended || over) return controller.close();
        sent += filler.length;
        controller.enqueue(filler);
      },
    });
    return new Response(stream, { headers });
  }

  /** Waits `ms`, or less if the server closes. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleeps.delete(timer);
        resolve();
      }, ms);
      this.#sleeps.set(timer, resolve);
    });
  }

  /** Ends every answer still streaming. */
  end(): void {
    this.#ended = true;
    for (const [timer, resolve] of this.#sleeps) {
      clearTimeout(timer);
      resolve();
    }
    this.#sleeps.clear();
  }
}

/** A TCP front of a TLS server that records connections in cleartext. */
interface TlsFront {
  port: number;
  cleartext: string[];
  close(): void;
  done: Promise<void>;
}

/**
 * Listens on a port of its own and passes each connection that starts a TLS
 * handshake (first byte 0x16) on to the TLS server at `tlsPort`; any other
 * connection is a client speaking plain http to an https realm: its first
 * bytes are recorded and it is closed.
 */
function startTlsFront(tlsPort: number): TlsFront {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const cleartext: string[] = [];
  const open = new Set<Deno.Conn>();
  const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
    try {
      await from.readable.pipeTo(to.writable);
    } catch {
      // Either side went away.
    }
  };
  const close = (conn: Deno.Conn | undefined) => {
    if (!conn) return;
    try {
      conn.close();
    } catch {
      // Closed by the pipe already.
    }
    open.delete(conn);
  };
  const serve = async (conn: Deno.Conn) => {
    open.add(conn);
    let upstream: Deno.Conn | undefined;
    try {
      const first = new Uint8Array(16 * 1024);
      const n = await conn.read(first);
      if (n === null) return;
      if (first[0] !== 0x16) {
        cleartext.push(new TextDecoder().decode(first.subarray(0, n)));
        return;
      }
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: tlsPort });
      open.add(upstream);
      await upstream.write(first.subarray(0, n));
      await Promise.all([pipe(conn, upstream), pipe(upstream, conn)]);
    } catch {
      // A connection that broke is no finding.
    } finally {
      close(conn);
      close(upstream);
    }
  };
  const done = (async () => {
    const serving: Promise<void>[] = [];
    try {
      for await (const conn of listener) serving.push(serve(conn));
    } catch {
      // The listener was closed.
    }
    for (const conn of [...open]) close(conn);
    await Promise.allSettled(serving);
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    cleartext,
    close: () => listener.close(),
    done,
  };
}
