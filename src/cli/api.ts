/**
 * `pilotcli api PATH`: one request to Pilot's API with the session's token
 * (src/core/auth_fetch.ts has the rules: the API's origin only, a fresh
 * token, one retry after a 401), its body streamed to stdout as it comes.
 *
 * A body from `--input FILE` is read again from the file for the retry;
 * one from standard input (`--input -`) cannot be, so a 401 on it ends
 * with a line that says so; one from `-f` is in memory.
 *
 * @module
 */

import { REQUEST_TIMEOUT_MS } from "../auth/http.ts";
import { requireApiUrl } from "../config.ts";
import {
  type ApiRequest,
  apiTarget,
  fetchWithToken,
} from "../core/auth_fetch.ts";
import {
  CliError,
  ConnectionFailure,
  EXIT_USAGE,
  ForeignOrigin,
  ServerUnreachable,
} from "../errors.ts";
import { inert, inertJson } from "../ui/terminal_text.ts";
import {
  API_REQUEST_FAILED,
  API_STDIN_NOT_RESENT,
  API_USAGE,
  apiAnswerBrokeOff,
  apiForeignOrigin,
  apiRedirectNotFollowed,
  apiStatusLine,
  apiUnreachable,
  apiUsage,
} from "../ui/messages.ts";
import { useSession } from "./active_session.ts";
import { asCliError } from "./failure.ts";
import type { Context } from "./context.ts";
import { checkReadPermission, readCheckedSettings } from "./settings.ts";
import type { ApiFlags } from "./spec.ts";

/** Bytes read from a file per chunk of an upload. */
const CHUNK_BYTES = 64 * 1024;

function usage(detail: string): CliError {
  return new CliError(apiUsage(detail), { exitCode: EXIT_USAGE });
}

/** The headers of `-H 'Name: value'`, in order. */
function headersOf(values: readonly string[]): Headers {
  const headers = new Headers();
  for (const value of values) {
    const colon = value.indexOf(":");
    const name = value.slice(0, colon).trim();
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~\w-]+$/.test(name)) {
      throw usage(API_USAGE.headerInvalid);
    }
    try {
      headers.append(name, value.slice(colon + 1).trim());
    } catch {
      throw usage(API_USAGE.headerInvalid);
    }
  }
  return headers;
}

/** The JSON object of `-f key=value`. */
function fieldsBody(values: readonly string[]): string {
  const fields: [string, string][] = [];
  for (const value of values) {
    const equals = value.indexOf("=");
    if (equals <= 0) throw usage(API_USAGE.fieldInvalid);
    fields.push([value.slice(0, equals), value.slice(equals + 1)]);
  }
  // Own properties whatever the key (`__proto__` too); the last one wins.
  return JSON.stringify(Object.fromEntries(fields));
}

/** A file's bytes as a stream, read as they are sent. */
function fileStream(path: string): ReadableStream<Uint8Array> {
  const file = Deno.openSync(path, { read: true });
  return new ReadableStream<Uint8Array>({
    type: "bytes",
    pull(controller) {
      const chunk = new Uint8Array(CHUNK_BYTES);
      const read = file.readSync(chunk);
      if (read === null) {
        file.close();
        controller.close();
      } else {
        controller.enqueue(chunk.subarray(0, read));
      }
    },
    cancel: () => file.close(),
  });
}

/** The body of the request, and whether it can be sent again. */
function bodyOf(
  flags: ApiFlags,
  headers: Headers,
): Pick<ApiRequest, "body" | "replayable"> {
  if (flags.input !== undefined && flags.field !== undefined) {
    throw usage(API_USAGE.inputAndField);
  }
  if (flags.field !== undefined) {
    const text = fieldsBody(flags.field);
    if (!headers.has("content-type")) {
      headers.set("content-type", "application/json");
    }
    return { body: () => text, replayable: true };
  }
  const input = flags.input;
  if (input === undefined) return { replayable: true };
  if (input === "-") {
    return { body: () => Deno.stdin.readable, replayable: false };
  }
  checkReadPermission(input);
  // Opened now, so that a missing file fails before the request.
  let first: ReadableStream<Uint8Array> | undefined = fileStream(input);
  return {
    body: () => {
      const stream = first ?? fileStream(input);
      first = undefined;
      return stream;
    },
    replayable: true,
  };
}

/** Writes bytes to stdout as they come; false once its reader has gone. */
function stdoutSink(): {
  writable: WritableStream<Uint8Array>;
  closed(): boolean;
} {
  let closed = false;
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      if (closed) return;
      try {
        let bytes = chunk;
        while (bytes.length > 0) {
          bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
        }
      } catch (error) {
        // `| head -c 100`: the reader has what it wanted (see quietWhenClosed).
        if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
        closed = true;
        throw error;
      }
    },
  });
  return { writable, closed: () => closed };
}

/** Sends the request of `path` and `flags`; the answer goes to stdout. */
export async function runApi(
  ctx: Context,
  flags: ApiFlags,
  path: string | undefined,
): Promise<void> {
  if (path === undefined) throw usage(API_USAGE.pathMissing);
  const method = flags.method?.toUpperCase();
  if (method !== undefined && !/^[A-Z]+$/.test(method)) {
    throw usage(API_USAGE.methodInvalid(flags.method!));
  }
  const headers = headersOf(flags.header ?? []);
  const { auth, apiUrl: maybeApiUrl } = readCheckedSettings(ctx, {
    api: true,
    profile: flags.profile,
  });
  const apiUrl = maybeApiUrl ?? requireApiUrl(ctx.env);
  let target: URL;
  try {
    target = apiTarget(apiUrl, path);
  } catch (error) {
    if (error instanceof ForeignOrigin) {
      throw new CliError(apiForeignOrigin(error.origin, error.apiOrigin), {
        exitCode: EXIT_USAGE,
      });
    }
    throw usage(API_USAGE.pathNotAPath);
  }
  const body = bodyOf(flags, headers);
  const verb = method ?? (body.body ? "POST" : "GET");
  const { response, notResent, foreignRedirect } = await fetchWithToken(
    {
      token: async (rejected) =>
        (await useSession(ctx, {
          fresh: true,
          rejected,
          profile: flags.profile,
        })).session.accessToken,
      fetch: ctx.fetch,
      apiUrl,
      signal: ctx.signal,
      timeoutMs: auth.httpTimeoutMs ?? REQUEST_TIMEOUT_MS,
    },
    target,
    { method: verb, headers, ...body },
  ).catch((error) => {
    // The API's own trouble names PILOT_API_URL; the realm's (a refresh),
    // and a known connection failure (a certificate), get their lines.
    if (
      error instanceof ServerUnreachable && error.url === target.origin &&
      !(error.cause instanceof ConnectionFailure)
    ) {
      throw new CliError(apiUnreachable(error.message), { cause: error });
    }
    throw asCliError(error, API_REQUEST_FAILED);
  });
  if (flags.include) {
    const lines = [`HTTP ${response.status} ${response.statusText}`];
    response.headers.forEach((value, name) => lines.push(`${name}: ${value}`));
    ctx.stdout.write(`${lines.map(inert).join("\n")}\n\n`);
  }
  const json = /\bjson\b/i.test(response.headers.get("content-type") ?? "");
  if (json && ctx.stdout.isTerminal?.()) {
    // For a person: indented, and nothing in it acts on the terminal.
    const text = await response.text();
    let shown: string;
    try {
      shown = inertJson(JSON.parse(text));
    } catch {
      shown = inert(text);
    }
    ctx.stdout.write(`${shown}\n`);
  } else if (response.body) {
    const sink = stdoutSink();
    try {
      await response.body.pipeTo(sink.writable, { signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (!sink.closed()) {
        throw new CliError(apiAnswerBrokeOff(target.origin), { cause: error });
      }
    }
  }
  if (response.status < 200 || response.status > 299) {
    throw new CliError(
      apiStatusLine(
        response.status,
        response.statusText,
        verb,
        target.pathname,
        notResent
          ? API_STDIN_NOT_RESENT
          : foreignRedirect === undefined
          ? undefined
          : apiRedirectNotFollowed(foreignRedirect),
      ),
    );
  }
}

/** The entry of `api` that main runs with the parsed flags. */
export async function apiCommand(
  this: Context,
  flags: ApiFlags,
  path?: string,
): Promise<void> {
  await runApi(this, flags, path);
}
