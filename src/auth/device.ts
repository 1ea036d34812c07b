/**
 * The OAuth 2.0 Device Authorization Grant (RFC 8628): ask for a device
 * code, then poll the token endpoint until the person has approved.
 *
 * @module
 */

import {
  DeviceCodeDenied,
  DeviceCodeExpired,
  ServerAnswerUnusable,
  ServerRefused,
  ServerUnreachable,
} from "../errors.ts";
import {
  linkOffOrigin,
  notSeconds,
  notWholeSeconds,
} from "./answer_details.ts";
import {
  type Fetch,
  oauthError,
  ProtocolError,
  REQUEST_TIMEOUT_MS,
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
  /** Time limit of each request in ms (default: the request default). */
  timeoutMs?: number;
}

/** A device authorization response that lacks what RFC 8628 §3.2 requires. */
export class DeviceAuthorizationError extends ServerAnswerUnusable {
  /** @param detail which field is missing or wrong (never its value) */
  constructor(detail: string) {
    super(`the device authorization response is not usable: ${detail}`);
    this.name = "DeviceAuthorizationError";
  }
}

/**
 * Longest device code lifetime accepted, in seconds (a day): a bigger one is
 * a broken server. Up to it, lifetimes over MAX_LIFETIME_SECONDS are cut.
 */
const MAX_EXPIRES_IN_SECONDS = 86_400;
/** Longest device code lifetime believed, in seconds: the poll gives up after it. */
const MAX_LIFETIME_SECONDS = 3600;
/** Shortest poll interval honoured, in seconds, whatever the server says. */
const MIN_INTERVAL_SECONDS = 1;
/** Longest poll interval accepted, in seconds: a longer one is a broken server. */
const MAX_INTERVAL_SECONDS = 300;
/** Longest device or user code accepted, in characters. */
const MAX_CODE_LENGTH = 16 * 1024;

const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"];

/**
 * Validates a device authorization response from the endpoint on `origin`
 * (the realm's origin, which discovery has checked the endpoint has).
 *
 * - device_code, user_code: non-empty strings of at most 16 KiB.
 * - verification_uri, verification_uri_complete: absolute https URLs (http
 *   only on a loopback host) on `origin`, since the person is sent there and
 *   the link is shown and put in a QR code: anything else, a `javascript:`
 *   link or another site, fails the login before anything is shown.
 * - expires_in: a whole number of seconds from 1 to 86400; more than 3600
 *   is cut to 3600.
 * - interval: absent means 5 (RFC 8628 §3.2); else a number of seconds from
 *   0 to 300, rounded up to whole seconds and at least 1.
 *
 * Errors name the field, never its value.
 */
export function parseDeviceAuthorization(
  body: Record<string, unknown>,
  origin: string,
): DeviceAuthorization {
  const text = (name: string, required: boolean) => {
    const value = body[name];
    if (value === undefined && !required) return undefined;
    if (
      typeof value !== "string" || value === "" ||
      value.length > MAX_CODE_LENGTH
    ) {
      throw new DeviceAuthorizationError(`${name} is missing`);
    }
    return value;
  };
  const link = (name: string, required: boolean) => {
    const value = text(name, required);
    if (value !== undefined && !isLinkOn(value, origin)) {
      throw new DeviceAuthorizationError(linkOffOrigin(name, origin));
    }
    return value;
  };
  const expiresIn = body.expires_in;
  if (expiresIn === undefined) {
    throw new DeviceAuthorizationError("expires_in is missing");
  }
  if (
    !Number.isInteger(expiresIn) || (expiresIn as number) < 1 ||
    (expiresIn as number) > MAX_EXPIRES_IN_SECONDS
  ) {
    throw new DeviceAuthorizationError(
      notWholeSeconds("expires_in", 1, MAX_EXPIRES_IN_SECONDS),
    );
  }
  const interval = body.interval;
  if (
    interval !== undefined &&
    !(typeof interval === "number" && interval >= 0 &&
      interval <= MAX_INTERVAL_SECONDS)
  ) {
    throw new DeviceAuthorizationError(
      notSeconds("interval", 0, MAX_INTERVAL_SECONDS),
    );
  }
  return {
    deviceCode: text("device_code", true)!,
    userCode: text("user_code", true)!,
    verificationUri: link("verification_uri", true)!,
    verificationUriComplete: link("verification_uri_complete", false),
    expiresIn: Math.min(expiresIn as number, MAX_LIFETIME_SECONDS),
    // RFC 8628 §3.2: "If no value is provided, clients MUST use 5".
    interval: interval === undefined
      ? 5
      : Math.max(Math.ceil(interval), MIN_INTERVAL_SECONDS),
  };
}

/** Whether `text` is an absolute https link (http on loopback) on `origin`. */
function isLinkOn(text: string, origin: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  const secure = url.protocol === "https:" ||
    (url.protocol === "http:" && LOOPBACK_HOSTS.includes(url.hostname));
  return secure && url.origin === origin && url.username === "" &&
    url.password === "";
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
    timeoutMs: options.timeoutMs,
  });
  if (status !== 200) {
    throw new ServerRefused(
      "the device authorization endpoint",
      status,
      oauthError(body),
    );
  }
  return parseDeviceAuthorization(body, new URL(endpoint).origin);
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
    if (remaining <= 0) throw new DeviceCodeExpired();
    await clock.sleep(Math.min(wait * 1000, remaining), options.signal);
    if (clock.now() >= deadline) throw new DeviceCodeExpired();
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
        timeoutMs: Math.min(
          options.timeoutMs ?? REQUEST_TIMEOUT_MS,
          Math.max(1000, deadline - clock.now()),
        ),
      });
    } catch (error) {
      if (
        !(error instanceof ServerUnreachable || error instanceof ProtocolError)
      ) {
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
        throw new DeviceCodeDenied();
      case "expired_token":
        throw new DeviceCodeExpired();
      default:
        throw new ServerRefused("the token endpoint", status, oauthError(body));
    }
  }
}
