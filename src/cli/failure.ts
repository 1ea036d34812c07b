/**
 * Turns what can go wrong into the one line a person reads: what failed,
 * why, and what to do next. This is the one place where the typed errors of
 * auth/, session/ and the session core meet the CLI's texts.
 *
 * @module
 */

import {
  CaFileUnusable,
  CliError,
  ConfigFileCorrupt,
  ConfigFileFailed,
  ConnectionFailure,
  DeviceCodeDenied,
  DeviceCodeExpired,
  DeviceLoginUnsupported,
  EXIT_USAGE,
  InvalidApiKey,
  NoProfile,
  ProfileNameInvalid,
  ProfileUnknown,
  ServerAnswerUnusable,
  ServerRefused,
  ServerUnreachable,
  SessionIdle,
  SessionLockFailed,
  SessionMissing,
  SessionNotSaved,
  SessionOfAnotherServer,
  SessionRevoked,
  SessionStorageFailed,
  UnsafeSessionFile,
} from "../errors.ts";
import { redact } from "../redact.ts";
import {
  API_KEY_INVALID,
  caFileUnusable,
  configFileCorrupt,
  configFileFailed,
  connectionFailed,
  connectionFailureReason,
  DEVICE_DENIED,
  DEVICE_EXPIRED,
  DEVICE_UNSUPPORTED,
  deviceLoginRefused,
  deviceTokenRefused,
  NO_PROFILE,
  noDefaultProfile,
  profileNameInvalid,
  profileUnknown,
  serverTrouble,
  serverUnreachable,
  SESSION_INVALID,
  sessionLockFailed,
  sessionNotSaved,
  sessionStorageFailed,
  unsafeSessionFile,
} from "../ui/messages.ts";
import { inert } from "../ui/terminal_text.ts";

/**
 * `error` as a CliError whose line starts with `action` ("Login failed")
 * where the line names what failed. CliErrors and anything that is not an
 * Error (an abort reason) pass as they are, and so do errors no line is
 * known for (bugs).
 */
export function asCliError(error: unknown, action: string): unknown {
  if (error instanceof CliError || !(error instanceof Error)) return error;
  const line = lineFor(error, action);
  // A bad --profile or PILOT_PROFILE name is a usage error.
  const exitCode = error instanceof ProfileNameInvalid ? EXIT_USAGE : undefined;
  return line === undefined
    ? error
    : new CliError(line, { cause: error, exitCode });
}

function lineFor(error: Error, action: string): string | undefined {
  if (
    error instanceof SessionMissing || error instanceof SessionIdle ||
    error instanceof SessionRevoked || error instanceof SessionOfAnotherServer
  ) {
    return SESSION_INVALID;
  }
  if (error instanceof NoProfile) {
    return error.known.length === 0
      ? NO_PROFILE
      : noDefaultProfile(error.known);
  }
  if (error instanceof ProfileUnknown) {
    return profileUnknown(error.profile, error.known);
  }
  if (error instanceof ProfileNameInvalid) {
    return profileNameInvalid(error.profile);
  }
  if (error instanceof ConfigFileCorrupt) {
    return configFileCorrupt(error.path, error.where, error.detail);
  }
  if (error instanceof ConfigFileFailed) {
    return configFileFailed(error.operation, error.path, error.detail);
  }
  if (error instanceof UnsafeSessionFile) {
    return unsafeSessionFile(error.path, error.kind, error.problem, error);
  }
  if (error instanceof SessionStorageFailed) {
    return sessionStorageFailed(
      error.operation,
      error.path,
      error.detail,
      error.reason,
    );
  }
  if (error instanceof SessionNotSaved) {
    return sessionNotSaved(error.session === null, error.path, error.detail);
  }
  if (error instanceof SessionLockFailed) {
    return sessionLockFailed(
      error.path,
      error.operation,
      error.detail,
      error.busy,
    );
  }
  if (error instanceof CaFileUnusable) {
    return caFileUnusable(error.path, error.reason);
  }
  if (error instanceof InvalidApiKey) return API_KEY_INVALID;
  if (error instanceof DeviceCodeDenied) return DEVICE_DENIED;
  if (error instanceof DeviceCodeExpired) return DEVICE_EXPIRED;
  if (error instanceof DeviceLoginUnsupported) return DEVICE_UNSUPPORTED;
  if (error instanceof ServerRefused) {
    if (error.endpoint === "the device authorization endpoint") {
      return deviceLoginRefused(error.status, error.error);
    }
    if (error.endpoint === "the token endpoint") {
      return deviceTokenRefused(error.status, error.error);
    }
    return serverTrouble(action, error.message);
  }
  if (error instanceof ServerUnreachable) {
    // A connection failure of a known kind (a certificate, the proxy) says
    // what to do about it instead.
    return error.cause instanceof ConnectionFailure
      ? connectionFailed(
        action,
        error.message,
        connectionFailureReason(error.cause),
      )
      : serverUnreachable(action, error.message);
  }
  if (error instanceof ServerAnswerUnusable) {
    return serverTrouble(action, error.message);
  }
  return undefined;
}

/**
 * The line shown for a failure; with PILOT_DEBUG=1 also its causes and
 * stack traces, redacted. Errors that are no CliError are bugs or surprises:
 * they get a generic line. Messages can carry server text, so every line is
 * made inert: whatever an error holds, it stays one line on the terminal.
 */
export function formatFailure(error: unknown, debug: boolean): string {
  // Typed errors that no command put words to (a store's, say) get theirs
  // here; the action is only used by server trouble, which commands word.
  const mapped = asCliError(error, "pilotcli failed");
  const line = mapped instanceof CliError
    ? mapped.message
    : error instanceof CliError
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
