/**
 * The one way pilotcli talks HTTP: every request has a timeout that covers
 * the whole answer, bodies are capped, answers are read as JSON, and
 * failures become errors that name the endpoint by what it is and at most
 * its host, never by a URL that could carry a secret.
 *
 * @module
 */

import {
  ConnectionFailure,
  ServerAnswerUnusable,
  ServerUnreachable,
} from "../errors.ts";
import { redact } from "../redact.ts";
import { answerTooLarge, answerTooSlow } from "./answer_details.ts";

/** The fetch function, injectable for tests. */
export type Fetch = typeof fetch;

/** Default limit for one request, connection and body included, in ms. */
export const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Largest answer body read, in bytes (1 MiB): every answer pilotcli expects
 * is a few KiB, so a bigger one is a broken or hostile server.
 */
export const MAX_BODY_BYTES = 1 << 20;

/**
 * A request that got no usable HTTP answer: refused, reset, timed out.
 * Thrown as {@linkcode ServerUnreachable} with the endpoint's origin.
 */
function unreachable(
  url: string,
  what: string,
  timedOut: boolean,
  cause?: unknown,
  message?: string,
): ServerUnreachable {
  const { origin, host } = new URL(url);
  return new ServerUnreachable(
    origin,
    message ??
      (timedOut
        // The host, never the URL: the API-key exchange has the key in it.
        ? `${what} at ${host} did not answer in time`
        : `${what} could not be reached`),
    timedOut,
    cause,
  );
}

/** An HTTP answer whose body is not the JSON object the protocol requires. */
export class ProtocolError extends ServerAnswerUnusable {
  /** The HTTP status of the answer. */
  readonly status: number;

  /**
   * @param message what was wrong with the answer
   * @param status the HTTP status of the answer
   */
  constructor(message: string, status: number) {
    super(message);
    this.name = "ProtocolError";
    this.status = status;
  }
}

/** An HTTP answer with its JSON object body. */
export interface JsonResponse {
  /** The HTTP status code. */
  status: number;
  /** The parsed body, always a plain object. */
  body: Record<string, unknown>;
}

/** How to make one request. */
export interface RequestOptions {
  /** The fetch to use. */
  fetch: Fetch;
  /** What the endpoint is, for messages: "the token endpoint". */
  what: string;
  /** Form fields to POST; a GET when absent. */
  form?: Record<string, string>;
  /** Ends the request early (Ctrl-C). */
  signal?: AbortSignal;
  /** Total time limit in ms, body included (default 15 s). */
  timeoutMs?: number;
}

/**
 * Sends one request and reads a JSON object answer, whatever the status.
 * Throws ServerUnreachable when no whole answer arrived in time, ProtocolError
 * when the answer is larger than {@linkcode MAX_BODY_BYTES} or not a JSON
 * object (an HTML error page, say), and the signal's reason on abort.
 */
export async function requestJson(
  url: string,
  options: RequestOptions,
): Promise<JsonResponse> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal
    ? AbortSignal.any([options.signal, timeout])
    : timeout;
  let response: Response;
  try {
    response = await options.fetch(url, {
      method: options.form ? "POST" : "GET",
      headers: {
        accept: "application/json",
        ...(options.form
          ? { "content-type": "application/x-www-form-urlencoded" }
          : {}),
      },
      body: options.form ? new URLSearchParams(options.form) : undefined,
      redirect: "error",
      signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw unreachable(url, options.what, timeout.aborted, redacted(error));
  }
  const host = new URL(url).host;
  const bytes = await readBody(response, signal, {
    tooLarge: () =>
      new ProtocolError(
        answerTooLarge(options.what, host, MAX_BODY_BYTES / 1024 / 1024),
        response.status,
      ),
    failed: (error) => {
      if (options.signal?.aborted) return options.signal.reason;
      return unreachable(
        url,
        options.what,
        timeout.aborted,
        redacted(error),
        // A connection dropped half-way is "could not be reached", as
        // before the headers; only the time limit names the host.
        timeout.aborted
          ? answerTooSlow(options.what, host, Math.ceil(timeoutMs / 1000))
          : undefined,
      );
    },
  });
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    body = undefined;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ProtocolError(
      `${options.what} answered HTTP ${response.status} without a JSON object`,
      response.status,
    );
  }
  return { status: response.status, body: body as Record<string, unknown> };
}

/**
 * The body of `response`, read chunk by chunk, at most MAX_BODY_BYTES. Each
 * read races the signal: Node 20's fetch ignores an abort once the headers
 * have arrived (an undici bug), so a trickling body would outlive the
 * timeout and Ctrl-C. On abort or overflow the stream is cancelled, not
 * awaited, since a server that trickles may never let it finish.
 */
async function readBody(
  response: Response,
  signal: AbortSignal,
  errors: { tooLarge: () => unknown; failed: (error: unknown) => unknown },
): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    response.body?.cancel().catch(() => {});
    throw errors.tooLarge();
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  // Handled below; this only keeps an abort after the last read quiet.
  aborted.catch(() => {});
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      length += value.byteLength;
      if (length > MAX_BODY_BYTES) break;
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw errors.failed(error);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  if (length > MAX_BODY_BYTES) {
    reader.cancel().catch(() => {});
    throw errors.tooLarge();
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * A copy of the error `fetch` threw, and of its causes, with secrets
 * redacted: a fetch error names the URL, and the API-key exchange has the
 * key in its URL. It stays the cause of the ServerUnreachable, which a library
 * caller may print whole.
 */
export function redacted(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return redact(String(error));
  const cause = error.cause === undefined || depth >= 5
    ? undefined
    : redacted(error.cause, depth + 1);
  // A known connection failure stays one, for the line that explains it.
  const copy = error instanceof ConnectionFailure
    ? new ConnectionFailure(
      error.kind,
      error.host,
      error.proxy === undefined
        ? undefined
        : { proxy: error.proxy, variable: error.variable! },
      cause,
    )
    : new Error(redact(error.message), cause === undefined ? {} : { cause });
  copy.name = error.name;
  copy.stack = redact(error.stack ?? "");
  return copy;
}

/** The OAuth error code of an error answer (RFC 6749 §5.2), if it has one. */
export function oauthError(body: Record<string, unknown>): string | undefined {
  return typeof body.error === "string" ? body.error : undefined;
}
