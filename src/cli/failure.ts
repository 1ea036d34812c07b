/**
 * Turns what can go wrong into the one line a person reads: what failed,
 * why, and what to do next.
 *
 * @module
 */

import { CliError } from "../errors.ts";
import { redact } from "../redact.ts";
import { connectionFailed } from "../ui/messages.ts";
import { inert } from "../ui/terminal_text.ts";

// Told apart by name, not instanceof, so that this module does not load the
// network code on paths that never touch the network.
const SERVER_TROUBLE = new Set([
  "ProtocolError",
  "DiscoveryError",
  "TokenResponseError",
  "DeviceAuthorizationError",
]);

/**
 * `error` as a CliError whose line starts with `action` ("Login failed").
 * CliErrors and anything that is not an Error (an abort reason) pass as
 * they are.
 */
export function asCliError(error: unknown, action: string): unknown {
  if (error instanceof CliError || !(error instanceof Error)) return error;
  if (error.name === "NetworkError") {
    // A connection failure of a known kind (a certificate, the proxy) says
    // what to do about it instead.
    if (error.cause instanceof Error && error.cause.name === "TransportError") {
      return new CliError(
        connectionFailed(action, error.message, error.cause.message),
        { cause: error },
      );
    }
    return new CliError(
      `${action}: ${error.message}. Check your network connection and PILOT_AUTH_URL, then try again.`,
      { cause: error },
    );
  }
  if (SERVER_TROUBLE.has(error.name)) {
    return new CliError(
      `${action}: ${error.message}. Check PILOT_AUTH_URL; if it is right, the server is having trouble: try again later.`,
      { cause: error },
    );
  }
  return error;
}

/**
 * The line shown for a failure; with PILOT_DEBUG=1 also its causes and
 * stack traces, redacted. Errors that are no CliError are bugs or surprises:
 * they get a generic line. Messages can carry server text, so every line is
 * made inert: whatever an error holds, it stays one line on the terminal.
 */
export function formatFailure(error: unknown, debug: boolean): string {
  const line = error instanceof CliError
    ? error.message
    : `pilotcli failed unexpectedly: ${
      error instanceof Error ? error.message : String(error)
    }. Run again with PILOT_DEBUG=1 for details.`;
  // Redacted first: a secret is registered as it is, not as shown.
  const shown = inert(redact(line));
  if (!debug) return shown;
  const details: string[] = [];
  for (
    let cause: unknown = error;
    cause !== undefined;
    cause = cause instanceof Error ? cause.cause : undefined
  ) {
    details.push(
      cause instanceof Error ? cause.stack ?? String(cause) : String(cause),
    );
  }
  // Stack traces keep their lines; each line is made inert.
  const traces = details.map((detail) =>
    redact(detail).split("\n").map(inert).join("\n")
  );
  return [shown, ...traces].join("\ncaused by: ");
}
