/**
 * Server faults: every fault of the fault proxy against every command at
 * every stage it talks to the server (see fault_cases.ts). Each case gets
 * its own proxy and config dir; all cases run at once (a hanging request
 * costs the CLI its request timeout, made 2 s here with PILOT_HTTP_TIMEOUT
 * rather than waited out at the default 15 s; the revocation's own 5 s limit
 * stays), then each is checked in a step of its own:
 * the exact line, the exit code, no stack trace, nothing on stdout, no
 * partial session, an existing session byte-identical, no leftovers, and
 * the fault really hit the stage the row names.
 */

import assert from "node:assert/strict";
import { approveOverHttp } from "../idp/person_http.ts";
import {
  TRYING_API_KEY,
  TRYING_DEVICE_CODE,
  WAITING,
} from "../../src/ui/messages.ts";
import { Cli, type RunResult } from "./cli_runner.ts";
import {
  type CaseFault,
  expected,
  fixedBug,
  HOST,
  type Outcome,
  type Row,
  ROWS,
} from "./fault_cases.ts";
import { FAULTS, type ProxiedRequest, startFaultProxy } from "./fault_proxy.ts";
import {
  authUrlOf,
  bytesOf,
  craftSession,
  directTokens,
  leftovers,
  linesOf,
  markerKey,
  originOf,
  pool,
  printedLink,
  REALM_PATH,
  sameBytes,
  stackLines,
  startTestIdp,
  TempRoot,
  USER,
  writeDiscoveryCache,
} from "./world.ts";

/** The port band of this file's proxies. */
const SLOT = 0;
/**
 * PILOT_HTTP_TIMEOUT of the hanging cases, in seconds: the line they must
 * print is the same whatever the limit, and 2 s leaves the requests before
 * the hanging one room on a busy machine.
 */
const HANG_TIMEOUT = "2";
/** Device codes live this long: polling must end by itself within it. */
const DEVICE_CODE_TTL = 6;

/** The path each stage's first request goes to. */
const STAGE_PATHS: Record<string, RegExp> = {
  "discovery": /\/\.well-known\/openid-configuration$/,
  "device authorization": /\/protocol\/openid-connect\/auth\/device$/,
  "polling (approved)": /\/protocol\/openid-connect\/token$/,
  "API-key exchange": /\/api-key\//,
  "refresh": /\/protocol\/openid-connect\/token$/,
  "revocation": /\/protocol\/openid-connect\/revoke$/,
};

/** Progress lines a command may print before its last lines. */
const PROGRESS: RegExp[] = [
  new RegExp(`^${escape(TRYING_DEVICE_CODE)}$`),
  new RegExp(`^${escape(TRYING_API_KEY)}$`),
  /^Open this link to log in: http:\/\/127\.0\.0\.1:\d+\S+$/,
  new RegExp(`^${escape(WAITING)}$`),
];

interface CaseResult {
  fault: CaseFault;
  row: Row;
  outcome: Outcome;
  /** The proxy's host:port, which timed-out lines name. */
  host: string;
  result?: RunResult;
  error?: unknown;
  before?: Uint8Array;
  after?: Uint8Array;
  leftovers: string[];
  requests: ProxiedRequest[];
  switchedAt?: number;
}

Deno.test("server faults: every fault × every command gives one clear line and leaves the session whole", async (t) => {
  const apiKey = markerKey();
  const idp = await startTestIdp([apiKey], {
    deviceCodeTtl: DEVICE_CODE_TTL,
  });
  const root = await TempRoot.make("pilotcli-faults-");
  const started = performance.now();
  try {
    const cases = FAULTS.flatMap((fault) => ROWS.map((row) => ({ fault, row })))
      // The long cases first (hanging requests wait out their timeout,
      // polling ones the device code's life), so that they wait together.
      .sort((a, b) => long(b) - long(a));
    const results = await pool(
      24,
      cases.map(({ fault, row }) => () =>
        runCase(idp, root, apiKey, fault, row)
      ),
    );
    const wall = performance.now() - started;
    for (const c of results) {
      await t.step(`${c.fault} × ${c.row.id}`, () => check(c));
    }
    const slowest = results.reduce((a, b) =>
      (b.result?.ms ?? 0) > (a.result?.ms ?? 0) ? b : a
    );
    console.log(
      `figures: ${results.length} cases (${FAULTS.length} faults × ${ROWS.length} rows) in ${
        (wall / 1000).toFixed(1)
      } s; slowest ${slowest.fault} × ${slowest.row.id} ${
        ((slowest.result?.ms ?? 0) / 1000).toFixed(1)
      } s; hang cases ${
        seconds(results.filter((c) => c.fault === "hang"))
      }; polling cases ${
        seconds(results.filter((c) => c.row.whilePolling && c.fault !== "hang"))
      }`,
    );
  } finally {
    await idp.close();
    await root.cleanup();
  }
});

/** 1 for a case that waits out a time limit, else 0. */
function long(c: { fault: CaseFault; row: Row }): number {
  return Number(c.fault === "hang" || c.row.whilePolling === true);
}

function seconds(results: CaseResult[]): string {
  const ms = results.map((c) => c.result?.ms ?? 0);
  return `${(Math.min(...ms) / 1000).toFixed(1)}-${
    (Math.max(...ms) / 1000).toFixed(1)
  } s`;
}

async function runCase(
  idp: Awaited<ReturnType<typeof startTestIdp>>,
  root: TempRoot,
  apiKey: string,
  fault: CaseFault,
  row: Row,
): Promise<CaseResult> {
  const proxy = await startFaultProxy(originOf(idp.issuer), { slot: SLOT });
  const c: CaseResult = {
    fault,
    row,
    outcome: expected(fault, row),
    host: new URL(authUrlOf(proxy)).host,
    leftovers: [],
    requests: proxy.requests,
  };
  const dir = root.dir();
  try {
    const authUrl = authUrlOf(proxy);
    if (row.session !== "none") {
      c.before = await craftSession(dir, {
        authUrl,
        method: row.session === "refresh-expired" ? "api-key" : "device-code",
        tokens: await directTokens(idp, apiKey),
        apiKey,
        accessExpired: row.session === "access-expired",
        refreshExpired: row.session === "refresh-expired",
      });
    }
    if (row.cache) await writeDiscoveryCache(dir, idp, proxy);
    if (!row.whilePolling) {
      await proxy.setFault(fault);
      c.switchedAt = 0;
    }
    const cli = new Cli(row.args, {
      authUrl,
      configDir: dir,
      stdin: row.stdin === "api-key" ? `${apiKey}\n` : undefined,
      env: fault === "hang" ? { PILOT_HTTP_TIMEOUT: HANG_TIMEOUT } : undefined,
    });
    try {
      if (row.whilePolling) {
        const link = await printedLink(cli);
        await cli.waitForStderr(new RegExp(escape(WAITING)));
        c.switchedAt = proxy.requests.length;
        await proxy.setFault(fault);
        // The person approves at the server itself: the proxy is faulty.
        await approveOverHttp(proxy.unrewrite(link), USER);
      }
    } catch (error) {
      c.error = error;
    }
    c.result = await cli.result();
  } catch (error) {
    c.error ??= error;
  } finally {
    await proxy.close();
  }
  c.after = await bytesOf(`${dir}/session.json`);
  c.leftovers = await leftovers(dir);
  return c;
}

function check(c: CaseResult): void {
  try {
    checkCase(c);
  } catch (error) {
    const regression = fixedBug(c.fault, c.row);
    if (regression && error instanceof Error) {
      error.message = `${regression}\n${error.message}`;
    }
    throw error;
  }
}

function checkCase(c: CaseResult): void {
  const { outcome, row, fault } = c;
  if (c.error) throw c.error;
  const result = c.result!;
  const context = `\n--- stderr of ${fault} × ${row.id} ---\n${result.stderr}`;
  assert.equal(result.overLimit, false, `the CLI never ended${context}`);
  assert.deepEqual(stackLines(result.stderr), [], `a stack trace${context}`);
  const lines = linesOf(result.stderr);
  assert.deepEqual(
    lines.slice(-outcome.lines.length),
    outcome.lines.map((line) => line.replaceAll(HOST, c.host)),
    `the last line${outcome.lines.length > 1 ? "s" : ""} of stderr${context}`,
  );
  for (const line of lines.slice(0, -outcome.lines.length)) {
    assert.ok(
      PROGRESS.some((p) => p.test(line)),
      `a line that is neither progress nor the failure: ${
        JSON.stringify(line)
      }${context}`,
    );
  }
  assert.equal(result.code, outcome.code, `exit code${context}`);
  assert.equal(result.stdout, "", "nothing on stdout");
  switch (outcome.session) {
    case "absent":
      assert.equal(c.after, undefined, "a session was stored");
      break;
    case "intact":
      assert.ok(
        sameBytes(c.before, c.after),
        "the existing session file changed",
      );
      break;
    case "removed":
      assert.equal(c.after, undefined, "logout left the session");
      break;
  }
  assert.deepEqual(c.leftovers, [], "temp or lock files left");
  // The fault hit the stage the row is about.
  const faulted = c.requests.slice(c.switchedAt ?? 0);
  if (fault === "refuse") {
    // Only a poll already connected when the port closed can show up here,
    // and it is cut off unanswered.
    assert.deepEqual(
      faulted.filter((r) => r.fault !== "refuse").map((r) => r.path),
      [],
      "a request got through the closed port",
    );
  } else {
    const first = faulted.find((r) => r.fault === fault);
    assert.ok(first, `no request met the fault ${fault}`);
    assert.match(
      first.path.slice(REALM_PATH.length),
      STAGE_PATHS[row.stage],
      "the fault hit another stage",
    );
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
