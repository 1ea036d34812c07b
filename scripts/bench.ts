/**
 * `deno task bench`: how fast pilotcli is, measured side by side in one run
 * on this machine, with warm-up runs and medians of several repetitions.
 *
 * 1. Start-up of `pilotcli --help` and of `pilotcli user status` (logged
 *    in, access token valid, so no network), under Deno (the program of
 *    `deno task build`, as the README installs it; mod.ts from source for
 *    comparison) and as the npm build under Node, each as a ratio to its
 *    bare runtime (`deno run` and `node` of an empty file), at the median
 *    and at the tenth percentile (the host's noise is mostly slow runs).
 *    On Node also without the code cache (a first run, scripts/npm_loader.ts),
 *    and next to `node` of an empty CommonJS file, which Node starts faster
 *    than an ES module (the program is CommonJS). Runs are interleaved, so
 *    drift hits all alike.
 * 2. Device login against the test identity server: the requests the CLI
 *    makes, and the delay from the approval to the Welcome line.
 * 3. `user token`: requests when the access token is valid, and expired.
 * 4. The npm tarball's size and its installed size.
 *
 * It prints one table and writes bench/results.json. Targets are reported,
 * never asserted: speed is measured here, not in tests.
 *
 * @module
 */

import { approveOverHttp } from "../tests/idp/person_http.ts";
import { type Idp, startIdp } from "../tests/idp/server.ts";
import {
  buildDenoBundle,
  CliProcess,
  installNodePackage,
  permissionFlags,
  runCli,
} from "../tests/e2e/cli.ts";
import { rootPath } from "./bundle.ts";

const ROOT = rootPath("./");
const REPS = Number(Deno.env.get("BENCH_REPS") ?? 31);
const WARMUP = 5;
const API_KEY = "pk-bench-0123456789abcdef";
const USER = { username: "alice", password: "alice" };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(cmd: string, args: string[], env: Record<string, string>) {
  const start = performance.now();
  const { code } = await new Deno.Command(cmd, {
    args,
    env,
    clearEnv: true,
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).output();
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${code}`);
  return ms;
}

interface StartupCase {
  name: string;
  cmd: string;
  args: string[];
  env: Record<string, string>;
  baseline?: string;
  /** A second baseline, reported beside the first. */
  alsoTo?: string;
  target?: number;
}

async function startupRows(idp: Idp, configDir: string, tmp: string) {
  await Deno.writeTextFile(`${tmp}/empty.ts`, "");
  await Deno.writeTextFile(`${tmp}/empty.mjs`, "");
  await Deno.writeTextFile(`${tmp}/empty.cjs`, "");
  const env = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/root",
    PILOT_AUTH_URL: idp.issuer,
    PILOT_CONFIG_DIR: configDir,
  };
  // On Node, the code cache (scripts/npm_loader.ts): the warm-up runs write
  // it, as a user's first run does. (Not for Deno, whose own cache is there.)
  const nodeEnv = { ...env, XDG_CACHE_HOME: `${tmp}/cache` };
  const deno = Deno.execPath();
  const run = ["run", "--quiet", ...permissionFlags(idp.issuer, configDir)];
  // The program as the README installs it, built afresh: Deno keeps the V8
  // code cache that the first run of a file makes, so the first run is what
  // a user's is, a login, and not one of the measured commands.
  const program = await buildDenoBundle();
  const login = await runCli(["user", "login", "--api-key", "-"], {
    authUrl: idp.issuer,
    configDir,
    stdin: API_KEY,
    runtime: "bundle",
  });
  if (login.code !== 0) throw new Error(login.stderr);
  const cases: StartupCase[] = [
    {
      name: "deno bare",
      cmd: deno,
      args: ["run", "--quiet", `${tmp}/empty.ts`],
      env,
    },
    {
      name: "deno --help",
      cmd: deno,
      args: [...run, "--no-config", program, "--help"],
      env,
      baseline: "deno bare",
      target: 1.25,
    },
    {
      name: "deno user status",
      cmd: deno,
      args: [...run, "--no-config", program, "user", "status"],
      env,
      baseline: "deno bare",
      target: 1.4,
    },
    {
      name: "deno --help, mod.ts from source",
      cmd: deno,
      args: [...run, `${ROOT}mod.ts`, "--help"],
      env,
      baseline: "deno bare",
    },
    {
      name: "deno user status, mod.ts from source",
      cmd: deno,
      args: [...run, `${ROOT}mod.ts`, "user", "status"],
      env,
      baseline: "deno bare",
    },
  ];
  // Built, packed and installed as the tests do it: offline, with an npm
  // cache of its own, the checkout's npm/ untouched.
  const npm = await installNodePackage();
  cases.push(
    {
      name: "node bare",
      cmd: "node",
      args: [`${tmp}/empty.mjs`],
      env: nodeEnv,
    },
    {
      name: "node bare, an empty CommonJS file",
      cmd: "node",
      args: [`${tmp}/empty.cjs`],
      env: nodeEnv,
      baseline: "node bare",
    },
    {
      name: "node --help",
      cmd: "node",
      args: [npm.bin, "--help"],
      env: nodeEnv,
      baseline: "node bare",
      alsoTo: "node bare, an empty CommonJS file",
      target: 1.1,
    },
    {
      name: "node user status",
      cmd: "node",
      args: [npm.bin, "user", "status"],
      env: nodeEnv,
      baseline: "node bare",
      alsoTo: "node bare, an empty CommonJS file",
      target: 1.25,
    },
    {
      name: "node user status, without the code cache",
      cmd: "node",
      args: [npm.bin, "user", "status"],
      env: { ...nodeEnv, NODE_DISABLE_COMPILE_CACHE: "1" },
      baseline: "node bare",
      alsoTo: "node bare, an empty CommonJS file",
    },
  );
  const before = idp.requests.length;
  const times = new Map(cases.map((c) => [c.name, [] as number[]]));
  for (let rep = -WARMUP; rep < REPS; rep++) {
    for (const c of cases) {
      const ms = await timed(c.cmd, c.args, c.env);
      if (rep >= 0) times.get(c.name)!.push(ms);
    }
  }
  const statusRequests = idp.requests.length - before;
  const ratioTo = (c: StartupCase, to: string | undefined, at = median) =>
    to === undefined
      ? undefined
      : round(at(times.get(c.name)!) / at(times.get(to)!), 2);
  const rows = cases.map((c) => {
    const ratio = ratioTo(c, c.baseline);
    return {
      name: c.name,
      medianMs: round(median(times.get(c.name)!)),
      ratio,
      p10Ratio: ratioTo(c, c.baseline, tenthPercentile),
      alsoTo: c.alsoTo,
      alsoRatio: ratioTo(c, c.alsoTo),
      target: c.target,
      met: ratio === undefined || c.target === undefined || ratio <= c.target,
    };
  });
  return { rows, statusRequests, npm };
}

function tenthPercentile(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 10)];
}

function round(value: number, digits = 1): number {
  return Number(value.toFixed(digits));
}

async function deviceLogins(count: number) {
  const interval = 1;
  const results = [];
  for (let i = 0; i < count; i++) {
    const idp = await startIdp({
      users: { [USER.username]: USER.password },
      interval,
    });
    const configDir = await Deno.makeTempDir({ prefix: "pilotcli-bench-" });
    try {
      // The second login of each pair finds the discovery document cached.
      const runs = [];
      for (const _ of [0, 1]) {
        const first = idp.requests.length;
        const cli = new CliProcess(["user", "login", "--no-qr"], {
          authUrl: idp.issuer,
          configDir,
        });
        const [, link] = await cli.waitForStderr(
          /Open this link to log in: (\S+)/,
        );
        await new Promise((r) => setTimeout(r, 500 + Math.random() * 2000));
        await approveOverHttp(link, USER);
        const approvedAt = performance.now();
        await cli.waitForStderr(
          /Welcome to the Pilot Command Line Interface!/,
          30_000,
        );
        const welcomeMs = performance.now() - approvedAt;
        const { code } = await cli.result();
        if (code !== 0) throw new Error("bench login failed");
        const requests = idp.requests.slice(first);
        const polls = requests.filter((r) =>
          r.grantType?.endsWith("device_code")
        );
        const authorized = requests.find((r) =>
          r.path.endsWith("/auth/device")
        )!;
        const elapsed = (polls.at(-1)!.at - authorized.at) / 1000;
        runs.push({
          discovery: requests.filter((r) =>
            r.path.includes("openid-configuration")
          ).length,
          polls: polls.length,
          pollLimit: Math.floor(1 + elapsed / interval),
          welcomeMs: round(welcomeMs),
        });
      }
      results.push(...runs);
    } finally {
      await idp.close();
      await Deno.remove(configDir, { recursive: true });
    }
  }
  return { interval, runs: results };
}

async function tokenRequests() {
  const idp = await startIdp({
    users: { [USER.username]: USER.password },
    interval: 0.2,
    // Long enough that the first call is well outside the refresh margin.
    accessTokenTtl: 6,
  });
  const configDir = await Deno.makeTempDir({ prefix: "pilotcli-bench-" });
  const options = { authUrl: idp.issuer, configDir };
  try {
    // A device login, as a person's session is: it caches discovery.
    const cli = new CliProcess(["user", "login", "--no-qr"], options);
    const [, link] = await cli.waitForStderr(/Open this link to log in: (\S+)/);
    await approveOverHttp(link, USER);
    if ((await cli.result()).code !== 0) throw new Error("bench login failed");
    let before = idp.requests.length;
    await runCli(["user", "token"], options);
    const valid = idp.requests.length - before;
    await new Promise((r) => setTimeout(r, 6100));
    before = idp.requests.length;
    await runCli(["user", "token"], options);
    const expired = idp.requests.length - before;
    return { valid, expired };
  } finally {
    await idp.close();
    await Deno.remove(configDir, { recursive: true });
  }
}

async function machine() {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))
    .match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown";
  const node = new TextDecoder().decode(
    (await new Deno.Command("node", { args: ["--version"] }).output()).stdout,
  ).trim();
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    node,
    os: Deno.build.os,
  };
}

const tmp = await Deno.makeTempDir({ prefix: "pilotcli-bench-" });
const idp = await startIdp({ apiKeys: { [API_KEY]: USER.username } });
const configDir = `${tmp}/config`;
try {
  const startup = await startupRows(idp, configDir, tmp);
  const device = await deviceLogins(3);
  const token = await tokenRequests();
  const results = {
    date: new Date().toISOString(),
    machine: await machine(),
    reps: REPS,
    startup: startup.rows,
    statusRequests: startup.statusRequests,
    deviceLogin: {
      interval: device.interval,
      runs: device.runs,
      medianWelcomeMs: median(device.runs.map((r) => r.welcomeMs)),
      targetWelcomeMs: device.interval * 1000 + 250,
    },
    token,
    npm: {
      tarballBytes: startup.npm.tarballBytes,
      installedBytes: startup.npm.installedBytes,
    },
  };
  await Deno.mkdir(`${ROOT}bench`, { recursive: true });
  await Deno.writeTextFile(
    `${ROOT}bench/results.json`,
    JSON.stringify(results, null, 2) + "\n",
  );
  const lines = [
    `| measure | median | ratio (tenth percentile) | target | met |`,
    `| --- | ---: | ---: | ---: | --- |`,
    ...startup.rows.map((r) =>
      `| start-up: ${r.name} | ${r.medianMs} ms | ${
        r.ratio === undefined ? "" : `${r.ratio}x (${r.p10Ratio}x)`
      }${r.alsoTo ? `; ${r.alsoRatio}x to ${r.alsoTo}` : ""} | ${
        r.target ? `≤ ${r.target}x` : ""
      } | ${r.target ? (r.met ? "yes" : "NO") : ""} |`
    ),
    `| user status: requests while valid, all runs | ${startup.statusRequests} | | 0 | ${
      startup.statusRequests === 0 ? "yes" : "NO"
    } |`,
    ...device.runs.map((r, i) =>
      `| device login ${i + 1}${
        i % 2 ? " (cached discovery)" : ""
      }: discovery, polls (limit), approval → Welcome | ${r.discovery}, ${r.polls} (${r.pollLimit}), ${r.welcomeMs} ms | | ≤ ${
        i % 2 ? 0 : 1
      }, ≤ limit, ≤ ${results.deviceLogin.targetWelcomeMs} ms | ${
        r.discovery <= (i % 2 ? 0 : 1) && r.polls <= r.pollLimit &&
          r.welcomeMs <= results.deviceLogin.targetWelcomeMs
          ? "yes"
          : "NO"
      } |`
    ),
    `| user token: requests, valid / expired | ${token.valid} / ${token.expired} | | 0 / 1 | ${
      token.valid === 0 && token.expired === 1 ? "yes" : "NO"
    } |`,
    `| npm tarball / installed | ${
      (startup.npm.tarballBytes / 1024).toFixed(1)
    } KiB / ${(startup.npm.installedBytes / 1024).toFixed(0)} KiB | | | |`,
  ];
  console.log(lines.join("\n"));
  console.log(
    `\n${
      JSON.stringify(results.machine)
    }; ${REPS} repetitions after ${WARMUP} warm-ups; bench/results.json written.`,
  );
} finally {
  await idp.close();
  await Deno.remove(tmp, { recursive: true });
}
