/**
 * A loopback HTTP/1.1 proxy in front of the test identity server that
 * misbehaves on demand: it refuses connections (its port closed), accepts a
 * request and never answers, drops an answer half-way, answers 500 with an
 * HTML page, answers invalid JSON, answers JSON without the fields the
 * protocol requires, or answers `slow_down` to everything.
 *
 * In `pass` mode it forwards every request to the server and rewrites the
 * server's origin to its own in every answer (the discovery document's
 * issuer and endpoints, the verification URI, redirects), so the CLI talks
 * to the proxy only: pilotcli's `--allow-net` covers the proxy's host:port
 * and nothing else, and its issuer check wants the issuer to be
 * PILOT_AUTH_URL, the proxy's origin + `/realms/pilot`.
 *
 * Each answer goes on a connection of its own (`connection: close`), so a
 * fault takes effect from the next request on.
 *
 * The port is taken below the kernel's ephemeral range, from a band of its
 * own per `slot`, so that while a proxy refuses (its listener closed) no
 * other server of the test run can be handed the same port by `port: 0`.
 *
 * @module
 */

import { STATUS_CODES } from "node:http";

/** What the proxy does with the requests it gets. */
export type Fault =
  | "pass"
  | "refuse"
  | "hang"
  | "drop"
  | "html500"
  | "bad_json"
  | "missing_fields"
  | "slow_down";

/** Every fault, in the order the documentation lists them. */
export const FAULTS = [
  "refuse",
  "hang",
  "drop",
  "html500",
  "bad_json",
  "missing_fields",
  "slow_down",
] as const satisfies readonly Fault[];

/**
 * The fields `missing_fields` removes from JSON answers: the one field each
 * answer cannot do without (discovery, token, device authorization).
 */
export const REQUIRED_FIELDS = [
  "token_endpoint",
  "access_token",
  "device_code",
];

/** Answer fields and form fields whose values are secrets. */
const SECRET_FIELDS = [
  "access_token",
  "refresh_token",
  "id_token",
  "device_code",
  "token",
];

/** One request the proxy got. */
export interface ProxiedRequest {
  /** The HTTP method. */
  method: string;
  /** The request target, e.g. "/realms/pilot/protocol/openid-connect/token". */
  path: string;
  /** The grant_type of a form POST, if any. */
  grantType?: string;
  /** What the proxy did with it. */
  fault: Fault;
  /** The status of the answer sent (or of the server's answer, for `drop`). */
  status?: number;
}

/** What a hook sees of a request. */
export interface RequestInfo {
  /** The HTTP method. */
  method: string;
  /** The request target. */
  path: string;
  /** The posted form, if it is one. */
  form?: URLSearchParams;
}

/** Ways for a test to act at precise moments of an exchange. */
export interface ProxyHooks {
  /**
   * A request arrived and is about to be forwarded (modes that forward).
   * Returning false closes the connection without forwarding it.
   */
  onRequest?: (
    request: RequestInfo,
  ) => Promise<boolean | void> | boolean | void;
  /** The server answered; the answer is about to be relayed. */
  onAnswer?: (request: RequestInfo, status: number) => Promise<void> | void;
  /** The answer was relayed to the client. */
  onRelayed?: (request: RequestInfo, status: number) => Promise<void> | void;
}

/** Options of {@linkcode startFaultProxy}. */
export interface FaultProxyOptions {
  /**
   * Which band of ports to use (0..9): proxies of different test files
   * should use different slots. Default 0.
   */
  slot?: number;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: the proxy's origin. */
  readonly origin: string;
  /** Every request it got. */
  readonly requests: ProxiedRequest[];
  /** Every secret value it saw pass (tokens, device codes, API keys). */
  readonly secrets: Set<string>;
  /** The hooks; may be replaced at any time. */
  hooks: ProxyHooks;
  /** Switches to another fault; resolves when it is in force. */
  setFault(fault: Fault): Promise<void>;
  /** `text` with the server's origin replaced by the proxy's. */
  rewrite(text: string): string;
  /** `text` with the proxy's origin replaced by the server's. */
  unrewrite(text: string): string;
  /** Stops listening and closes every connection, hanging ones included. */
  close(): Promise<void>;
}

/** Largest request head or body read. */
const REQUEST_LIMIT = 1 << 20;
/** Ports per slot. */
const SLOT_SIZE = 1000;

const HTML_500 = `<!DOCTYPE html>
<html><head><title>500 Internal Server Error</title></head>
<body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>
`;

/**
 * Starts a proxy in front of `target` (an origin, e.g. `idp`'s
 * `http://127.0.0.1:PORT`), on 127.0.0.1.
 */
export function startFaultProxy(
  target: string,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const targetOrigin = new URL(target).origin;
  const slot = options.slot ?? 0;
  if (!Number.isInteger(slot) || slot < 0 || slot > 9) {
    throw new RangeError("slot must be a whole number from 0 to 9");
  }
  const { listener, port } = listenInBand(slot);
  const origin = `http://127.0.0.1:${port}`;
  const requests: ProxiedRequest[] = [];
  const secrets = new Set<string>();
  const connections = new Set<Deno.Conn>();
  const inFlight = new Set<Promise<void>>();
  let current: Deno.Listener | undefined = listener;
  let fault: Fault = "pass";
  let closed = false;
  let releaseHanging!: () => void;
  const hanging = new Promise<void>((resolve) => releaseHanging = resolve);

  const rewrite = (text: string) => text.replaceAll(targetOrigin, origin);
  const unrewrite = (text: string) => text.replaceAll(origin, targetOrigin);
  const remember = (value: unknown) => {
    if (typeof value === "string" && value.length >= 8) secrets.add(value);
  };

  const accept = async (l: Deno.Listener) => {
    try {
      for await (const conn of l) {
        if (closed) {
          conn.close();
          continue;
        }
        connections.add(conn);
        const served = serve(conn).catch(() => {
          // The server behind went away, or the client did: nothing to do.
        }).finally(() => {
          connections.delete(conn);
          inFlight.delete(served);
          try {
            conn.close();
          } catch {
            // Already closed.
          }
        });
        inFlight.add(served);
      }
    } catch {
      // The listener was closed.
    }
  };

  const serve = async (conn: Deno.Conn) => {
    let request: RawRequest | undefined;
    try {
      request = await readRequest(conn);
    } catch {
      return;
    }
    if (!request) return;
    const form = formOf(request);
    const entry: ProxiedRequest = {
      method: request.method,
      path: request.path,
      fault,
      ...(form?.get("grant_type")
        ? { grantType: form.get("grant_type")! }
        : {}),
    };
    requests.push(entry);
    for (const name of SECRET_FIELDS) remember(form?.get(name));
    const apiKey = request.path.match(/\/api-key\/([^/?#]+)/)?.[1];
    if (apiKey) {
      remember(apiKey);
      remember(safeDecode(apiKey));
    }
    const info: RequestInfo = {
      method: request.method,
      path: request.path,
      ...(form ? { form } : {}),
    };
    const send = async (answer: Answer) => {
      entry.status = answer.status;
      await writeAll(conn, encodeAnswer(answer));
    };
    switch (entry.fault) {
      case "refuse":
        // Accepted just before the port closed: as good as refused.
        return;
      case "hang":
        await hanging;
        return;
      case "html500":
        return await send(answerOf(500, "text/html; charset=utf-8", HTML_500));
      case "bad_json":
        return await send(answerOf(
          200,
          "application/json",
          `{"issuer": "${origin}/realms/pilot", "token_endpoint": "${origin}/realms/pilot/protocol/openid-co`,
        ));
      case "slow_down":
        return await send(answerOf(
          400,
          "application/json",
          JSON.stringify({
            error: "slow_down",
            error_description: "Slow down: poll less often",
          }),
        ));
    }
    // pass, drop, missing_fields: ask the server.
    if (await hooks().onRequest?.(info) === false) return;
    const answer = await forward(targetOrigin, request);
    entry.status = answer.status;
    let body = answer.body;
    if (isText(answer.headers)) {
      let text = new TextDecoder().decode(body);
      const json = parseObject(text);
      if (json) {
        for (const name of SECRET_FIELDS) remember(json[name]);
        if (entry.fault === "missing_fields") {
          for (const name of REQUIRED_FIELDS) delete json[name];
          text = JSON.stringify(json);
        }
      }
      body = new TextEncoder().encode(rewrite(text));
    }
    const location = answer.headers.get("location");
    if (location) answer.headers.set("location", rewrite(location));
    await hooks().onAnswer?.(info, answer.status);
    const bytes = encodeAnswer({ ...answer, body });
    if (entry.fault === "drop") {
      // Half the body, or half the head when there is no body.
      const head = bytes.length - body.length;
      const cut = body.length > 1
        ? head + Math.floor(body.length / 2)
        : Math.floor(head / 2);
      await writeAll(conn, bytes.subarray(0, cut));
      return;
    }
    await writeAll(conn, bytes);
    await hooks().onRelayed?.(info, answer.status);
  };

  const proxy: FaultProxy = {
    origin,
    requests,
    secrets,
    hooks: {},
    async setFault(next) {
      if (closed) throw new Error("the fault proxy is closed");
      if (next === "refuse" && current) {
        current.close();
        current = undefined;
      } else if (next !== "refuse" && !current) {
        current = await relisten(port);
        accept(current);
      }
      fault = next;
    },
    rewrite,
    unrewrite,
    async close() {
      if (closed) return;
      closed = true;
      current?.close();
      current = undefined;
      releaseHanging();
      for (const conn of connections) {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }
      await Promise.allSettled([...inFlight]);
    },
  };
  const hooks = () => proxy.hooks;
  accept(listener);
  return Promise.resolve(proxy);
}

/**
 * Ports this process's proxies have had. A refusing proxy has closed its
 * port but still owns it: another proxy of the same test file drawing that
 * port would answer in its place (seen: a refused device authorization that
 * went through). So a port is never drawn twice.
 */
const TAKEN = new Set<number>();

/** Listens on a free port of the slot's band, below the ephemeral range. */
function listenInBand(slot: number): { listener: Deno.Listener; port: number } {
  const top = ephemeralLow() - 1 - slot * SLOT_SIZE;
  const bottom = top - SLOT_SIZE + 1;
  if (bottom < 1024) throw new Error("no room for fault proxy ports");
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = bottom + Math.floor(Math.random() * SLOT_SIZE);
    if (TAKEN.has(port)) continue;
    try {
      const listener = Deno.listen({ hostname: "127.0.0.1", port });
      TAKEN.add(port);
      return { listener, port };
    } catch (err) {
      if (!(err instanceof Deno.errors.AddrInUse)) throw err;
    }
  }
  throw new Error(`no free port in ${bottom}..${top}`);
}

/** The lowest port the kernel hands out for `port: 0`. */
function ephemeralLow(): number {
  try {
    const text = Deno.readTextFileSync(
      "/proc/sys/net/ipv4/ip_local_port_range",
    );
    const low = Number(text.trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 12_000) return low;
  } catch {
    // Not Linux: IANA's dynamic range starts at 49152.
  }
  return 49152;
}

/** Listens again on a port this proxy closed a moment ago. */
async function relisten(port: number): Promise<Deno.Listener> {
  for (let attempt = 0;; attempt++) {
    try {
      return Deno.listen({ hostname: "127.0.0.1", port });
    } catch (err) {
      if (!(err instanceof Deno.errors.AddrInUse) || attempt >= 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

interface RawRequest {
  method: string;
  path: string;
  headers: Headers;
  body: Uint8Array;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

function answerOf(status: number, type: string, text: string): Answer {
  return {
    status,
    headers: new Headers({ "content-type": type, "cache-control": "no-store" }),
    body: new TextEncoder().encode(text),
  };
}

/** Reads one HTTP/1.1 request: head, then a content-length or chunked body. */
async function readRequest(conn: Deno.Conn): Promise<RawRequest | undefined> {
  let buffer = new Uint8Array(0);
  const more = async () => {
    const chunk = new Uint8Array(16 * 1024);
    const n = await conn.read(chunk);
    if (n === null) return false;
    const next = new Uint8Array(buffer.length + n);
    next.set(buffer);
    next.set(chunk.subarray(0, n), buffer.length);
    buffer = next;
    if (buffer.length > REQUEST_LIMIT) throw new Error("request too large");
    return true;
  };
  let headEnd: number;
  while ((headEnd = indexOf(buffer, "\r\n\r\n")) < 0) {
    if (!await more()) return undefined;
  }
  const lines = new TextDecoder().decode(buffer.subarray(0, headEnd)).split(
    "\r\n",
  );
  const [method, path] = lines[0].split(" ");
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
  }
  const rest = () => buffer.subarray(headEnd + 4);
  let body: Uint8Array;
  if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) {
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      let lineEnd;
      while ((lineEnd = indexOf(rest().subarray(offset), "\r\n")) < 0) {
        if (!await more()) return undefined;
      }
      const size = parseInt(
        new TextDecoder().decode(
          rest().subarray(offset, offset + lineEnd),
        ),
        16,
      );
      offset += lineEnd + 2;
      while (rest().length < offset + size + 2) {
        if (!await more()) return undefined;
      }
      if (size === 0) break;
      parts.push(rest().slice(offset, offset + size));
      offset += size + 2;
    }
    body = concat(parts);
  } else {
    const length = Number(headers.get("content-length") ?? 0);
    while (rest().length < length) {
      if (!await more()) return undefined;
    }
    body = rest().slice(0, length);
  }
  return { method, path, headers, body };
}

function formOf(request: RawRequest): URLSearchParams | undefined {
  const type = request.headers.get("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) return undefined;
  return new URLSearchParams(new TextDecoder().decode(request.body));
}

/** Sends the request to the server and reads its whole answer. */
async function forward(target: string, request: RawRequest): Promise<Answer> {
  const headers = new Headers();
  for (const [name, value] of request.headers) {
    if (!HOP_BY_HOP.has(name)) headers.set(name, value);
  }
  const response = await fetch(`${target}${request.path}`, {
    method: request.method,
    headers,
    body: request.method === "GET" || request.method === "HEAD"
      ? undefined
      : new Uint8Array(request.body),
    redirect: "manual",
  });
  const body = new Uint8Array(await response.arrayBuffer());
  const out = new Headers();
  for (const [name, value] of response.headers) {
    if (!HOP_BY_HOP.has(name) && name !== "content-encoding") {
      out.append(name, value);
    }
  }
  return { status: response.status, headers: out, body };
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "host",
  "upgrade",
]);

function encodeAnswer(answer: Answer): Uint8Array {
  const reason = STATUS_CODES[answer.status] ?? "Unknown";
  let head = `HTTP/1.1 ${answer.status} ${reason}\r\n`;
  for (const [name, value] of answer.headers) {
    if (!HOP_BY_HOP.has(name)) head += `${name}: ${value}\r\n`;
  }
  head += `content-length: ${answer.body.length}\r\nconnection: close\r\n\r\n`;
  return concat([new TextEncoder().encode(head), answer.body]);
}

function isText(headers: Headers): boolean {
  return /json|html|text/i.test(headers.get("content-type") ?? "");
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  try {
    for (let written = 0; written < bytes.length;) {
      written += await conn.write(bytes.subarray(written));
    }
  } catch {
    // The client went away (killed, timed out): nothing to tell it.
  }
}

function indexOf(haystack: Uint8Array, needle: string): number {
  const bytes = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + bytes.length <= haystack.length; i++) {
    for (let j = 0; j < bytes.length; j++) {
      if (haystack[i + j] !== bytes[j]) continue outer;
    }
    return i;
  }
  return -1;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
