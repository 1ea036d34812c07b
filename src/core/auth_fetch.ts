/**
 * Requests to Pilot's API with the session's access token, the one policy
 * under both `pilotcli api` and the library's `authFetch`:
 *
 * - the token goes only to the API URL's origin: another origin is refused
 *   ({@linkcode ForeignOrigin}) and redirects are followed here, by hand,
 *   only within that origin; a redirect elsewhere is returned as it is;
 * - the token is fresh (the caller's `token` refreshes it near expiry under
 *   the session lock); on a 401 it is refreshed once and the request sent
 *   once more, when its body can be sent again;
 * - bodies stream both ways, never capped (they are the user's data);
 * - the time limit (PILOT_HTTP_TIMEOUT) covers connecting and waiting for
 *   the answer's headers, and each stall of an upload; once the headers are
 *   in, the body may take as long as it takes.
 *
 * @module
 */

import { type Fetch, redacted } from "../auth/http.ts";
import { ForeignOrigin, ServerUnreachable } from "../errors.ts";

/** What the authenticated fetch works with. */
export interface AuthFetchDeps {
  /**
   * A fresh access token; given `rejected`, the token the API refused, one
   * that is not it (refreshed under the session lock when still stored).
   */
  token(rejected?: string): Promise<string>;
  /** The network. */
  fetch: Fetch;
  /** The API URL, without a trailing slash. */
  apiUrl: string;
  /** Ends the request (Ctrl-C, the caller's signal). */
  signal: AbortSignal;
  /** Time limit in ms to connect and get the headers, and of each upload stall. */
  timeoutMs: number;
}

/** One request to the API. */
export interface ApiRequest {
  /** The HTTP method. */
  method: string;
  /** The headers, without Authorization (it is set here). */
  headers: Headers;
  /**
   * The body of each attempt: called once per attempt when `replayable`,
   * at most once otherwise.
   */
  body?: () => BodyInit | null;
  /** Whether `body` can make the body again (a file reopened, bytes in memory). */
  replayable: boolean;
}

/** The API's answer. */
export interface ApiAnswer {
  /** The answer, its body not read. */
  response: Response;
  /** A 401 that was not retried because the body could not be sent again. */
  notResent: boolean;
  /** The origin of a redirect that was not followed because it is another. */
  foreignRedirect?: string;
}

/** Redirects followed within the API's origin before the answer is returned as it is. */
const MAX_REDIRECTS = 10;

/**
 * The URL of `input` at the API: a path starting with `/` is joined to the
 * API URL; an absolute URL must be of the API's origin.
 *
 * @throws {ForeignOrigin} for an absolute URL of another origin
 * @throws {TypeError} when `input` is neither
 */
export function apiTarget(apiUrl: string, input: string | URL): URL {
  const api = new URL(apiUrl);
  if (typeof input === "string" && input.startsWith("/")) {
    // "//host/x" is a URL of another host, not a path.
    if (input.startsWith("//")) {
      const url = new URL(input, api);
      throw new ForeignOrigin(url.origin, api.origin);
    }
    return new URL(`${apiUrl}${input}`);
  }
  const url = new URL(input);
  if (url.origin !== api.origin) {
    throw new ForeignOrigin(url.origin, api.origin);
  }
  return url;
}

/**
 * Sends `request` to `target` (see {@linkcode apiTarget}) with the token,
 * under the rules of the module doc.
 *
 * @throws {ServerUnreachable} when no answer's headers arrived in time
 */
export async function fetchWithToken(
  deps: AuthFetchDeps,
  target: URL,
  request: ApiRequest,
): Promise<ApiAnswer> {
  const origin = new URL(deps.apiUrl).origin;
  let token = await deps.token();
  let url = target;
  let method = request.method;
  let body = request.body;
  let bodyUsed = false;
  let retried = false;
  for (let hops = 0;; hops++) {
    const headers = new Headers(request.headers);
    headers.set("authorization", `Bearer ${token}`);
    // A redirect that dropped the body drops what described it.
    if (body === undefined && request.body !== undefined) {
      headers.delete("content-type");
    }
    const sent = body?.() ?? null;
    if (sent !== null) bodyUsed = true;
    const response = await send(deps, url, method, headers, sent);
    const resendable = body === undefined || request.replayable || !bodyUsed;
    if (response.status === 401 && !retried) {
      if (!resendable) return { response, notResent: true };
      retried = true;
      await response.body?.cancel().catch(() => {});
      token = await deps.token(token);
      continue;
    }
    const location = response.headers.get("location");
    if (!isRedirect(response.status) || location === null) {
      return { response, notResent: false };
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return { response, notResent: false };
    }
    // Elsewhere, the caller decides (without the token); in circles, stop.
    if (next.origin !== origin) {
      return { response, notResent: false, foreignRedirect: next.origin };
    }
    if (hops >= MAX_REDIRECTS) return { response, notResent: false };
    if (
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) &&
        method === "POST")
    ) {
      // As browsers and curl do: the body is dropped and a GET follows.
      if (method !== "HEAD") method = "GET";
      body = undefined;
    } else if (!resendable) {
      return { response, notResent: false };
    }
    await response.body?.cancel().catch(() => {});
    url = next;
  }
}

/** Whether `error` or one of its causes says a redirect stopped the request. */
function mentionsRedirect(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (/redirect/i.test(e.message)) return true;
    e = e.cause;
  }
  return false;
}

function isRedirect(status: number): boolean {
  return [301, 302, 303, 307, 308].includes(status);
}

/**
 * One attempt. The timer runs while connecting and waiting for the
 * headers; while an upload streams it restarts at each chunk, so that it
 * ends a stall and never a long upload.
 */
async function send(
  deps: AuthFetchDeps,
  url: URL,
  method: string,
  headers: Headers,
  body: BodyInit | null,
): Promise<Response> {
  const timer = new AbortController();
  let handle: ReturnType<typeof setTimeout> | undefined;
  // Once the headers are in, the timer is over for good.
  let answered = false;
  const disarm = () => clearTimeout(handle);
  const arm = () => {
    disarm();
    if (!answered) handle = setTimeout(() => timer.abort(), deps.timeoutMs);
  };
  let sent = body;
  if (body instanceof ReadableStream) {
    const reader = (body as ReadableStream<Uint8Array>).getReader();
    sent = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // Reading the source (a slow stdin) is no stall of the server.
        disarm();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
        arm();
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }
  const streamed = sent instanceof ReadableStream;
  arm();
  try {
    return await deps.fetch(url, {
      method,
      headers,
      body: sent,
      // Any other mode has Node's fetch (undici) copy the request, which
      // tees a stream body and keeps the whole upload in memory; a streamed
      // body could not follow a redirect anyway.
      redirect: streamed ? "error" : "manual",
      signal: AbortSignal.any([deps.signal, timer.signal]),
      // Node's fetch sends a stream only half-duplex, and says so.
      ...(streamed ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (error) {
    if (deps.signal.aborted) throw deps.signal.reason;
    throw new ServerUnreachable(
      url.origin,
      timer.signal.aborted
        ? `the API at ${url.host} did not answer in time`
        : streamed && mentionsRedirect(error)
        ? "the API answered a streamed body with a redirect, which it cannot follow"
        : "the API could not be reached",
      timer.signal.aborted,
      redacted(error),
    );
  } finally {
    answered = true;
    disarm();
  }
}
