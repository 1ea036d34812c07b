/**
 * Crash safety: `kill -9` of a CLI process at random moments of a refresh
 * and of session writes, 100 times: at a random time; right after the lock
 * file appears; when the refresh (or revocation, or API-key exchange)
 * request reaches the server, before the server sees it; after the server
 * answered, before the CLI got the answer; just after the CLI got it; the
 * moment the temporary session file appears. After every kill the session
 * file, if there is one, is whole and parseable; the next `user token`
 * either works or says the session is invalid, cleanly; and once it has
 * run, no temporary file or lock is left.
 *
 * Kills run in 20 lanes at once (own config dir, own proxy): a kill that
 * leaves the lock behind makes the next run wait for the lock to go stale
 * (1 s without renewal), and 100 runs in a row would take a minute or more.
 */

import assert from "node:assert/strict";
import { approveOverHttp } from "../idp/person_http.ts";
import { parseSession, type Session } from "../../src/session/session.ts";
import { LOGOUT_DONE, SESSION_INVALID } from "../../src/ui/messages.ts";
import { Cli, runCli, type RunResult } from "./cli_runner.ts";
import {
  type FaultProxy,
  type RequestInfo,
  startFaultProxy,
} from "./fault_proxy.ts";
import {
  authUrlOf,
  craftSession,
  directTokens,
  expireAccessToken,
  leftovers,
  markerKey,
  originOf,
  printedLink,
  prng,
  revokeAtServer,
  startTestIdp,
  TempRoot,
  USER,
} from "./world.ts";

/** The port band of this file's proxies. */
const SLOT = 2;
const KILLS = 100;
const LANES = 20;
/** Fixed: the same choices of command and moment on every run. */
const SEED = 0x5eed_0001;

type Strategy =
  | "timer"
  | "lock-created"
  | "request-sent"
  | "server-answered"
  | "answer-relayed"
  | "temp-created";
type Command = "token" | "status" | "login" | "logout";

const STRATEGIES: [Strategy, number][] = [
  ["timer", 30],
  ["lock-created", 15],
  ["request-sent", 15],
  ["server-answered", 15],
  ["answer-relayed", 10],
  ["temp-created", 15],
];
const REQUEST_MOMENTS = new Set<Strategy>([
  "request-sent",
  "server-answered",
  "answer-relayed",
]);
const COMMANDS: [Command, number][] = [
  ["token", 55],
  ["status", 15],
  ["login", 15],
  ["logout", 15],
];

interface Kill {
  lane: number;
  command: Command;
  strategy: Strategy;
  /** What was on disk right after the kill. */
  left: string[];
  sessionAfterKill: "valid" | "absent";
  next: "works" | "invalid" | "failed";
  nextMs: number;
}

Deno.test(`crash safety: kill -9 at ${KILLS} random moments of refreshes and session writes`, async () => {
  const apiKey = markerKey();
  const idp = await startTestIdp([apiKey]);
  const root = await TempRoot.make("pilotcli-crash-");
  const kills: Kill[] = [];
  const problems: string[] = [];
  let unkilled = 0;
  const started = performance.now();
  try {
    // How long an unhurried refresh takes, for the random timer.
    const typical = await calibrate(idp, root, apiKey);
    await Promise.all(
      Array.from(
        { length: LANES },
        (_, lane) => runLane(lane, KILLS / LANES, typical),
      ),
    );
  } finally {
    await idp.close();
    await root.cleanup();
  }
  const wall = (performance.now() - started) / 1000;
  const count = <K extends keyof Kill>(key: K) => {
    const counts = new Map<Kill[K], number>();
    for (const k of kills) counts.set(k[key], (counts.get(k[key]) ?? 0) + 1);
    return [...counts].map(([v, n]) => `${v} ${n}`).join(", ");
  };
  // A kill that left the lock makes the next run wait for it to go stale.
  const waited = kills.filter((k) => k.left.includes("session.lock"));
  console.log(
    [
      `figures: ${kills.length} kills in ${LANES} lanes in ${
        wall.toFixed(1)
      } s (${unkilled} runs ended before their kill and were not counted)`,
      `  by moment: ${count("strategy")}`,
      `  by command: ${count("command")}`,
      `  left right after the kill: lock ${
        kills.filter((k) => k.left.includes("session.lock")).length
      }, temp file ${
        kills.filter((k) => k.left.some((n) => n.endsWith(".tmp"))).length
      }; session absent ${
        kills.filter((k) => k.sessionAfterKill === "absent").length
      }`,
      `  next run: ${
        count("next")
      }; ${waited.length} found the lock left behind and took ${
        (waited.reduce((a, k) => a + k.nextMs, 0) / 1000).toFixed(1)
      } s in all, longest ${
        (Math.max(0, ...waited.map((k) => k.nextMs)) / 1000).toFixed(1)
      } s; the other ${kills.length - waited.length} took ${
        (kills.filter((k) => !waited.includes(k)).reduce(
          (a, k) => a + k.nextMs,
          0,
        ) / 1000).toFixed(1)
      } s in all)`,
    ].join("\n"),
  );
  assert.equal(kills.length, KILLS, `only ${kills.length} kills landed`);
  assert.deepEqual(problems, [], "crash safety violated");

  async function runLane(lane: number, quota: number, typical: number) {
    const random = prng(SEED + lane);
    const pick = <T>(table: [T, number][]): T => {
      let r = random() * table.reduce((a, [, w]) => a + w, 0);
      for (const [value, weight] of table) if ((r -= weight) < 0) return value;
      return table[0][0];
    };
    const method: Session["method"] = lane % 2 ? "api-key" : "device-code";
    const proxy = await startFaultProxy(originOf(idp.issuer), { slot: SLOT });
    const dir = root.dir(`lane${lane}`);
    const authUrl = authUrlOf(proxy);
    const options = { authUrl, configDir: dir };
    const say = (problem: string) => problems.push(`lane ${lane}: ${problem}`);
    try {
      let landed = 0;
      for (let attempt = 0; landed < quota && attempt < quota * 4; attempt++) {
        await ensureSession(proxy, dir, method);
        await expireAccessToken(dir);
        const command = pick(COMMANDS);
        let strategy = pick(STRATEGIES);
        // status on a valid session sends no request to wait for.
        if (command === "status" && REQUEST_MOMENTS.has(strategy)) {
          strategy = "timer";
        }
        const args = {
          token: ["user", "token"],
          status: ["user", "status"],
          login: ["user", "login", "--api-key", "-"],
          logout: ["user", "logout", "-y"],
        }[command];
        const delay = Math.floor(random() * 30);
        const timerMs = Math.floor(typical * (0.2 + random()));
        const result = await runAndKill(
          proxy,
          dir,
          new Cli(args, {
            ...options,
            stdin: command === "login" ? `${apiKey}\n` : undefined,
          }),
          strategy,
          delay,
          timerMs,
        );
        if (result.signal !== "SIGKILL") {
          unkilled++;
          continue;
        }
        landed++;
        // Right after the kill: whatever is there is a whole session.
        const left = await leftovers(dir);
        let sessionAfterKill: Kill["sessionAfterKill"] = "absent";
        try {
          const text = await Deno.readTextFile(`${dir}/session.json`);
          parseSession(text);
          sessionAfterKill = "valid";
          const mode = (await Deno.stat(`${dir}/session.json`)).mode! & 0o777;
          if (mode !== 0o600) say(`session.json is ${mode.toString(8)}`);
        } catch (err) {
          if (!(err instanceof Deno.errors.NotFound)) {
            say(
              `after a kill at ${strategy} of ${command}: session.json is not whole: ${err}`,
            );
          }
        }
        if (sessionAfterKill === "absent" && command !== "logout") {
          say(
            `after a kill at ${strategy} of ${command}: session.json is gone`,
          );
        }
        // The next run works, or says the session is invalid, cleanly.
        const next = await runCli(["user", "token"], options);
        const session = await readSession(dir);
        let outcome: Kill["next"] = "failed";
        if (
          next.code === 0 && next.stderr === "" &&
          next.stdout === `${session?.accessToken}\n`
        ) {
          outcome = "works";
        } else if (next.code === 1 && next.stderr === `${SESSION_INVALID}\n`) {
          outcome = "invalid";
        } else {
          say(
            `after a kill at ${strategy} of ${command}, the next user token exited ${next.code}: ${next.stderr.trim()}`,
          );
        }
        const after = await leftovers(dir);
        if (after.length) {
          say(
            `after a kill at ${strategy} of ${command} and a next user token that ${
              {
                works: "worked",
                invalid: "found the session invalid",
                failed: "failed",
              }[outcome]
            }, left behind: ${after.join(", ")}`,
          );
          // Clear them, so one finding is reported once.
          for (const name of after) {
            await Deno.remove(`${dir}/${name}`).catch(() => {});
          }
        }
        kills.push({
          lane,
          command,
          strategy,
          left,
          sessionAfterKill,
          next: outcome,
          nextMs: next.ms,
        });
      }
    } finally {
      await proxy.close();
    }
  }

  /** A session of the lane's method, logging in again when needed. */
  async function ensureSession(
    proxy: FaultProxy,
    dir: string,
    method: Session["method"],
  ) {
    const current = await readSession(dir);
    if (current?.method === method) return;
    const options = { authUrl: authUrlOf(proxy), configDir: dir };
    if (method === "api-key") {
      const r = await runCli(["user", "login", "--api-key", "-"], {
        ...options,
        stdin: `${apiKey}\n`,
      });
      assert.equal(r.code, 0, r.stderr);
      return;
    }
    const login = new Cli(["user", "login", "--no-qr"], options);
    const link = await printedLink(login);
    await approveOverHttp(proxy.unrewrite(link), USER);
    const r = await login.result();
    assert.equal(r.code, 0, r.stderr);
  }
});

Deno.test("a temporary session file left by a killed write does not outlive the next run, whatever it does", async (t) => {
  // What a process killed between writing session.json.<hex>.tmp and
  // renaming it leaves: a whole session, tokens and all.
  const apiKey = markerKey();
  const idp = await startTestIdp([apiKey]);
  const root = await TempRoot.make("pilotcli-leftover-");
  try {
    const cases: [string, string[], "works" | "ended" | "idle" | "logout"][] = [
      ["user status (writes the session)", ["user", "status"], "works"],
      [
        "user logout -y (writes, then deletes it)",
        ["user", "logout", "-y"],
        "logout",
      ],
      [
        "user token on a session the server ended (deletes it)",
        ["user", "token"],
        "ended",
      ],
      [
        "user status on an idle session (deletes it)",
        ["user", "status"],
        "idle",
      ],
    ];
    for (const [name, args, kind] of cases) {
      await t.step(name, async () => {
        const dir = root.dir();
        const tokens = await directTokens(idp, apiKey);
        await craftSession(dir, {
          authUrl: idp.issuer,
          method: "device-code",
          tokens,
          accessExpired: kind === "ended",
        });
        if (kind === "idle") {
          const session = JSON.parse(
            await Deno.readTextFile(`${dir}/session.json`),
          );
          session.lastActiveAt -= 7200;
          await Deno.writeTextFile(
            `${dir}/session.json`,
            JSON.stringify(session),
          );
        }
        const temp = `${dir}/session.json.0123456789abcdef.tmp`;
        await Deno.copyFile(`${dir}/session.json`, temp);
        if (kind === "ended") {
          await revokeAtServer(idp.issuer, tokens.refresh_token);
        }
        const result = await runCli(args, {
          authUrl: idp.issuer,
          configDir: dir,
        });
        const ends = kind === "ended" || kind === "idle";
        assert.equal(
          result.stderr,
          ends
            ? `${SESSION_INVALID}\n`
            : kind === "logout"
            ? `${LOGOUT_DONE}\n`
            : "",
        );
        assert.equal(result.code, ends ? 1 : 0, result.stderr);
        assert.deepEqual(
          await leftovers(dir),
          [],
          "REGRESSION of bug 2 (docs/reliability.md, fixed in c466f98): a " +
            "temporary session file, tokens and all, outlives the next run: " +
            "every locked transaction of FileSessionStore must remove " +
            "session.json.*.tmp first, also one that only reads or deletes.",
        );
      });
    }
  } finally {
    await idp.close();
    await root.cleanup();
  }
});

/** Runs `cli` and kills it (SIGKILL) at the moment `strategy` names. */
async function runAndKill(
  proxy: FaultProxy,
  dir: string,
  cli: Cli,
  strategy: Strategy,
  delayMs: number,
  timerMs: number,
): Promise<RunResult> {
  const kill = () => cli.kill("SIGKILL");
  const later = (ms: number) => {
    const timer = setTimeout(kill, ms);
    cli.result().finally(() => clearTimeout(timer));
  };
  const watcher = strategy === "lock-created" || strategy === "temp-created"
    ? Deno.watchFs(dir, { recursive: false })
    : undefined;
  const watching = watcher && (async () => {
    const wanted = strategy === "lock-created"
      ? /\/session\.lock$/
      : /\/session\.json\.[0-9a-f]+\.tmp$/;
    for await (const event of watcher) {
      if (event.kind === "create" && event.paths.some((p) => wanted.test(p))) {
        if (strategy === "temp-created") kill();
        else later(delayMs);
        break;
      }
    }
  })();
  // Requests other than discovery: refresh, revocation, API-key exchange.
  const counts = (r: RequestInfo) => !r.path.includes("/.well-known/");
  switch (strategy) {
    case "timer":
      later(timerMs);
      break;
    case "request-sent":
      proxy.hooks = {
        onRequest: (r) => {
          if (!counts(r)) return;
          kill();
          return false;
        },
      };
      break;
    case "server-answered":
      proxy.hooks = { onAnswer: (r) => counts(r) ? kill() : undefined };
      break;
    case "answer-relayed":
      proxy.hooks = {
        onRelayed: (r) => counts(r) ? later(delayMs % 10) : undefined,
      };
      break;
  }
  try {
    return await cli.result();
  } finally {
    proxy.hooks = {};
    watcher?.close();
    await watching;
  }
}

/** Median time of an unhurried `user token` with a refresh, in ms. */
async function calibrate(
  idp: Awaited<ReturnType<typeof startTestIdp>>,
  root: TempRoot,
  apiKey: string,
): Promise<number> {
  const dir = root.dir("calibrate");
  await craftSession(dir, {
    authUrl: idp.issuer,
    method: "api-key",
    apiKey,
    tokens: await directTokens(idp, apiKey),
  });
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    await expireAccessToken(dir);
    const r = await runCli(["user", "token"], {
      authUrl: idp.issuer,
      configDir: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    times.push(r.ms);
  }
  return times.sort((a, b) => a - b)[1];
}

async function readSession(dir: string): Promise<Session | undefined> {
  try {
    return parseSession(await Deno.readTextFile(`${dir}/session.json`));
  } catch {
    return undefined;
  }
}
