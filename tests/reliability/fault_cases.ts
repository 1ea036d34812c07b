/**
 * The server-fault matrix: which command meets which fault at which stage,
 * and exactly what the user must see. faults_test.ts runs it; docs_test.ts
 * checks that docs/reliability.md shows the same table (`deno run
 * tests/reliability/fault_cases.ts` prints it).
 *
 * @module
 */

import {
  DEVICE_EXPIRED,
  LOGOUT_DONE,
  LOGOUT_SERVER_UNREACHABLE,
} from "../../src/ui/messages.ts";
import { FAULTS } from "./fault_proxy.ts";

/** A fault the proxy plays. */
export type CaseFault = typeof FAULTS[number];

/** One command at one stage, with the session it starts from. */
export interface Row {
  /** Short id for reports, e.g. "login-device/discovery/fresh". */
  id: string;
  /** What the user typed, after `pilotcli`. */
  args: string[];
  /** What is on standard input (the API key for `--api-key -`). */
  stdin?: "api-key";
  /** The command, for the table. */
  command: string;
  /** The request the fault hits first. */
  stage: string;
  /**
   * The session before: none, one that must stay byte-identical, one whose
   * access token has expired (token refreshes), one whose refresh token has
   * expired (an API-key session renews with its key), or a valid one.
   */
  session: "none" | "valid" | "access-expired" | "refresh-expired";
  /** Whether the discovery cache is there (the fault then skips discovery). */
  cache: boolean;
  /**
   * The fault starts once the CLI prints "Waiting for validation", and the
   * person then approves the login: the fault hits the polls.
   */
  whilePolling?: boolean;
}

const LOGIN_DEVICE = ["user", "login", "--no-qr"];
const LOGIN_KEY = ["user", "login", "--api-key", "-"];

/** Every row of the matrix. */
export const ROWS: Row[] = [
  ...(["none", "valid"] as const).flatMap((session): Row[] => {
    const over = session === "none" ? "fresh" : "over a session";
    return [
      {
        id: `login-device/discovery/${over}`,
        args: LOGIN_DEVICE,
        command: `login (device, ${over})`,
        stage: "discovery",
        session,
        cache: false,
      },
      {
        id: `login-device/device-authorization/${over}`,
        args: LOGIN_DEVICE,
        command: `login (device, ${over})`,
        stage: "device authorization",
        session,
        cache: true,
      },
      {
        id: `login-device/polling/${over}`,
        args: LOGIN_DEVICE,
        command: `login (device, ${over})`,
        stage: "polling (approved)",
        session,
        cache: true,
        whilePolling: true,
      },
      {
        id: `login-api-key/exchange/${over}`,
        args: LOGIN_KEY,
        stdin: "api-key",
        command: `login (API key, ${over})`,
        stage: "API-key exchange",
        session,
        cache: false,
      },
    ];
  }),
  {
    id: "status/api-key-renewal",
    args: ["user", "status"],
    command: "status (API-key session, refresh token expired)",
    stage: "API-key exchange",
    session: "refresh-expired",
    cache: false,
  },
  {
    id: "token/discovery",
    args: ["user", "token"],
    command: "token (access token expired)",
    stage: "discovery",
    session: "access-expired",
    cache: false,
  },
  {
    id: "token/refresh",
    args: ["user", "token"],
    command: "token (access token expired)",
    stage: "refresh",
    session: "access-expired",
    cache: true,
  },
  {
    id: "logout/discovery",
    args: ["user", "logout", "-y"],
    command: "logout -y",
    stage: "discovery",
    session: "valid",
    cache: false,
  },
  {
    id: "logout/revocation",
    args: ["user", "logout", "-y"],
    command: "logout -y",
    stage: "revocation",
    session: "valid",
    cache: true,
  },
];

/** What a case must end with. */
export interface Outcome {
  /** The exit code. */
  code: number;
  /** The last lines of stderr, exactly (earlier ones are progress lines). */
  lines: string[];
  /** The session file afterwards: absent, byte-identical, or removed. */
  session: "absent" | "intact" | "removed";
}

const DEVICE = 'Failed to log in using "device-code" method';
const KEY = 'Failed to log in using "api-key" method';
const USE = "Could not use the session";

/** Where the lines name the server's host:port (the fault proxy's, in the test). */
export const HOST = "HOST";

const network = (action: string, what: string, timedOut: boolean) =>
  `${action}: ${what} ${
    timedOut ? `at ${HOST} did not answer in time` : "could not be reached"
  }. Check your network connection and PILOT_AUTH_URL, then try again.`;
const protocol = (action: string, message: string) =>
  `${action}: ${message}. Check PILOT_AUTH_URL; if it is right, the server is having trouble: try again later.`;

/** The line for a fault at a request that is not a device poll. */
function failureLine(
  fault: CaseFault,
  action: string,
  what: string,
  answer: {
    missing: string;
    slowDown: string;
  },
): string {
  switch (fault) {
    case "refuse":
    case "drop":
      return network(action, what, false);
    case "hang":
      return network(action, what, true);
    case "html500":
      return protocol(
        action,
        `${what} answered HTTP 500 without a JSON object`,
      );
    case "bad_json":
      return protocol(
        action,
        `${what} answered HTTP 200 without a JSON object`,
      );
    case "missing_fields":
      return answer.missing;
    case "slow_down":
      return answer.slowDown;
  }
}

/** Exactly what the user must see for `fault` at `row`. */
export function expected(fault: CaseFault, row: Row): Outcome {
  const failed = (line: string): Outcome => ({
    code: 1,
    lines: [line],
    session: row.session === "none" ? "absent" : "intact",
  });
  const discoveryLine = (action: string) =>
    failureLine(fault, action, "the discovery document", {
      missing: protocol(
        action,
        "the discovery document is not usable: token_endpoint is missing",
      ),
      slowDown: protocol(
        action,
        "the discovery document is not usable: the server answered HTTP 400",
      ),
    });
  const exchangeLine = (action: string) =>
    failureLine(fault, action, "the API-key endpoint", {
      missing: protocol(
        action,
        "the token response is not usable: access_token is missing",
      ),
      slowDown: protocol(
        action,
        "the API-key endpoint answered HTTP 400 (slow_down)",
      ),
    });
  const [kind, stage] = row.id.split("/");
  switch (`${kind}/${stage}`) {
    case "login-device/discovery":
      return failed(discoveryLine(DEVICE));
    case "login-device/device-authorization":
      return failed(failureLine(
        fault,
        DEVICE,
        "the device authorization endpoint",
        {
          missing: protocol(
            DEVICE,
            "the device authorization response is not usable: device_code is missing",
          ),
          slowDown:
            `${DEVICE}: the server refused to start a device login (slow_down). Check PILOT_AUTH_URL and PILOT_CLIENT_ID.`,
        },
      ));
    case "login-device/polling":
      // Polling rides out every fault until the code expires, except an
      // answer that is JSON and 200 but not usable.
      return failed(
        fault === "missing_fields"
          ? protocol(
            DEVICE,
            "the token response is not usable: access_token is missing",
          )
          : DEVICE_EXPIRED,
      );
    case "login-api-key/exchange":
      return failed(exchangeLine(KEY));
    case "status/api-key-renewal":
      return failed(exchangeLine(USE));
    case "token/discovery":
      return failed(discoveryLine(USE));
    case "token/refresh":
      return failed(failureLine(fault, USE, "the token endpoint", {
        missing: protocol(
          USE,
          "the token response is not usable: access_token is missing",
        ),
        slowDown: protocol(
          USE,
          "the token endpoint answered HTTP 400 (slow_down)",
        ),
      }));
    case "logout/discovery":
    case "logout/revocation": {
      // A 200 answer is a successful revocation (RFC 7009 §2.2), whatever
      // its body; the server cannot be told otherwise, and the local
      // session goes in every case.
      const told = stage === "revocation" &&
        (fault === "bad_json" || fault === "missing_fields");
      return {
        code: 0,
        lines: told ? [LOGOUT_DONE] : [LOGOUT_SERVER_UNREACHABLE, LOGOUT_DONE],
        session: "removed",
      };
    }
  }
  throw new Error(`no expectation for ${row.id}`);
}

/**
 * Cases that failed because of a bug in src until commit c466f98 fixed it
 * (docs/reliability.md, "Bugs found and fixed"). Should such a case fail
 * again, it shows this note first: the bug is back.
 */
export function fixedBug(fault: CaseFault, row: Row): string | undefined {
  if (fault === "missing_fields" && row.stage === "device authorization") {
    return "REGRESSION of bug 1 (docs/reliability.md, fixed in c466f98): " +
      "parseDeviceAuthorization must throw DeviceAuthorizationError, which " +
      "src/cli/failure.ts maps like TokenResponseError; anything else reads " +
      '"pilotcli failed unexpectedly".';
  }
  return undefined;
}

/** Every distinct expected line, numbered in order of first use. */
export function lineCatalogue(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const row of ROWS) {
    for (const fault of FAULTS) {
      for (const line of expected(fault, row).lines) {
        if (!codes.has(line)) codes.set(line, `L${codes.size + 1}`);
      }
    }
  }
  return codes;
}

/** The matrix as the Markdown that docs/reliability.md shows. */
export function matrixMarkdown(): string {
  const codes = lineCatalogue();
  const header = `| command | stage hit | ${
    FAULTS.join(" | ")
  } | session file after |`;
  const rule = `| --- | --- | ${FAULTS.map(() => "---").join(" | ")} | --- |`;
  const rows = ROWS.map((row) => {
    const sessions = new Set<string>();
    const cells = FAULTS.map((fault) => {
      const outcome = expected(fault, row);
      sessions.add(outcome.session);
      const lines = outcome.lines.map((line) => codes.get(line)).join("+");
      return `${lines}, exit ${outcome.code}`;
    });
    const session = [...sessions].map((s) => SESSION_AFTER[s]).join(", ");
    return `| ${row.command} | ${row.stage} | ${
      cells.join(" | ")
    } | ${session} |`;
  });
  const legend = [...codes].map(([line, code]) => `- **${code}**: ${line}`);
  return [
    header,
    rule,
    ...rows,
    "",
    `In the lines, ${HOST} stands for the server's host and port.`,
    "",
    ...legend,
  ].join("\n");
}

const SESSION_AFTER: Record<string, string> = {
  absent: "none stored",
  intact: "byte-identical",
  removed: "removed",
};

if (import.meta.main) console.log(matrixMarkdown());
