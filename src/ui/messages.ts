/**
 * Every text pilotcli shows, in one place. The lines marked "seed" are the
 * original CLI's (its documentation, ../shared/seed/pilotcli-user-docs.txt),
 * and those marked "fixed" are set word for word by the login issue: users
 * script against both, so keep them exact.
 *
 * @module
 */

import type { ConnectionFailure } from "../errors.ts";
import { inert } from "./terminal_text.ts";

/** Fixed: printed before a device-code login starts. */
export const TRYING_DEVICE_CODE =
  'Trying to log in using "device-code" method.';
/** Seed: printed before an API-key login starts. */
export const TRYING_API_KEY = 'Trying to log in using "api-key" method.';
/** Seed: printed when a login has succeeded. */
export const WELCOME = "Welcome to the Pilot Command Line Interface!";
/** Fixed: an API key the server does not know. */
export const API_KEY_INVALID =
  'Failed to log in using "api-key" method, please make sure you are using a valid key!';
/** Seed: a command that needs a session found none that is valid. */
export const SESSION_INVALID =
  "The current login session is invalid. Please login to continue.";
/** Seed: the logout question, answered on the same line. */
export const LOGOUT_PROMPT = "Are you sure you want to logout? [y/N]: ";
/** Seed: logout finished. */
export const LOGOUT_DONE = "Logged out successfully. Bye!";
/** Seed: the person answered no. */
export const LOGOUT_CANCELLED = "Logout cancelled.";
/** An answer to the logout question that is neither yes nor no, as Click says it. */
export const LOGOUT_INVALID_ANSWER = "Error: invalid input";

/** Fixed: printed while the CLI polls for the person's approval. */
export const WAITING = "Waiting for validation to finish...";

/**
 * The lines that show the person where to approve the login. The link and
 * the code come from the server: they are shown inert.
 */
export function verificationLines(
  uri: string,
  userCode: string | undefined,
): string[] {
  const link = `Open this link to log in: ${inert(uri)}`;
  return userCode === undefined
    ? [link]
    : [link, `and enter the code: ${inert(userCode)}`];
}

/** Shown in place of a QR code that the link is too long for. */
export const QR_LEFT_OUT =
  "The link is too long for a QR code, so none is shown.";

/** The device login was refused by the person at the browser. */
export const DEVICE_DENIED =
  'Failed to log in using "device-code" method: the login was denied in the browser. Run `pilotcli user login` to try again.';
/** The device code ran out before the person approved. */
export const DEVICE_EXPIRED =
  'Failed to log in using "device-code" method: the validation link expired before it was approved. Run `pilotcli user login` again.';

/** The device authorization endpoint refused to start a login; `error` is its OAuth error code. */
export function deviceLoginRefused(
  status: number,
  error: string | undefined,
): string {
  return `Failed to log in using "device-code" method: the server refused to start a device login (${
    error ?? `HTTP ${status}`
  }). Check PILOT_AUTH_URL and PILOT_CLIENT_ID.`;
}

/** The token endpoint answered the device login's polls with an unexpected error. */
export function deviceTokenRefused(
  status: number,
  error: string | undefined,
): string {
  return `Failed to log in using "device-code" method: the token endpoint answered HTTP ${status} (${
    error ?? "no error code"
  }). Run \`pilotcli user login\` again; if it keeps failing, check PILOT_AUTH_URL and PILOT_CLIENT_ID.`;
}

/** A request got no usable answer; `detail` says which endpoint and how. */
export function serverUnreachable(action: string, detail: string): string {
  return `${action}: ${detail}. Check your network connection and PILOT_AUTH_URL, then try again.`;
}

/** The server's answer was not what the protocol requires. */
export function serverTrouble(action: string, detail: string): string {
  return `${action}: ${detail}. Check PILOT_AUTH_URL; if it is right, the server is having trouble: try again later.`;
}

/** The stored session is another server's (or client's); it counts as absent. */
export function sessionOfAnotherServer(
  authUrl: string,
  clientId: string,
): string {
  return `The stored session belongs to ${authUrl} (client ${clientId}), not to PILOT_AUTH_URL's server.`;
}

/** PILOT_AUTH_URL is not set. */
export const AUTH_URL_MISSING =
  "PILOT_AUTH_URL is not set: set it to your Keycloak realm URL, e.g. `export PILOT_AUTH_URL=https://iam.example.org/realms/pilot`.";

/** `pilotcli api` or authFetch without an API URL. */
export const API_URL_MISSING =
  "PILOT_API_URL is not set: set it to the URL of Pilot's API, e.g. `export PILOT_API_URL=https://api.example.org`.";

/** PILOT_API_URL is no usable URL. */
export function apiUrlNotUsable(shown: string): string {
  return `PILOT_API_URL is not usable: ${inert(shown)} must be an https URL ` +
    "without query or credentials (plain http only on localhost). Set it to the URL of Pilot's API.";
}

/**
 * An API answer that is not 2xx: its status, and the request it answers
 * (method and path, no query: it may carry secrets). The status text is
 * the server's: made inert where the line is shown.
 */
export function apiStatusLine(
  status: number,
  statusText: string,
  method: string,
  path: string,
  note?: string,
): string {
  return `HTTP ${status}${
    statusText ? ` ${statusText}` : ""
  } (${method} ${path})${note ? `: ${note}` : ""}`;
}

/** `user token --min-ttl` given no whole number of seconds. */
export function minTtlInvalid(raw: string): string {
  return `Usage error: --min-ttl needs a whole number of seconds, not ${
    inert(JSON.stringify(raw))
  }. Run \`pilotcli user token --help\` for usage.`;
}

/** What failed, when `pilotcli api` got no answer. */
export const API_REQUEST_FAILED = "The API request failed";

/** The answer's body stopped before its end (the connection broke). */
export function apiAnswerBrokeOff(origin: string): string {
  return `The API request failed: the answer from ${
    inert(origin)
  } broke off before its end. Run the command again.`;
}

/** The API sent no answer (`detail` says how: not reached, not in time). */
export function apiUnreachable(detail: string): string {
  return `The API request failed: ${detail}. Check your network connection and PILOT_API_URL (and PILOT_HTTP_TIMEOUT), then try again.`;
}

/** A redirect to another origin, not followed: the token would go there. */
export function apiRedirectNotFollowed(origin: string): string {
  return `the redirect to ${
    inert(origin)
  } was not followed, as the token goes only to the API: follow it without the token, e.g. with curl.`;
}

/** A 401 on a request whose body was read from standard input: it cannot be sent again. */
export const API_STDIN_NOT_RESENT =
  "the body came from standard input, so the request was not sent again with a refreshed token: run the command again, or use --input FILE.";

/** `pilotcli api` given a URL of another origin than the API's. */
export function apiForeignOrigin(origin: string, apiOrigin: string): string {
  return `pilotcli api refused ${
    inert(origin)
  }: the token goes only to the API at ${
    inert(apiOrigin)
  }. Give a path that starts with /, or set PILOT_API_URL.`;
}

/** A usage error of `pilotcli api`: `detail`, and where the usage is. */
export function apiUsage(detail: string): string {
  return `Usage error: ${
    inert(detail)
  }. Run \`pilotcli api --help\` for usage.`;
}

/** What can be wrong with the arguments of `pilotcli api`. */
export const API_USAGE = {
  headerInvalid: "a header must be given as 'Name: value'",
  fieldInvalid: "a field must be given as key=value",
  pathMissing: "PATH is missing",
  pathNotAPath: "PATH must start with / (or be a URL of the API)",
  inputAndField: "--input and --field cannot be given together",
  methodInvalid: (method: string) =>
    `${JSON.stringify(method)} is not an HTTP method`,
} as const;

/** Hint after end of input at the logout question. */
export const LOGOUT_NO_ANSWER =
  "No answer was given (end of input). Pass -y to log out without the question.";

/**
 * PILOT_AUTH_URL does not parse as a URL; `shown` is the value as given,
 * without what could be credentials.
 */
export function authUrlNotValid(shown: string): string {
  return `PILOT_AUTH_URL is not a valid URL: ${
    inert(JSON.stringify(shown))
  }. ` +
    "Set it to your Keycloak realm URL, e.g. https://iam.example.org/realms/pilot.";
}

/**
 * PILOT_AUTH_URL is a URL pilotcli must not use; `shown` is the URL
 * without credentials, query or fragment.
 */
export function authUrlNotUsable(shown: string): string {
  return `PILOT_AUTH_URL is not usable: ${inert(shown)} must be an https URL ` +
    "without query or credentials (plain http only on localhost). Set it to your Keycloak realm URL.";
}

/** The realm has no device authorization endpoint. */
export const DEVICE_UNSUPPORTED =
  'Failed to log in using "device-code" method: the server offers no device login (its discovery document has no device_authorization_endpoint). Use `pilotcli user login --api-key -`, or ask your administrator to enable the device authorization grant.';

/** Logout could not reach the server; the local session is removed anyway. */
export const LOGOUT_SERVER_UNREACHABLE =
  "Warning: the server could not be told to end the session; it was removed from this machine and ends at the server when its tokens expire.";

/** `pilotcli completions` without a shell it knows. */
export function completionsShellUnknown(shells: readonly string[]): string {
  return `Usage error: name the shell to complete for: ${
    shells.slice(0, -1).join(", ")
  } or ${shells.at(-1)}. Run \`pilotcli completions --help\` for usage.`;
}

/** The offer made, on a desktop's terminal, while the login waits. */
export const PRESS_ENTER = "Press Enter to open the link in your browser.";

/** Said when the browser is asked to open the link. */
export const OPENING_BROWSER = "Opening the link in your browser.";

/** The browser could not be opened; the login goes on. */
export function browserFailed(command: string, why: string): string {
  return `Could not open the browser: ${command} ${why}. Open the link above yourself.`;
}

/** The link is not one a browser should be given; the login goes on. */
export const BROWSER_LINK_REFUSED =
  "Could not open the browser: the link is not an http(s) URL. Check PILOT_AUTH_URL.";

/** Deno may not run the browser's command; the login goes on. */
export function browserNotAllowed(commands: readonly string[]): string {
  return `Could not open the browser: pilotcli may not run ${
    commands.join(" or ")
  } (or it is not installed), so it needs --allow-run=${
    commands.join(",")
  }: add it to the \`deno run\` or \`deno install\` line, or open the link above yourself.`;
}

/** PILOT_DEBUG=1: another pilotcli process holds the session lock, and this one waits for it. */
export function lockWaitLine(lockPath: string): string {
  return `pilotcli: waiting for the session lock ${lockPath}, held by another pilotcli process (Ctrl-C stops).`;
}

/** A refreshed session could not be stored: the command goes on with its new access token. */
export function refreshNotSaved(detail: string): string {
  return `Warning: the refreshed session could not be saved: ${detail}. This command used the new access token, but the server may have replaced the refresh token: log in again (\`pilotcli user login\`) if the next command fails.`;
}

/** The session's use could not be recorded; it still works. */
export function activityNotSaved(detail: string): string {
  return `Warning: the session's use could not be recorded: ${detail}. The session still works; its idle time counts from its last recorded use.`;
}

/** A corrupt session file moved aside earlier is still on disk. */
export function corruptSessionKept(path: string): string {
  return `Note: ${path} holds an unreadable old session that may still contain tokens: the next \`pilotcli user login\` or \`pilotcli user logout\` deletes it, or delete it yourself.`;
}

/** PILOT_HTTP_TIMEOUT is not a whole number of seconds in range. */
export function httpTimeoutInvalid(raw: string, max: number): string {
  return `PILOT_HTTP_TIMEOUT is not a number of seconds: ${
    JSON.stringify(raw)
  }. Set it to a whole number from 1 to ${max}, or unset it for the default of 15.`;
}

/** PILOT_CA_FILE names a file that is no PEM file of CA certificates. */
export function caFileUnusable(path: string, why: string): string {
  return `PILOT_CA_FILE is not usable: ${path}: ${why}. Set it to a PEM file of the CA certificates to trust, or unset it.`;
}

/** The server's certificate is from a CA nobody trusts here. */
export function certificateUnknownCa(host: string): string {
  return `the certificate of ${host} is not from a CA this computer trusts. If your network inspects TLS with its own CA, set PILOT_CA_FILE to a PEM file of that CA (your IT department has it)`;
}

/** The server's certificate is for another host name. */
export function certificateWrongHost(host: string): string {
  return `the certificate of ${host} is for another host name. Check that PILOT_AUTH_URL names the server as its certificate does`;
}

/** The server's certificate has expired (or is not valid yet). */
export function certificateExpired(host: string): string {
  return `the certificate of ${host} has expired or is not valid yet. Check this computer's clock; if it is right, the server's certificate must be renewed`;
}

/** The proxy refused the connection or could not be reached. */
export function proxyUnreachable(proxy: string, variable: string): string {
  return `the proxy ${proxy} (from ${variable}) refused the connection or could not be reached. Check ${variable}, or add the server's host to NO_PROXY to connect directly`;
}

/** The proxy answered CONNECT with an error: it would not reach the server. */
export function proxyTunnelRefused(
  proxy: string,
  variable: string,
  server: string,
): string {
  return `the proxy ${proxy} (from ${variable}) would not connect to ${server}. Check PILOT_AUTH_URL; if it is right, ask your network's administrators to let the proxy reach ${server}, or add it to NO_PROXY`;
}

/** The proxy answered 407. */
export function proxyNeedsCredentials(proxy: string, variable: string): string {
  return `the proxy ${proxy} (from ${variable}) asks for credentials (HTTP 407). Put them in the proxy URL: ${variable}=http://USER:PASSWORD@${proxy}`;
}

/** The line of a failed request whose connection failed for a known reason. */
export function connectionFailed(
  action: string,
  what: string,
  why: string,
): string {
  return `${action}: ${what}: ${why}.`;
}

/**
 * The npm package's program on a Node.js older than its floor (`version` is
 * `process.version`, `floor` package.json's engines).
 */
export function nodeTooOld(version: string, floor: string): string {
  return `pilotcli needs Node.js ${floor} or later: this is Node.js ${version}. Upgrade Node.js, or use the Deno program (see the README).`;
}

// The session's files: the lines for the typed errors of session/.

/**
 * Quote a path for a POSIX shell command shown to the user: as is when it is
 * made of safe characters only, else in single quotes.
 */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_\/.,:@%+=-]+$/.test(text)) return text;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A session file or directory that is not safe to use, and the command that fixes it. */
export function unsafeSessionFile(
  path: string,
  kind: "dir" | "file" | "config",
  problem: "open-mode" | "other-owner" | "symlink" | "not-plain",
  details: { mode?: number; owner?: number; windows: boolean },
): string {
  const what = kind === "dir"
    ? `Session directory ${path}`
    : kind === "config"
    ? `Config file ${path}`
    : `Session file ${path}`;
  // A config file is not made again by a login: it is fixed, then used.
  const again = kind === "config" ? "try again" : "log in again";
  switch (problem) {
    case "not-plain":
      return kind === "dir"
        ? `${what} is not a directory: move it away and try again.`
        : `${what} is not a regular file: move it away and ${again}.`;
    case "symlink":
      return `${what} is a symbolic link: ${
        details.windows ? "delete it" : `run \`rm ${shellQuote(path)}\``
      } and ${again}.`;
    case "other-owner":
      return `${what} is owned by another user (uid ${details.owner}): run \`sudo chown $(id -u) ${
        shellQuote(path)
      }\` or delete it, and try again.`;
    case "open-mode": {
      const mode = details.mode ?? 0;
      const shown = mode.toString(8).padStart(4, "0");
      if (kind === "dir") {
        return `${what} is open to other users (mode ${shown}): run \`chmod 700 ${
          shellQuote(path)
        }\` and try again.`;
      }
      const access = (mode & 0o044) !== 0
        ? "readable by"
        : (mode & 0o022) !== 0
        ? "writable by"
        : "open to";
      return `${what} is ${access} other users (mode ${shown}): run \`chmod 600 ${
        shellQuote(path)
      }\` and try again.`;
    }
  }
}

/** A step of reading or preparing the session's files failed. */
export function sessionStorageFailed(
  operation: "read" | "create-dir" | "dir-gone" | "move-aside",
  path: string,
  detail: string,
  reason: string | undefined,
): string {
  switch (operation) {
    case "read":
      return `Could not read the session: ${detail}. Check the permissions of ${path}.`;
    case "create-dir":
      return `Could not save the session: ${detail}. Check that ${path} can be created.`;
    case "dir-gone":
      return `Could not save the session: ${path} disappeared. Try again.`;
    case "move-aside":
      return `Session file ${path} is unreadable (${reason}) and could not be moved aside: ${detail}. Delete it and log in again.`;
  }
}

/** The session could not be stored (`deleted`: could not be deleted). */
export function sessionNotSaved(
  deleted: boolean,
  path: string,
  detail: string,
): string {
  const dir = path.replace(/[\\/][^\\/]*$/, "");
  return deleted
    ? `Could not delete the session: ${detail}. Delete ${path} yourself.`
    : `Could not save the session: ${detail}. Check that ${dir} is writable and the disk is not full.`;
}

/** The session lock could not be taken or released. */
export function sessionLockFailed(
  path: string,
  operation: "lock" | "unlock",
  detail: string,
  busy: boolean,
): string {
  if (busy) {
    return `Could not lock the session: ${path} is held by another pilotcli process. Try again, or delete it if no pilotcli is running.`;
  }
  return operation === "lock"
    ? `Could not lock the session: ${detail}. Check that pilotcli may write to its config directory.`
    : `Could not unlock the session: ${detail}. Delete ${path} if no pilotcli is running.`;
}

/** A corrupt session file was moved aside. */
export function corruptSessionMoved(
  path: string,
  reason: string,
  target: string,
): string {
  return `Session file ${path} was unreadable (${reason}) and was moved to ${target}; please log in again.`;
}

/** Why a connection failed, for a ConnectionFailure's data, with what to do. */
export function connectionFailureReason(
  failure: Pick<ConnectionFailure, "kind" | "host" | "proxy" | "variable">,
): string {
  const { host, proxy = "", variable = "" } = failure;
  switch (failure.kind) {
    case "unknown-ca":
      return certificateUnknownCa(host);
    case "wrong-host":
      return certificateWrongHost(host);
    case "expired-certificate":
      return certificateExpired(host);
    case "proxy-credentials":
      return proxyNeedsCredentials(proxy, variable);
    case "proxy-tunnel-refused":
      return proxyTunnelRefused(proxy, variable, host);
    case "proxy-unreachable":
      return proxyUnreachable(proxy, variable);
  }
}

// Profiles (src/cli/profile.ts, src/session/config_file.ts).

/** No profile, no PILOT_AUTH_URL: how to add a profile. */
export const NO_PROFILE =
  "No Pilot realm is configured: add a profile with `pilotcli profile add NAME --auth-url https://iam.example.org/realms/pilot`, or set PILOT_AUTH_URL.";

/** Profiles, but none the default, and no PILOT_AUTH_URL. */
export function noDefaultProfile(known: readonly string[]): string {
  return `No profile is the default: pass --profile NAME, or make one the default with \`pilotcli profile use NAME\` (the profiles are ${
    known.join(", ")
  }).`;
}

/** A profile that the config file does not hold; `known` lists those it does. */
export function profileUnknown(name: string, known: readonly string[]): string {
  const shown = inert(JSON.stringify(name));
  return known.length === 0
    ? `There is no profile ${shown}: no profile is configured yet. Add one with \`pilotcli profile add NAME --auth-url URL\`.`
    : `There is no profile ${shown}: the profiles are ${
      known.join(", ")
    }. Pick one of them, or add it with \`pilotcli profile add\`.`;
}

/** A profile name outside `[a-z0-9][a-z0-9_-]{0,63}`. */
export function profileNameInvalid(name: string): string {
  return `Profile name ${
    inert(JSON.stringify(name))
  } is not valid: use 1 to 64 lower-case letters, digits, "-" or "_", starting with a letter or digit.`;
}

/** `profile add` of a name that exists. */
export function profileExists(name: string): string {
  return `Could not add profile "${name}": it exists already. Remove it first with \`pilotcli profile remove ${name}\`, or choose another name.`;
}

/** `profile add`'s realm check failed; `detail` says how. */
export function realmCheckFailed(
  name: string,
  authUrl: string,
  detail: string,
): string {
  return `Could not add profile "${name}": ${
    inert(authUrl)
  } is not a reachable realm (${
    inert(detail)
  }). Check the URL, or pass --no-check to add it anyway.`;
}

/** A flag's URL (--auth-url, --api-url) is no URL; `shown` without credentials. */
export function flagUrlNotValid(flag: string, shown: string): string {
  return `${flag} is not a valid URL: ${
    inert(JSON.stringify(shown))
  }. Pass the realm URL, e.g. https://iam.example.org/realms/pilot.`;
}

/** A flag's URL pilotcli must not use. */
export function flagUrlNotUsable(flag: string, shown: string): string {
  return `${flag} is not usable: ${
    inert(shown)
  } must be an https URL without query or credentials (plain http only on localhost).`;
}

/** --idle-timeout is no number of seconds. */
export function idleTimeoutFlagInvalid(raw: string): string {
  return `--idle-timeout is not a number of seconds: ${
    inert(JSON.stringify(raw))
  }. Pass a whole number greater than 0.`;
}

/** The config file is not what pilotcli writes; left as it is. */
export function configFileCorrupt(
  path: string,
  where: string,
  detail: string,
): string {
  return `Config file ${path} is not valid at ${where}: ${detail}. Fix or move it; pilotcli leaves it as it is.`;
}

/** The config file could not be read or written. */
export function configFileFailed(
  operation: "read" | "write",
  path: string,
  detail: string,
): string {
  return `Could not ${operation} the config file: ${detail}. Check the permissions of ${path}.`;
}

/** After `profile add`. */
export function profileAdded(name: string, isDefault: boolean): string {
  return isDefault
    ? `Profile "${name}" added; it is the default.`
    : `Profile "${name}" added; use it with --profile ${name}, or make it the default with \`pilotcli profile use ${name}\`.`;
}

/** After `profile use`. */
export function profileNowDefault(name: string): string {
  return `Profile "${name}" is now the default.`;
}

/** The question of `profile remove`. */
export function profileRemovePrompt(name: string): string {
  return `Are you sure you want to remove profile "${name}"? [y/N]: `;
}

/** `profile remove` answered no. */
export const PROFILE_REMOVE_CANCELLED = "Profile not removed.";

/** Hint after end of input at the remove question. */
export const PROFILE_REMOVE_NO_ANSWER =
  "No answer was given (end of input). Pass -y to remove the profile without the question.";

/** After `profile remove`. */
export function profileRemoved(name: string): string {
  return `Profile "${name}" removed.`;
}

/** `profile list` without profiles. */
export const NO_PROFILES =
  "No profiles yet: add one with `pilotcli profile add NAME --auth-url URL`.";

/** A line of `profile list`: the default marked with "*". */
export function profileListLine(
  name: string,
  isDefault: boolean,
  authUrl: string,
  loggedIn: boolean,
): string {
  return `${isDefault ? "*" : " "} ${name}  ${inert(authUrl)}  ${
    loggedIn ? "logged in" : "not logged in"
  }`;
}

/** The line of `user status` that names the profile. */
export function statusProfileLine(name: string): string {
  return `Profile: ${name}`;
}
