/**
 * Configuration from the environment. Nothing here touches the network or
 * the file system, so `--help` stays fast and needs no permission.
 *
 * @module
 */

import { TRANSPORT_ENV_VARS } from "./auth/transport.ts";
import { CliError } from "./errors.ts";
import { AUTH_URL_MISSING } from "./ui/messages.ts";

/** The read side of the environment, as `Deno.env` offers it. */
export interface Env {
  /** The value of `name`, or undefined when it is not set. */
  get(name: string): string | undefined;
}

/** Every environment variable the CLI reads (the README's --allow-env list). */
export const ENV_VARS = [
  "PILOT_AUTH_URL",
  "PILOT_CLIENT_ID",
  "PILOT_IDLE_TIMEOUT",
  "PILOT_API_KEY",
  "PILOT_CONFIG_DIR",
  "PILOT_DEBUG",
  "XDG_CONFIG_HOME",
  "HOME",
  "APPDATA",
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
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(
      `PILOT_AUTH_URL is not a valid URL: ${JSON.stringify(raw)}. ` +
        "Set it to your Keycloak realm URL, e.g. https://iam.example.org/realms/pilot.",
    );
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (
    !(url.protocol === "https:" || (url.protocol === "http:" && loopback)) ||
    url.search !== "" || url.hash !== "" || url.username !== ""
  ) {
    throw new CliError(
      `PILOT_AUTH_URL is not usable: ${url.origin}${url.pathname} must be an https URL ` +
        "without query or credentials (plain http only on localhost). Set it to your Keycloak realm URL.",
    );
  }
  const clientId = env.get("PILOT_CLIENT_ID")?.trim() || "cli";
  return { authUrl: url.href.replace(/\/+$/, ""), clientId };
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

/**
 * The directory that holds the session: PILOT_CONFIG_DIR, else
 * %APPDATA%\pilotcli on Windows, else $XDG_CONFIG_HOME/pilotcli, else
 * $HOME/.config/pilotcli. Computed from the environment alone, so that no
 * --allow-sys is needed.
 */
export function configDir(env: Env, os: string): string {
  const explicit = env.get("PILOT_CONFIG_DIR");
  if (explicit) return explicit;
  if (os === "windows") {
    const appData = env.get("APPDATA");
    if (appData) return `${appData}\\pilotcli`;
  }
  const xdg = env.get("XDG_CONFIG_HOME");
  // The XDG spec says a relative path is invalid and must be ignored.
  if (xdg?.startsWith("/")) return `${xdg}/pilotcli`;
  const home = env.get("HOME");
  if (home) return `${home}/.config/pilotcli`;
  throw new CliError(
    "Cannot find where to keep the session: neither PILOT_CONFIG_DIR nor HOME is set. Set PILOT_CONFIG_DIR to a directory of yours.",
  );
}
