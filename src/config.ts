/**
 * Configuration from the environment. Nothing here touches the network or
 * the file system, so `--help` stays fast and needs no permission.
 *
 * @module
 */

import { TRANSPORT_ENV_VARS } from "./auth/transport.ts";
import { CliError } from "./errors.ts";
import {
  API_URL_MISSING,
  apiUrlNotUsable,
  AUTH_URL_MISSING,
  authUrlNotUsable,
  authUrlNotValid,
  httpTimeoutInvalid,
} from "./ui/messages.ts";

/** The read side of the environment, as `Deno.env` offers it. */
export interface Env {
  /** The value of `name`, or undefined when it is not set. */
  get(name: string): string | undefined;
}

/** Every environment variable the CLI reads (the README's --allow-env list). */
export const ENV_VARS = [
  "PILOT_PROFILE",
  "PILOT_AUTH_URL",
  "PILOT_API_URL",
  "PILOT_CLIENT_ID",
  "PILOT_IDLE_TIMEOUT",
  "PILOT_HTTP_TIMEOUT",
  "PILOT_API_KEY",
  "PILOT_CONFIG_DIR",
  "PILOT_DEBUG",
  "XDG_CONFIG_HOME",
  "HOME",
  "APPDATA",
  // Opening the browser (src/ui/browser.ts): which one, and whether a
  // desktop is there to show it.
  "BROWSER",
  "DISPLAY",
  "WAYLAND_DISPLAY",
  "SSH_CONNECTION",
  "SSH_TTY",
  "CI",
  ...TRANSPORT_ENV_VARS,
] as const;

/** Default idle time after which a session ends, in seconds. */
export const DEFAULT_IDLE_TIMEOUT = 3600;

/** Where and how to reach the identity server. */
export interface AuthConfig {
  /** The Keycloak realm URL, without a trailing slash. */
  authUrl: string;
  /** The OAuth client id of the CLI. */
  clientId: string;
  /** Time limit of each request in ms (PILOT_HTTP_TIMEOUT); the request default when absent. */
  httpTimeoutMs?: number;
}

/** Whether PILOT_DEBUG asks for causes and stack traces. */
export function isDebug(env: Env): boolean {
  let value: string | undefined;
  try {
    value = env.get("PILOT_DEBUG");
  } catch {
    // Not allowed to read it (deno run without --allow-env): no debug.
    return false;
  }
  return value !== undefined && value !== "" && value !== "0";
}

/**
 * Reads PILOT_AUTH_URL and PILOT_CLIENT_ID. Plain http is accepted only for
 * loopback hosts, so that tokens never cross a network unencrypted.
 */
export function readAuthConfig(env: Env): AuthConfig {
  const raw = env.get("PILOT_AUTH_URL")?.trim();
  if (!raw) throw new CliError(AUTH_URL_MISSING);
  const realm = parseRealmUrl(raw);
  if ("invalid" in realm) throw new CliError(authUrlNotValid(realm.invalid));
  if ("unusable" in realm) {
    throw new CliError(authUrlNotUsable(realm.unusable));
  }
  const clientId = env.get("PILOT_CLIENT_ID")?.trim() || "cli";
  return { authUrl: realm.url, clientId };
}

/**
 * A realm (or API) URL checked: `url` without a trailing slash when it is
 * https (plain http only for loopback hosts) without query, fragment or
 * credentials; else what is wrong, with the value as it may be shown
 * (credentials hidden): `invalid` when it is no URL, `unusable` otherwise.
 */
export function parseRealmUrl(
  raw: string,
): { url: string } | { invalid: string } | { unusable: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { invalid: withoutCredentials(raw.trim()) };
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (
    !(url.protocol === "https:" || (url.protocol === "http:" && loopback)) ||
    url.search !== "" || url.hash !== "" || url.username !== ""
  ) {
    return { unusable: shownUrl(url) };
  }
  return { url: url.href.replace(/\/+$/, "") };
}

/**
 * The API URL, PILOT_API_URL, without a trailing slash; undefined when it
 * is not set. The one place it is read: a profile's `apiUrl` joins here.
 * Same rule as the realm URL: https, or http on loopback only, so the
 * token never crosses a network unencrypted.
 */
export function apiUrlOf(env: Env): string | undefined {
  const raw = env.get("PILOT_API_URL")?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(apiUrlNotUsable(withoutCredentials(raw)));
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (
    !(url.protocol === "https:" || (url.protocol === "http:" && loopback)) ||
    url.search !== "" || url.hash !== "" || url.username !== "" ||
    url.password !== ""
  ) {
    throw new CliError(apiUrlNotUsable(shownUrl(url)));
  }
  return url.href.replace(/\/+$/, "");
}

/** The API URL ({@linkcode apiUrlOf}); throws the line saying to set it when absent. */
export function requireApiUrl(env: Env): string {
  const url = apiUrlOf(env);
  if (url === undefined) throw new CliError(API_URL_MISSING);
  return url;
}

/**
 * A value that is no URL, with whatever may be credentials hidden: all
 * between the first `//` (or the start) and the last `@`. It can hide a
 * host along with them, never show a password.
 */
function withoutCredentials(raw: string): string {
  const at = raw.lastIndexOf("@");
  if (at < 0) return raw;
  const slashes = raw.indexOf("//");
  const start = slashes >= 0 && slashes < at ? slashes + 2 : 0;
  return `${raw.slice(0, start)}[redacted]${raw.slice(at)}`;
}

/**
 * A URL as given, less credentials, query and fragment. Not its origin:
 * that is "null" for schemes such as `javascript:` or `file:`. Without a
 * host, `user:pass@host` is a scheme and a path: hidden as in a value that
 * is no URL.
 */
function shownUrl(url: URL): string {
  const shown = new URL(url.href);
  shown.username = "";
  shown.password = "";
  shown.search = "";
  shown.hash = "";
  return shown.host === "" ? withoutCredentials(shown.href) : shown.href;
}

/** Reads PILOT_IDLE_TIMEOUT in seconds (default 3600). */
export function readIdleTimeout(env: Env): number {
  const raw = env.get("PILOT_IDLE_TIMEOUT")?.trim();
  if (!raw) return DEFAULT_IDLE_TIMEOUT;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new CliError(
      `PILOT_IDLE_TIMEOUT is not a number of seconds: ${
        JSON.stringify(raw)
      }. ` +
        "Set it to a whole number greater than 0, or unset it for the default of 3600.",
    );
  }
  return seconds;
}

/** Default time limit of one request to the server, in seconds. */
export const DEFAULT_HTTP_TIMEOUT = 15;

/** Longest PILOT_HTTP_TIMEOUT accepted, in seconds. */
export const MAX_HTTP_TIMEOUT = 3600;

/**
 * Reads PILOT_HTTP_TIMEOUT, the time limit of each request to the server in
 * whole seconds, from 1 to 3600 (default 15), and returns it in ms. The
 * limit covers connecting and reading the whole answer.
 */
export function readHttpTimeoutMs(env: Env): number {
  const raw = env.get("PILOT_HTTP_TIMEOUT")?.trim();
  if (!raw) return DEFAULT_HTTP_TIMEOUT * 1000;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds < 1 || seconds > MAX_HTTP_TIMEOUT) {
    throw new CliError(httpTimeoutInvalid(raw, MAX_HTTP_TIMEOUT));
  }
  return seconds * 1000;
}

/**
 * The directory that holds the session (src/runtime/os.ts, where every
 * decision by OS lives).
 */
export { configDir } from "./runtime/os.ts";
