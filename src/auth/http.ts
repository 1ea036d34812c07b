/**
 * The one way pilotcli talks HTTP: every request has a timeout, answers are
 * read as JSON, and failures become errors that name the endpoint by what it
 * is, never by a URL that could carry a secret.
 *
 * @module
 */

import { redact } from "../redact.ts";

/** The fetch function, injectable for tests. */
export type Fetch = typeof fetch;

/** Default limit for one request, connection and body included, in ms. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** A request that got no usable HTTP answer: refused, reset, timed out. */
export class NetworkError extends Error {
  /** Whether the request ran into its timeout. */
  readonly timedOut: boolean;

  /**
   * @param what what was asked, e.g. "the token endpoint"
   * @param timedOut whether the timeout ended the request
   * @param cause the underlying error
   */
  constructor(what: string, timedOut: boolean, cause?: unknown) {
    super(
      timedOut
        ? `${what} did not answer in time`
        : `${what} could not be reached`,
      { cause },
    );
    this.name = "NetworkError";
    this.timedOut = timedOut;
  }
}

/** An HTTP answer whose body is not the JSON object the protocol requires. */
export class ProtocolError extends Error {
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
  /** Total time limit in ms (default 15 s). */
  timeoutMs?: number;
}

/**
 * Sends one request and reads a JSON object answer, whatever the status.
 * Throws NetworkError when no answer arrived, ProtocolError when the answer
 * is not a JSON object (an HTML error page, say).
 */
export async function requestJson(
  url: string,
  options: RequestOptions,
): Promise<JsonResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS);
  const signal = options.signal
    ? AbortSignal.any([options.signal, timeout])
    : timeout;
  let response: Response;
  let text: string;
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
    text = await response.text();
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw new NetworkError(options.what, timeout.aborted, redacted(error));
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
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
 * A copy of the error `fetch` threw, and of its causes, with secrets
 * redacted: a fetch error names the URL, and the API-key exchange has the
 * key in its URL. It stays the cause of the NetworkError, which a library
 * caller may print whole.
 */
function redacted(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return redact(String(error));
  const copy = error.cause === undefined || depth >= 5
    ? new Error(redact(error.message))
    : new Error(redact(error.message), {
      cause: redacted(error.cause, depth + 1),
    });
  copy.name = error.name;
  copy.stack = redact(error.stack ?? "");
  return copy;
}

/** The OAuth error code of an error answer (RFC 6749 §5.2), if it has one. */
export function oauthError(body: Record<string, unknown>): string | undefined {
  return typeof body.error === "string" ? body.error : undefined;
}
