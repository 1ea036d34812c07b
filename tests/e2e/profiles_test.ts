/**
 * Profiles end to end (issue 16), on every runtime: two realms of the test
 * identity server side by side, each a profile with its own session; both
 * used at once; logout of one; removal of a profile; every bad input; and
 * the session of PILOT_AUTH_URL kept through the upgrade.
 */

import assert from "node:assert/strict";
import { type Idp, PATHS, startIdp } from "../idp/server.ts";
import { parseSession } from "../../src/session/session.ts";
import {
  configFileCorrupt,
  LOGOUT_DONE,
  NO_PROFILE,
  noDefaultProfile,
  PROFILE_REMOVE_CANCELLED,
  profileAdded,
  profileExists,
  profileNameInvalid,
  profileNowDefault,
  profileRemoved,
  profileRemovePrompt,
  profileUnknown,
  SESSION_INVALID,
  TRYING_API_KEY,
  unsafeSessionFile,
  WELCOME,
} from "../../src/ui/messages.ts";
import {
  buildDenoBundle,
  type CliOptions,
  type CliResult,
  installNodePackage,
  runCli,
  type Runtime,
  RUNTIMES,
} from "./cli.ts";
import {
  API_KEY,
  exists,
  expireAccessToken,
  modeOf,
  refreshWorks,
  USER,
} from "./harness.ts";

/** Processes per realm that ask for a token at once. */
const PROCESSES = 16;

/** Two realms, a config dir, and the CLI with both realms allowed. */
interface Realms {
  a: Idp;
  b: Idp;
  dir: string;
  /** Runs the CLI with no PILOT_AUTH_URL (unless `env` sets one). */
  cli(args: string[], more?: Partial<CliOptions>): Promise<CliResult>;
}

async function withRealms(
  runtime: Runtime,
  fn: (realms: Realms) => Promise<void>,
): Promise<void> {
  if (runtime === "node") await installNodePackage();
  if (runtime === "bundle") await buildDenoBundle();
  const options = {
    users: { [USER.username]: USER.password },
    apiKeys: { [API_KEY]: USER.username },
  };
  const [a, b] = await Promise.all([startIdp(options), startIdp(options)]);
  const root = await Deno.makeTempDir({ prefix: "pilotcli-profiles-" });
  const dir = `${root}/config`;
  const netHosts = [new URL(a.issuer).host, new URL(b.issuer).host];
  try {
    await fn({
      a,
      b,
      dir,
      cli: (args, more = {}) =>
        runCli(args, {
          authUrl: "",
          configDir: dir,
          runtime,
          netHosts,
          ...more,
        }),
    });
  } finally {
    await Promise.all([a.close(), b.close()]);
    await Deno.remove(root, { recursive: true });
  }
}

function outcome({ code, stdout, stderr }: CliResult) {
  return { code, stdout, stderr };
}

function refreshes(idp: Idp) {
  return idp.requests.filter((r) =>
    r.path === PATHS.token && r.grantType === "refresh_token"
  );
}

/** Adds profiles a and b (a the default) and logs in to both with the API key. */
async function addAndLogIn({ a, b, cli }: Realms): Promise<void> {
  assert.deepEqual(
    outcome(await cli(["profile", "add", "a", "--auth-url", a.issuer])),
    { code: 0, stdout: "", stderr: `${profileAdded("a", true)}\n` },
  );
  assert.deepEqual(
    outcome(await cli(["profile", "add", "b", "--auth-url", b.issuer])),
    { code: 0, stdout: "", stderr: `${profileAdded("b", false)}\n` },
  );
  const loggedIn = {
    code: 0,
    stdout: "",
    stderr: `${TRYING_API_KEY}\n${WELCOME}\n`,
  };
  const [first, second] = await Promise.all([
    // The default profile, then PILOT_PROFILE.
    cli(["user", "login", "--api-key", API_KEY]),
    cli(["user", "login", "--api-key", API_KEY], {
      env: { PILOT_PROFILE: "b" },
    }),
  ]);
  assert.deepEqual(outcome(first), loggedIn);
  assert.deepEqual(outcome(second), loggedIn);
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(path));
}

for (const runtime of RUNTIMES) {
  Deno.test(`profiles: two realms side by side: log in, ${PROCESSES} × user token on each, logout of one, remove [${runtime}]`, async () => {
    await withRealms(runtime, async (realms) => {
      const { a, b, dir, cli } = realms;
      await addAndLogIn(realms);
      assert.equal(await modeOf(`${dir}/config.json`), 0o600);
      assert.equal(await exists(`${dir}/session.json`), false);
      const sessionA = parseSession(
        await Deno.readTextFile(`${dir}/session-a.json`),
      );
      const sessionB = parseSession(
        await Deno.readTextFile(`${dir}/session-b.json`),
      );
      assert.equal(sessionA.authUrl, a.issuer);
      assert.equal(sessionB.authUrl, b.issuer);

      const status = await cli(["user", "status", "--json", "--profile", "b"]);
      assert.equal(status.code, 0, status.stderr);
      const parsed = JSON.parse(status.stdout);
      assert.deepEqual([parsed.profile, parsed.authUrl], ["b", b.issuer]);
      const text = await cli(["user", "status"]);
      assert.match(text.stdout, /^Profile: a\nLogged in as alice /);

      const list = await cli(["profile", "list", "--json"]);
      assert.deepEqual(
        JSON.parse(list.stdout).map((p: Record<string, unknown>) => [
          p.name,
          p.default,
          p.loggedIn,
        ]),
        [["a", true, true], ["b", false, true]],
      );

      // Both at once, every token expired: one refresh per realm, and no
      // process of one profile waits on the other's lock.
      await Promise.all([
        expireAccessToken(dir, "session-a.json"),
        expireAccessToken(dir, "session-b.json"),
      ]);
      const before = [refreshes(a).length, refreshes(b).length];
      const runs = await Promise.all(
        ["a", "b"].flatMap((profile) =>
          Array.from(
            { length: PROCESSES },
            () => cli(["user", "token", "--profile", profile]),
          )
        ),
      );
      for (const run of runs) assert.equal(run.code, 0, run.stderr);
      const tokensA = new Set(runs.slice(0, PROCESSES).map((r) => r.stdout));
      const tokensB = new Set(runs.slice(PROCESSES).map((r) => r.stdout));
      assert.equal(tokensA.size, 1);
      assert.equal(tokensB.size, 1);
      assert.notDeepEqual([...tokensA], [...tokensB]);
      assert.deepEqual(
        [refreshes(a).length - before[0], refreshes(b).length - before[1]],
        [1, 1],
      );

      // Logout of a ends a's session only.
      assert.deepEqual(
        outcome(await cli(["user", "logout", "-y", "--profile", "a"])),
        { code: 0, stdout: "", stderr: `${LOGOUT_DONE}\n` },
      );
      assert.equal(await exists(`${dir}/session-a.json`), false);
      const token = await cli(["user", "token", "--profile", "b"]);
      assert.equal(token.code, 0, token.stderr);

      // Removing b asks first; no keeps everything.
      const kept = parseSession(
        await Deno.readTextFile(`${dir}/session-b.json`),
      );
      const config = await Deno.readTextFile(`${dir}/config.json`);
      assert.deepEqual(
        outcome(await cli(["profile", "remove", "b"], { stdin: "n\n" })),
        {
          code: 0,
          stdout: "",
          stderr: `${profileRemovePrompt("b")}${PROFILE_REMOVE_CANCELLED}\n`,
        },
      );
      assert.equal(await Deno.readTextFile(`${dir}/config.json`), config);
      assert.equal(await exists(`${dir}/session-b.json`), true);
      // Yes ends the session at the server, then removes the profile.
      assert.deepEqual(
        outcome(await cli(["profile", "remove", "b"], { stdin: "y\n" })),
        {
          code: 0,
          stdout: "",
          stderr: `${profileRemovePrompt("b")}${profileRemoved("b")}\n`,
        },
      );
      assert.equal(await exists(`${dir}/session-b.json`), false);
      assert.equal(await refreshWorks(b.issuer, kept.refreshToken), false);
      assert.deepEqual(await readJson(`${dir}/config.json`), {
        version: 1,
        default: "a",
        profiles: { a: { authUrl: a.issuer } },
      });
      assert.deepEqual(
        outcome(await cli(["profile", "list", "--names"])),
        { code: 0, stdout: "a\n", stderr: "" },
      );
    });
  });

  Deno.test(`profiles: every bad input is one line and changes nothing [${runtime}]`, async () => {
    await withRealms(runtime, async ({ a, b, dir, cli }) => {
      // Nothing configured: login says how to add a profile.
      assert.deepEqual(
        outcome(await cli(["user", "login", "--api-key", API_KEY])),
        { code: 1, stdout: "", stderr: `${NO_PROFILE}\n` },
      );
      assert.equal(await exists(dir), false);
      await cli(["profile", "add", "a", "--auth-url", a.issuer]);
      const config = await Deno.readTextFile(`${dir}/config.json`);
      const unchanged = async () =>
        assert.equal(await Deno.readTextFile(`${dir}/config.json`), config);

      // A port nobody listens on, allowed so that the realm check runs.
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const closed = `http://127.0.0.1:${listener.addr.port}/realms/x`;
      listener.close();
      const more = {
        netHosts: [new URL(a.issuer).host, new URL(closed).host],
      };
      const cases: [string[], Record<string, string>, number, string][] = [
        [
          ["user", "token", "--profile", "zz"],
          {},
          1,
          profileUnknown("zz", ["a"]),
        ],
        [
          ["user", "token"],
          { PILOT_PROFILE: "zz" },
          1,
          profileUnknown("zz", ["a"]),
        ],
        [
          ["user", "status", "--profile", "../a"],
          {},
          2,
          profileNameInvalid("../a"),
        ],
        [
          ["profile", "add", "A", "--auth-url", a.issuer],
          {},
          2,
          profileNameInvalid("A"),
        ],
        [
          ["profile", "add", "a/../b", "--auth-url", a.issuer],
          {},
          2,
          profileNameInvalid("a/../b"),
        ],
        [["profile", "use", "zz"], {}, 1, profileUnknown("zz", ["a"])],
        [["profile", "remove", "zz", "-y"], {}, 1, profileUnknown("zz", ["a"])],
        [
          ["profile", "add", "a", "--auth-url", b.issuer],
          {},
          1,
          profileExists("a"),
        ],
        [
          ["profile", "add"],
          {},
          2,
          "Usage error: --auth-url is required. Run `pilotcli profile add --help` for usage.\nUsage error: NAME is missing. Run `pilotcli profile add --help` for usage.",
        ],
        [
          ["profile", "add", "c", "--auth-url", "ftp://x"],
          {},
          2,
          "--auth-url is not usable: ftp://x/ must be an https URL without query or credentials (plain http only on localhost).",
        ],
      ];
      await Promise.all(cases.map(async ([args, env, code, line]) => {
        assert.deepEqual(
          outcome(await cli(args, { env, ...more })),
          { code, stdout: "", stderr: `${line}\n` },
          args.join(" "),
        );
      }));
      await unchanged();

      // An unreachable realm, and a URL that is no realm: --no-check is the way around.
      for (const url of [closed, `${a.issuer}/nope`]) {
        const { code, stderr } = await cli(
          ["profile", "add", "c", "--auth-url", url],
          more,
        );
        assert.equal(code, 1, stderr);
        assert.ok(
          stderr.startsWith(
            `Could not add profile "c": ${url} is not a reachable realm (`,
          ) &&
            stderr.endsWith(
              "). Check the URL, or pass --no-check to add it anyway.\n",
            ) &&
            stderr.split("\n").length === 2,
          stderr,
        );
        await unchanged();
      }
      assert.deepEqual(
        outcome(
          await cli(
            ["profile", "add", "c", "--auth-url", closed, "--no-check"],
            more,
          ),
        ),
        { code: 0, stdout: "", stderr: `${profileAdded("c", false)}\n` },
      );
      assert.deepEqual(
        outcome(await cli(["profile", "use", "c"])),
        { code: 0, stdout: "", stderr: `${profileNowDefault("c")}\n` },
      );

      // A corrupt config file: the file and the position, and it stays.
      const path = `${dir}/config.json`;
      const corrupt = '{\n  "version": 1,\n  "profiles": {,\n}\n';
      await Deno.writeTextFile(path, corrupt, { mode: 0o600 });
      for (
        const args of [["user", "token"], [
          "profile",
          "add",
          "d",
          "--auth-url",
          a.issuer,
          "--no-check",
        ], ["profile", "list"]]
      ) {
        assert.deepEqual(
          outcome(await cli(args)),
          {
            code: 1,
            stdout: "",
            stderr: `${
              configFileCorrupt(path, "line 3, column 16", "not JSON")
            }\n`,
          },
          args.join(" "),
        );
        assert.equal(await Deno.readTextFile(path), corrupt);
      }

      // Unsafe modes: the session file's rule and fix line.
      await Deno.writeTextFile(path, config, { mode: 0o600 });
      await Deno.chmod(path, 0o644);
      assert.deepEqual(
        outcome(await cli(["user", "token"])),
        {
          code: 1,
          stdout: "",
          stderr: `${
            unsafeSessionFile(path, "config", "open-mode", {
              mode: 0o644,
              windows: false,
            })
          }\n`,
        },
      );
      assert.equal(await modeOf(path), 0o644);

      // The default removed: the line names the profiles left.
      await Deno.chmod(path, 0o600);
      await cli(
        ["profile", "add", "c", "--auth-url", closed, "--no-check"],
        more,
      );
      assert.deepEqual(
        outcome(await cli(["profile", "remove", "a", "-y"])),
        { code: 0, stdout: "", stderr: `${profileRemoved("a")}\n` },
      );
      assert.deepEqual(
        outcome(await cli(["user", "token"])),
        { code: 1, stdout: "", stderr: `${noDefaultProfile(["c"])}\n` },
      );
    });
  });

  Deno.test(`profiles: one profile never waits on another's lock; the permission line names the profile's host [${runtime}]`, async () => {
    await withRealms(runtime, async ({ a, b, dir, cli }) => {
      await cli(["profile", "add", "a", "--auth-url", a.issuer]);
      await cli(["profile", "add", "b", "--auth-url", b.issuer]);
      // a's lock held by a live process (fresh): b goes on at once.
      await Deno.writeTextFile(`${dir}/session-a.lock`, "held", {
        mode: 0o600,
      });
      const status = await cli(["user", "status", "--profile", "b"], {
        env: { PILOT_DEBUG: "1" },
      });
      await Deno.remove(`${dir}/session-a.lock`);
      // PILOT_DEBUG=1 says so when a process waits for a lock.
      assert.equal(status.code, 1);
      assert.ok(
        status.stderr.startsWith(`${SESSION_INVALID}\n`),
        status.stderr,
      );
      assert.ok(!status.stderr.includes("waiting for"), status.stderr);
      if (runtime === "node") return; // Node has no permissions to check.
      const host = new URL(b.issuer).host;
      const denied = await cli(["user", "token", "--profile", "b"], {
        netHosts: [new URL(a.issuer).host],
      });
      assert.deepEqual(outcome(denied), {
        code: 1,
        stdout: "",
        stderr:
          `pilotcli may not connect to ${host}, so it needs --allow-net=${host}: add it to the \`deno run\` or \`deno install\` line (see the README).\n`,
      });
    });
  });

  Deno.test(`profiles: the session of PILOT_AUTH_URL (session.json) is used after the upgrade, without a new login [${runtime}]`, async () => {
    await withRealms(runtime, async ({ a, b, dir, cli }) => {
      // As every release before profiles: PILOT_AUTH_URL, session.json.
      const login = await cli(["user", "login", "--api-key", API_KEY], {
        authUrl: a.issuer,
      });
      assert.equal(login.code, 0, login.stderr);
      const before = await Deno.readTextFile(`${dir}/session.json`);
      // Profiles added later, b the default, change nothing for it.
      await cli(["profile", "add", "b", "--auth-url", b.issuer]);
      const token = await cli(["user", "token"], { authUrl: a.issuer });
      assert.deepEqual(
        { code: token.code, stderr: token.stderr },
        { code: 0, stderr: "" },
      );
      assert.equal(token.stdout, `${parseSession(before).accessToken}\n`);
      const status = await cli(["user", "status", "--json"], {
        authUrl: a.issuer,
      });
      assert.equal(JSON.parse(status.stdout).profile, null);
      assert.equal(
        a.requests.filter((r) => r.path.startsWith(PATHS.apiKey)).length,
        1,
      );
    });
  });
}
