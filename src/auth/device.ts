/**
 * The OAuth 2.0 Device Authorization Grant (RFC 8628): ask for a device
 * code, then poll the token endpoint until the person has approved.
 *
 * @module
 */

import { CliError } from "../errors.ts";
import { DEVICE_DENIED, DEVICE_EXPIRED } from "../ui/messages.ts";
import {
  type Fetch,
  NetworkError,
  oauthError,
  ProtocolError,
  requestJson,
} from "./http.ts";
import { parseTokenResponse, type TokenSet } from "./tokens.ts";

/** The grant type of a device code token request (RFC 8628 §3.4). */
export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** A device authorization response (RFC 8628 §3.2). */
export interface DeviceAuthorization {
  /** The device code, sent back when polling. */
  deviceCode: string;
  /** The code the person enters. */
  userCode: string;
  /** Where the person goes. */
  verificationUri: string;
  /** The same, with the user code in it, if the server sends one. */
  verificationUriComplete?: string;
  /** Lifetime of the codes, in seconds. */
  expiresIn: number;
  /** Seconds to wait between polls (5 when the server says nothing). */
  interval: number;
}

/** A clock that tests can drive. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits `ms`; rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** What the device flow needs. */
export interface DeviceFlowOptions {
  /** The fetch to use. */
  fetch: Fetch;
  /** The clock. */
  clock: Clock;
  /** Ctrl-C. */
  signal?: AbortSignal;
}

/** A device authorization response that lacks what RFC 8628 §3.2 requires. */
export class DeviceAuthorizationError extends Error {
  /** @param detail which field is missing or wrong (never its value) */
  constructor(detail: string) {
    super(`the device authorization response is not usable: ${detail}`);
    this.name = "DeviceAuthorizationError";
  }
}

/** Longest device code lifetime believed, in seconds: a bigger one is a broken server. */
const MAX_LIFETIME_SECONDS = 3600;
/** Shortest poll interval honoured, in seconds, whatever the server says. */
const MIN_INTERVAL_SECONDS = 0.1;

/** Validates a device authorization response. */
export function parseDeviceAuthorization(
  body: Record<string, unknown>,
): DeviceAuthorization {
  const text = (name: string, required: boolean) => {
    const value = body[name];
    if (value === undefined && !required) return undefined;
    if (typeof value !== "string" || value === "") {
      throw new DeviceAuthorizationError(`${name} is missing`);
    }
    return value;
  };
  const expiresIn = body.expires_in;
  if (
    typeof expiresIn !== "number" || !Number.isFinite(expiresIn) ||
    expiresIn <= 0
  ) {
    throw new DeviceAuthorizationError("expires_in is missing");
  }
  const interval = body.interval;
  return {
    deviceCode: text("device_code", true)!,
    userCode: text("user_code", true)!,
    verificationUri: text("verification_uri", true)!,
    verificationUriComplete: text("verification_uri_complete", false),
    expiresIn: Math.min(expiresIn, MAX_LIFETIME_SECONDS),
    // RFC 8628 §3.2: "If no value is provided, clients MUST use 5".
    interval: typeof interval === "number" && Number.isFinite(interval) &&
        interval > 0
      ? Math.max(interval, MIN_INTERVAL_SECONDS)
      : 5,
  };
}

/** Asks the device authorization endpoint for a device code. */
export async function requestDeviceAuthorization(
  endpoint: string,
  clientId: string,
  options: DeviceFlowOptions,
): Promise<DeviceAuthorization> {
  const { status, body } = await requestJson(endpoint, {
    fetch: options.fetch,
    what: "the device authorization endpoint",
    form: { client_id: clientId, scope: "openid" },
    signal: options.signal,
  });
  if (status !== 200) {
    const error = oauthError(body) ?? `HTTP ${status}`;
    throw new CliError(
      `Failed to log in using "device-code" method: the server refused to start a device login (${error}). Check PILOT_AUTH_URL and PILOT_CLIENT_ID.`,
    );
  }
  return parseDeviceAuthorization(body);
}

/** Longest wait after network failures in a row, in seconds. */
const MAX_BACKOFF_SECONDS = 60;

/**
 * Polls the token endpoint as RFC 8628 §3.4 and §3.5 say, until tokens
 * arrive, the person denies, or the device code expires. Network errors and
 * 5xx answers keep polling, backing off, until the code's lifetime is over.
 */
export async function pollForTokens(
  tokenEndpoint: string,
  clientId: string,
  authorization: DeviceAuthorization,
  options: DeviceFlowOptions,
): Promise<TokenSet> {
  const { clock } = options;
  const deadline = clock.now() + authorization.expiresIn * 1000;
  let interval = authorization.interval;
  let wait = interval;
  for (;;) {
    const remaining = deadline - clock.now();
    if (remaining <= 0) throw new CliError(DEVICE_EXPIRED);
    await clock.sleep(Math.min(wait * 1000, remaining), options.signal);
    if (clock.now() >= deadline) throw new CliError(DEVICE_EXPIRED);
    let answer;
    try {
      answer = await requestJson(tokenEndpoint, {
        fetch: options.fetch,
        what: "the token endpoint",
        form: {
          grant_type: DEVICE_CODE_GRANT,
          device_code: authorization.deviceCode,
          client_id: clientId,
        },
        signal: options.signal,
        timeoutMs: Math.min(15_000, Math.max(1000, deadline - clock.now())),
      });
    } catch (error) {
      if (!(error instanceof NetworkError || error instanceof ProtocolError)) {
        throw error;
      }
      // RFC 8628 §3.5: on connection trouble, poll less often.
      wait = Math.min(wait * 2, MAX_BACKOFF_SECONDS);
      continue;
    }
    const { status, body } = answer;
    if (status === 200) {
      return parseTokenResponse(body, Math.floor(clock.now() / 1000));
    }
    if (status >= 500) {
      wait = Math.min(wait * 2, MAX_BACKOFF_SECONDS);
      continue;
    }
    switch (oauthError(body)) {
      case "authorization_pending":
        wait = interval;
        continue;
      case "slow_down":
        // RFC 8628 §3.5: add 5 seconds for this and all later polls.
        interval += 5;
        wait = interval;
        continue;
      case "access_denied":
        throw new CliError(DEVICE_DENIED);
      case "expired_token":
        throw new CliError(DEVICE_EXPIRED);
      default:
        throw new CliError(
          `Failed to log in using "device-code" method: the token endpoint answered HTTP ${status} (${
            oauthError(body) ?? "no error code"
          }). Run \`pilotcli user login\` again; if it keeps failing, check PILOT_AUTH_URL and PILOT_CLIENT_ID.`,
        );
    }
  }
}
