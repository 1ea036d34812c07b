/**
 * Turns what can go wrong while talking to the identity server into the one
 * line a person reads: what failed, why, and what to do next.
 *
 * @module
 */

import { CliError } from "../errors.ts";

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
