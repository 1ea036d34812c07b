/**
 * Hostile servers: every case of hostile_cases.ts against a fake realm of
 * its own (hostile_realm.ts), on Deno from source, the Deno bundle and the
 * Node package, all at once; then each is checked in a step of its own: the
 * exact lines, the exit code, no control character on stdout or stderr, no
 * stack trace, no request at the foreign server, no cleartext at an https
 * realm, the session file as said, no leftovers, and where the case says
 * so, the peak memory and the pace of the polls.
 */

import assert from "node:assert/strict";
import {
  buildDenoBundle,
  installNodePackage,
  type Runtime,
  RUNTIMES,
} from "../e2e/cli.ts";
import { parseSession } from "../../src/session/session.ts";
import { Cli, type RunResult } from "./cli_runner.ts";
import {
  CASES,
  type Expected,
  type HostileCase,
  MEMORY_LIMIT_MB,
  type Where,
} from "./hostile_cases.ts";
import {
  fakeJwt,
  type FakeServer,
  makeTestTls,
  type Realm,
  type Received,
  startForeign,
  startRealm,
  type TestTls,
  tlsTrustEnv,
} from "./hostile_realm.ts";
import {
  bytesOf,
  craftSession,
  leftovers,
  linesOf,
  pool,
  sameBytes,
  stackLines,
  TempRoot,
} from "./world.ts";

/** How many runs go at once (each run is one CLI process at a time). */
const PARALLEL = 16;

/**
 * A control character on the terminal: C0 but newline, DEL, C1, the
 * bidirectional controls (ALM, LRM, RLM, the embeddings, overrides and
 * isolates), and the line and paragraph separators.
 */
const CONTROL =
  // deno-lint-ignore no-control-regex
  /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A process above this (resident, MB) is killed: the case has failed anyway. */
const MEMORY_KILL_MB = 600;

/** What one step of a run left. */
interface StepResult {
  args: string[];
  expected: Expected;
  result?: RunResult;
  before?: Uint8Array;
  after?: Uint8Array;
  asides: string[];
  leftovers: string[];
  /** Peak resident memory (VmHWM) in MB, when measured. */
  peakMb?: number;
}

/** What one run of a case on one runtime left. */
interface CaseRun {
  c: HostileCase;
  runtime: Runtime;
  /** Run with PILOT_DEBUG=1. */
  debug: boolean;
  steps: StepResult[];
  realm?: Received[];
  foreign?: Received[];
  cleartext: string[];
  /** What discovery.json is after a case that made it a FIFO or a link. */
  cacheAfter?: "file" | "other" | "none";
  error?: unknown;
}

Deno.test("hostile servers: every case on every runtime, inert and bounded, secrets at the realm only", async (t) => {
  const root = await TempRoot.make("pilotcli-hostile-");
  try {
    const [tls] = await Promise.all([
      makeTestTls(),
      buildDenoBundle(),
      installNodePackage(),
    ]);
    const runs = RUNTIMES.flatMap((runtime) =>
      CASES.flatMap((c) => [
        { c, runtime, debug: false },
        ...(c.debugToo ? [{ c, runtime, debug: true }] : []),
      ])
    ) // Cases that wait (polls, timeouts, several steps) first, to overlap.
      .sort((a, b) => Number(waits(b.c)) - Number(waits(a.c)));
    const started = performance.now();
    const results = await pool(
      PARALLEL,
      runs.map((run) => () => runCase(run, root, tls)),
    );
    const wall = performance.now() - started;
    for (const run of results) {
      await t.step(
        `${run.runtime} × ${run.c.id}${run.debug ? " (PILOT_DEBUG=1)" : ""}`,
        () => check(run),
      );
    }
    const peaks = results.flatMap((run) =>
      run.steps.flatMap((s) =>
        s.peakMb === undefined
          ? []
          : [`${run.runtime} ${run.c.id} ${s.peakMb.toFixed(0)} MB`]
      )
    );
    const timed = results.flatMap((run) =>
      run.steps.map((s) => ({ run, ms: s.result?.ms ?? 0 }))
    ).sort((a, b) => b.ms - a.ms);
    const cliSeconds = timed.reduce((sum, t) => sum + t.ms, 0) / 1000;
    console.log(
      `figures: ${timed.length} CLI runs, ${
        cliSeconds.toFixed(0)
      } s in all; slowest: ${
        timed.slice(0, 3).map((t) =>
          `${t.run.runtime} ${t.run.c.id} ${(t.ms / 1000).toFixed(1)} s`
        ).join(", ")
      }`,
    );
    console.log(
      `figures: ${results.length} runs (${CASES.length} cases × ${RUNTIMES.length} runtimes, ${
        CASES.filter((c) => c.debugToo).length
      } of the cases again with PILOT_DEBUG=1) in ${
        (wall / 1000).toFixed(1)
      } s; peak memory: ${peaks.join(", ")}`,
    );
  } finally {
    await root.cleanup();
  }
});

Deno.test("the fake realm's recorders see a request at the foreign server and cleartext at an https realm's port", async () => {
  const root = await TempRoot.make("pilotcli-hostile-self-");
  const foreign = startForeign("127.0.0.2");
  let realm: Realm | undefined;
  const tls = await makeTestTls();
  const client = Deno.createHttpClient({
    caCerts: [await Deno.readTextFile(tls.caFile)],
  });
  try {
    realm = startRealm({ script: {}, foreign: foreign.origin, tls });
    const form = new URLSearchParams({ grant_type: "refresh_token" });
    await (await fetch(`${foreign.origin}/token`, {
      method: "POST",
      body: form,
    })).body?.cancel();
    assert.deepEqual(
      foreign.received.map((r) => [r.path, r.form.grant_type]),
      [["/token", "refresh_token"]],
    );
    // Through the front, over TLS, the realm answers.
    const discovery = await fetch(
      `${realm.place.authUrl}/.well-known/openid-configuration`,
      { client },
    );
    assert.equal((await discovery.json()).issuer, realm.place.authUrl);
    assert.deepEqual(realm.cleartext, []);
    // In cleartext, the port records what it got and answers nothing.
    const http = realm.place.authUrl.replace(/^https:/, "http:");
    await assert.rejects(fetch(`${http}/protocol/openid-connect/token`, {
      method: "POST",
      body: new URLSearchParams({ device_code: "dc-secret" }),
    }));
    assert.equal(realm.cleartext.length, 1);
    assert.match(realm.cleartext[0], /^POST \/realms\/pilot\/protocol/);
  } finally {
    client.close();
    await realm?.close();
    await foreign.close();
    await root.cleanup();
  }
});

/** Whether a case spends seconds waiting rather than working. */
function waits(c: HostileCase): boolean {
  return c.pollFloorMs !== undefined ||
    c.env?.PILOT_HTTP_TIMEOUT !== undefined ||
    c.steps.length > 1;
}

async function runCase(
  { c, runtime, debug }: { c: HostileCase; runtime: Runtime; debug: boolean },
  root: TempRoot,
  tls: TestTls,
): Promise<CaseRun> {
  const run: CaseRun = { c, runtime, debug, steps: [], cleartext: [] };
  let foreign: FakeServer | undefined;
  let realm: Realm | undefined;
  const dir = root.dir();
  try {
    foreign = startForeign(
      c.foreign === "other-port" ? "127.0.0.1" : "127.0.0.2",
    );
    realm = startRealm({
      script: c.script,
      foreign: foreign.origin,
      tls: c.tls ? tls : undefined,
    });
    await prepare(c, realm, dir);
    const where: Where = { place: realm.place, dir };
    for (const step of c.steps) {
      const s: StepResult = {
        args: step.args,
        expected: step.expect(where),
        before: await bytesOf(`${dir}/session.json`),
        asides: [],
        leftovers: [],
      };
      run.steps.push(s);
      const memory = c.memory ? measureMemory(dir) : undefined;
      const cli = new Cli(step.args, {
        authUrl: realm.place.authUrl,
        configDir: dir,
        stdin: step.stdin,
        env: {
          ...c.env,
          ...(c.tls ? tlsTrustEnv(tls) : {}),
          ...(debug ? { PILOT_DEBUG: "1" } : {}),
        },
        runtime,
        wrapper: memory?.wrapper,
      });
      if (step.interruptWhileStreaming) {
        realm.streaming.then(() => cli.kill("SIGINT"));
      }
      s.result = await cli.result();
      s.peakMb = await memory?.stop();
      s.after = await bytesOf(`${dir}/session.json`);
      s.asides = await asidesOf(dir);
      s.leftovers = await leftovers(dir);
    }
    if (c.cacheFile) {
      run.cacheAfter = await Deno.lstat(`${dir}/discovery.json`).then(
        (info) => info.isFile ? "file" : "other",
        () => "none",
      );
    }
  } catch (error) {
    run.error = error;
  } finally {
    await realm?.close();
    await foreign?.close();
  }
  run.realm = realm?.received;
  run.foreign = foreign?.received;
  run.cleartext = realm?.cleartext ?? [];
  return run;
}

/** Makes the config dir the case starts from. */
async function prepare(c: HostileCase, realm: Realm, dir: string) {
  if (c.before !== "empty") {
    const now = Math.floor(Date.now() / 1000);
    await craftSession(dir, {
      authUrl: realm.place.authUrl,
      method: "device-code",
      tokens: {
        access_token: fakeJwt({
          preferred_username: "alice",
          iat: now,
          exp: now + 300,
        }),
        refresh_token: fakeJwt({ typ: "Refresh" }),
        expires_in: 300,
      },
      accessExpired: c.before === "access-expired",
    });
  }
  if (c.storedField) {
    const path = `${dir}/session.json`;
    const record = JSON.parse(await Deno.readTextFile(path));
    record[c.storedField[0]] = c.storedField[1];
    await Deno.writeTextFile(path, JSON.stringify(record), { mode: 0o600 });
  }
  if (c.cacheFile) {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    const path = `${dir}/discovery.json`;
    if (c.cacheFile === "zero-link") {
      await Deno.symlink("/dev/zero", path);
    } else {
      const made = await new Deno.Command("mkfifo", {
        args: ["-m", "600", path],
      }).output();
      if (!made.success) throw new Error("mkfifo failed");
    }
  }
  if (c.cache) {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(
      `${dir}/discovery.json`,
      JSON.stringify({
        fetchedAt: Math.floor(Date.now() / 1000),
        document: c.cache(realm.place),
      }),
      { mode: 0o600 },
    );
  }
}

/** The files a corrupt session was moved to. */
async function asidesOf(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.startsWith("session.json.corrupt-")) {
        names.push(entry.name);
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names;
}

/**
 * Runs the CLI under python3, which writes the CLI's pid to `<file>.pid`,
 * and once the CLI has exited, its peak resident memory as the kernel
 * counted it (ru_maxrss of the waited-for child, KiB) to `<file>`. Exit
 * codes pass through (128 + n after signal n).
 */
const MEASURE = `import resource, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
with open(sys.argv[1] + ".pid", "w") as f:
    f.write(str(child.pid))
code = child.wait()
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code if code >= 0 else 128 - code)`;

/**
 * Measures the peak memory of a CLI run: `wrapper` goes into its options;
 * `stop` (once the run is over) gives the peak in MB. Meanwhile it kills the
 * CLI once it holds more than MEMORY_KILL_MB, so that a client without a
 * cap cannot take the machine down with it.
 */
function measureMemory(dir: string): {
  wrapper: string[];
  stop(): Promise<number | undefined>;
} {
  const file = `${dir}.peak`;
  let stopped = false;
  const guarding = (async () => {
    let pid: number | undefined;
    while (!stopped) {
      pid ??= Number(await Deno.readTextFile(`${file}.pid`).catch(() => "")) ||
        undefined;
      if (pid !== undefined) {
        const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(
          () => "",
        );
        const rssKb = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0);
        if (rssKb > MEMORY_KILL_MB * 1024) {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch {
            // Gone already.
          }
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    wrapper: ["python3", "-c", MEASURE, file],
    async stop() {
      stopped = true;
      await guarding;
      const kb = Number(await Deno.readTextFile(file).catch(() => ""));
      return kb > 0 ? kb / 1024 : undefined;
    },
  };
}

function check(run: CaseRun): void {
  if (run.error) throw run.error;
  const { c } = run;
  for (const s of run.steps) checkStep(run, s);
  assert.deepEqual(
    run.foreign?.map((r) => `${r.method} ${r.path} ${Object.keys(r.form)}`),
    [],
    "the foreign server got requests (secrets leave the realm's origin)",
  );
  assert.deepEqual(
    run.cleartext,
    [],
    "bytes reached the https realm's port in cleartext",
  );
  if (c.memory) {
    for (const s of run.steps) {
      assert.ok(s.peakMb !== undefined && s.peakMb > 0, "no memory measured");
      assert.ok(
        s.peakMb < MEMORY_LIMIT_MB,
        `peak memory ${s.peakMb.toFixed(0)} MB, over ${MEMORY_LIMIT_MB} MB`,
      );
    }
  }
  if (c.pollFloorMs !== undefined) checkPolls(run, c.pollFloorMs);
  if (c.cacheFile) {
    assert.equal(run.cacheAfter, "file", "discovery.json was not replaced");
  }
}

function checkStep(run: CaseRun, s: StepResult): void {
  const result = s.result;
  assert.ok(result, `pilotcli ${s.args.join(" ")} did not run`);
  const { expected } = s;
  const context = `\n--- ${run.runtime} × ${run.c.id}${
    run.debug ? " (PILOT_DEBUG=1)" : ""
  }: pilotcli ${s.args.join(" ")} ---\nexit ${result.code}\nstderr: ${
    JSON.stringify(result.stderr)
  }\nstdout: ${JSON.stringify(result.stdout)}`;
  assert.equal(result.overLimit, false, `the CLI never ended${context}`);
  assert.doesNotMatch(result.stderr, CONTROL, `control character${context}`);
  assert.doesNotMatch(result.stdout, CONTROL, `control character${context}`);
  // With PILOT_DEBUG=1 causes and stack traces follow the lines.
  const lines = linesOf(result.stderr);
  if (run.debug) {
    assert.ok(lines.length > expected.stderr.length, `no details${context}`);
  } else {
    assert.deepEqual(stackLines(result.stderr), [], `a stack trace${context}`);
    assert.equal(
      lines.length,
      expected.stderr.length,
      `number of stderr lines${context}`,
    );
  }
  expected.stderr.forEach((want, i) => {
    if (typeof want === "string") {
      assert.equal(lines[i], want, `stderr line ${i + 1}${context}`);
    } else {
      assert.match(lines[i], want.match, `stderr line ${i + 1}${context}`);
    }
  });
  assert.equal(result.code, expected.code, `exit code${context}`);
  const out = linesOf(result.stdout);
  if (expected.stdout === "token") {
    assert.ok(s.after, `no session to take the token from${context}`);
    const stored = parseSession(new TextDecoder().decode(s.after));
    assert.equal(result.stdout, `${stored.accessToken}\n`, `stdout${context}`);
  } else if (expected.stdout === "json") {
    assert.ok(expected.json, "a JSON step names the values it checks");
  } else {
    assert.equal(
      out.length,
      expected.stdout.length,
      `number of stdout lines${context}`,
    );
    expected.stdout.forEach((want, i) => {
      if (typeof want === "string") {
        assert.equal(out[i], want, `stdout line ${i + 1}${context}`);
      } else {
        assert.match(out[i], want, `stdout line ${i + 1}${context}`);
      }
    });
  }
  if (expected.json) {
    const json = JSON.parse(result.stdout);
    for (const [key, value] of Object.entries(expected.json)) {
      assert.deepEqual(json[key], value, `--json ${key}${context}`);
    }
  }
  switch (expected.session) {
    case "absent":
      assert.equal(s.after, undefined, `a session was stored${context}`);
      break;
    case "intact":
      assert.ok(
        sameBytes(s.before, s.after),
        `the session file changed${context}`,
      );
      break;
    case "stored":
      assert.ok(s.after, `no session stored${context}`);
      parseSession(new TextDecoder().decode(s.after));
      break;
    case "removed":
      assert.ok(s.before, `no session before${context}`);
      assert.equal(s.after, undefined, `the session is still there${context}`);
      break;
    case "aside":
      assert.equal(s.after, undefined, `the session is still there${context}`);
      assert.equal(s.asides.length, 1, `not moved aside${context}`);
      break;
  }
  if (expected.asides !== undefined) {
    assert.equal(
      s.asides.length,
      expected.asides,
      `moved-aside session files${context}`,
    );
  }
  assert.deepEqual(s.leftovers, [], `temp or lock files left${context}`);
}

/** Device polls come at most once every `floorMs`, from the first on. */
function checkPolls(run: CaseRun, floorMs: number): void {
  const realm = run.realm ?? [];
  const device = realm.find((r) => r.endpoint === "device");
  const polls = realm.filter((r) =>
    r.endpoint === "token" &&
    r.form.grant_type === "urn:ietf:params:oauth:grant-type:device_code"
  );
  assert.ok(device, "no device authorization request");
  assert.equal(polls.length, 3, "polls: two pending, then approved");
  // Timers may fire a millisecond early, on Node above all.
  const slack = 20;
  let last = device.at;
  for (const poll of polls) {
    assert.ok(
      poll.at - last >= floorMs - slack,
      `a poll ${(poll.at - last).toFixed(0)} ms after the request before it`,
    );
    last = poll.at;
  }
}
