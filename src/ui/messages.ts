/**
 * Every text pilotcli shows, in one place. The lines marked "seed" are the
 * original CLI's (its documentation, ../shared/seed/pilotcli-user-docs.txt),
 * and those marked "fixed" are set word for word by the login issue: users
 * script against both, so keep them exact.
 *
 * @module
 */

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

/** The lines that show the person where to approve the login. */
export function verificationLines(
  uri: string,
  userCode: string | undefined,
): string[] {
  return userCode === undefined
    ? [`Open this link to log in: ${uri}`]
    : [`Open this link to log in: ${uri}`, `and enter the code: ${userCode}`];
}

/** The device login was refused by the person at the browser. */
export const DEVICE_DENIED =
  'Failed to log in using "device-code" method: the login was denied in the browser. Run `pilotcli user login` to try again.';
/** The device code ran out before the person approved. */
export const DEVICE_EXPIRED =
  'Failed to log in using "device-code" method: the validation link expired before it was approved. Run `pilotcli user login` again.';

/** PILOT_AUTH_URL is not set. */
export const AUTH_URL_MISSING =
  "PILOT_AUTH_URL is not set: set it to your Keycloak realm URL, e.g. `export PILOT_AUTH_URL=https://iam.example.org/realms/pilot`.";

/** Hint after end of input at the logout question. */
export const LOGOUT_NO_ANSWER =
  "No answer was given (end of input). Pass -y to log out without the question.";

/** The realm has no device authorization endpoint. */
export const DEVICE_UNSUPPORTED =
  'Failed to log in using "device-code" method: the server offers no device login (its discovery document has no device_authorization_endpoint). Use `pilotcli user login --api-key -`, or ask your administrator to enable the device authorization grant.';

/** Logout could not reach the server; the local session is removed anyway. */
export const LOGOUT_SERVER_UNREACHABLE =
  "Warning: the server could not be told to end the session; it was removed from this machine and ends at the server when its tokens expire.";

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
