/**
 * One table of end-to-end cases, each run on Deno from source and as the
 * bundled program Deno users install (`deno run` with the narrow
 * permissions), and on Node (the npm package, packed and installed as a
 * user installs it). Every case holds all three to the same exact texts,
 * exit codes and file modes.
 */

import assert from "node:assert/strict";
import { approveOverHttp } from "../idp/person_http.ts";
import { CLIENT_ID, type IdpOptions, PATHS } from "../idp/server.ts";
import { decode } from "../qr_reader.ts";
import {
  activityNotSaved,
  API_KEY_INVALID,
  corruptSessionKept,
  lockWaitLine,
  LOGOUT_DONE,
  LOGOUT_PROMPT,
  refreshNotSaved,
  SESSION_INVALID,
  TRYING_API_KEY,
  TRYING_DEVICE_CODE,
  WAITING,
  WELCOME,
} from "../../src/ui/messages.ts";
import { VERSION } from "../../src/version.ts";
import { type CliResult, installNodePackage, runCli, RUNTIMES } from "./cli.ts";
import {
  API_KEY,
  apiKeyLogin,
  editSession,
  exists,
  expireAccessToken,
  fullDir,
  modeOf,
  printedLink,
  privateMountsUnavailable,
  readOnlyDir,
  USER,
  withWorld,
  type World,
} from "./harness.ts";

const TOKEN = PATHS.token;

/** Why the read-only and full-disk cases can not run here, if they can not. */
const NO_MOUNTS = Deno.build.os === "linux"
  ? await privateMountsUnavailable()
  : "private mounts need Linux";
if (NO_MOUNTS !== undefined) {
  console.log(
    `Skipping the read-only and full-disk config dir cases: ${NO_MOUNTS}`,
  );
}

/** `text` as a RegExp that matches it literally. */
function literally(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
}

/** The names in the config dir, sorted. */
function namesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

/**
 * A config dir that takes no write, made by `wrapper` from the config dir
 * (and a copy of it): user status and user token still work.
 */
function unwritableDirCase(
  kind: string,
  wrapper: (world: World) => Promise<string[]>,
  detail: RegExp,
): Case {
  return {
    name: `user status and user token work on a ${kind} config dir`,
    skip: NO_MOUNTS,
    async run(world) {
      await apiKeyLogin(world);
      // Last used 2 min ago: status records its use, which can not be stored.
      await editSession(world.configDir, (session) => ({
        ...session,
        lastActiveAt: session.lastActiveAt - 120,
      }));
      const status = await world.cli(["user", "status"], {
        wrapper: await wrapper(world),
      });
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /^Logged in as alice \(method: api-key\)\n/);
      const [, used] = status.stderr.match(
        /^Warning: the session's use could not be recorded: (.+?)\. The/,
      ) ?? [];
      assert.match(used ?? "", detail, status.stderr);
      assert.equal(status.stderr, `${activityNotSaved(used)}\n`);

      // Expired: user token refreshes, and prints the new token it can not store.
      const expired = await expireAccessToken(world.configDir);
      const stored = await Deno.readTextFile(world.sessionPath);
      const token = await world.cli(["user", "token"], {
        wrapper: await wrapper(world),
      });
      assert.equal(token.code, 0, token.stderr);
      const printed = token.stdout.trimEnd();
      assert.match(token.stdout, /^[\w.-]+\n$/);
      assert.notEqual(printed, expired.accessToken);
      const [, refreshed] = token.stderr.match(
        /^Warning: the refreshed session could not be saved: (.+?)\. This/,
      ) ?? [];
      assert.match(refreshed ?? "", detail, token.stderr);
      assert.equal(token.stderr, `${refreshNotSaved(refreshed)}\n`);
      assert.equal(await Deno.readTextFile(world.sessionPath), stored);
      const refreshes = world.idp.requests.filter((r) =>
        r.path === TOKEN && r.grantType === "refresh_token"
      );
      assert.equal(refreshes.length, 1);
    },
  };
}

/** One end-to-end case; `run` asserts the same expectations on each runtime. */
interface Case {
  name: string;
  idp?: IdpOptions;
  /** Why the case can not run here, if it can not. */
  skip?: string;
  run(world: World): Promise<void>;
}

/** What a run showed the person: exit code and output, not its timing. */
function outcome({ code, stdout, stderr }: CliResult) {
  return { code, stdout, stderr };
}

/** The dir is 0700 and every file in it 0600. */
async function assertPrivate(world: World): Promise<void> {
  assert.equal(await modeOf(world.configDir), 0o700);
  const names: string[] = [];
  for await (const entry of Deno.readDir(world.configDir)) {
    names.push(entry.name);
    assert.equal(
      await modeOf(`${world.configDir}/${entry.name}`),
      0o600,
      entry.name,
    );
  }
  assert.ok(names.includes("session.json"), names.join(", "));
}

function usageError(detail: string, route: string): string {
  return `Usage error: ${detail}. Run \`${route} --help\` for usage.\n`;
}

const CASES: Case[] = [
  {
    name: "API-key login with a good key stores a private session",
    async run(world) {
      const session = await apiKeyLogin(world);
      assert.equal(session.method, "api-key");
      assert.equal(session.username, USER.username);
      assert.equal(session.apiKey, API_KEY);
      assert.equal(session.authUrl, world.idp.issuer);
      await assertPrivate(world);
    },
  },
  {
    name: "API-key login with a bad key fails with the seed's line",
    async run(world) {
      const result = await world.cli(["user", "login", "--api-key", "nope"]);
      assert.deepEqual(outcome(result), {
        code: 1,
        stdout: "",
        stderr: `${TRYING_API_KEY}\n${API_KEY_INVALID}\n`,
      });
      assert.equal(await exists(world.sessionPath), false);
    },
  },
  {
    name: "API-key login reads the key from standard input",
    async run(world) {
      const piped = await world.cli(["user", "login", "--api-key", "-"], {
        stdin: `${API_KEY}\n`,
      });
      assert.deepEqual(outcome(piped), {
        code: 0,
        stdout: "",
        stderr: `${TRYING_API_KEY}\n${WELCOME}\n`,
      });
      assert.equal((await world.session()).apiKey, API_KEY);
      const empty = await world.cli(["user", "login", "--api-key", "-"], {
        stdin: "",
      });
      assert.deepEqual(outcome(empty), {
        code: 2,
        stdout: "",
        stderr:
          "No API key on standard input: pipe the key in, e.g. `pilotcli user login --api-key - < key.txt`.\n",
      });
    },
  },
  {
    name: "device login approved over HTTP, with a QR code that reads back",
    async run(world) {
      const cli = world.spawn(["user", "login"]);
      const link = await printedLink(cli);
      await cli.waitForStderr(new RegExp(WAITING));
      await approveOverHttp(link, { ...USER, fetch: world.idp.fetch });
      const result = await cli.result();
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "");
      const lines = result.stderr.split("\n");
      const qr = lines.slice(3, -4);
      assert.deepEqual(
        [...lines.slice(0, 3), ...lines.slice(-4)],
        [
          TRYING_DEVICE_CODE,
          `Open this link to log in: ${link}`,
          "",
          "",
          WAITING,
          WELCOME,
          "",
        ],
      );
      assert.ok(qr.length > 10 && qr.every((l) => /^[▀▄█ ]+$/.test(l)));
      assert.equal(decode(qr.join("\n"), "dark", "dontInvert"), link);
      const session = await world.session();
      assert.equal(session.method, "device-code");
      assert.equal(session.username, USER.username);
      assert.equal(session.authUrl, world.idp.issuer);
      assert.equal(session.apiKey, undefined);
      await assertPrivate(world);
    },
  },
  {
    name: "user status prints the four lines",
    async run(world) {
      await apiKeyLogin(world);
      const result = await world.cli(["user", "status"]);
      const session = await world.session();
      const expires = new Date(session.accessTokenExpiresAt * 1000)
        .toISOString();
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "");
      const lines = result.stdout.split("\n");
      assert.equal(lines.length, 5, result.stdout);
      assert.equal(lines[0], `Logged in as ${USER.username} (method: api-key)`);
      assert.equal(lines[1], `Auth server: ${world.idp.issuer} (client cli)`);
      assert.match(
        lines[2],
        new RegExp(
          `^Access token expires in (4 min \\d+ s|5 min 0 s) \\(${expires}\\)$`,
        ),
      );
      assert.match(
        lines[3],
        /^Idle logout in (1 h 0 min|59 min \d+ s) unless pilotcli is used again$/,
      );
      assert.equal(lines[4], "");
    },
  },
  {
    name: "user status --json prints the status object",
    async run(world) {
      await apiKeyLogin(world);
      // The seconds the CLI's clock read, bounded by ours around the run.
      const before = Math.floor(Date.now() / 1000);
      const result = await world.cli(["user", "status", "--json"]);
      const after = Math.ceil(Date.now() / 1000);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "");
      const status = JSON.parse(result.stdout);
      assert.equal(result.stdout, `${JSON.stringify(status, null, 2)}\n`);
      const session = await world.session();
      const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
      assert.deepEqual(status, {
        loggedIn: true,
        username: USER.username,
        method: "api-key",
        authUrl: world.idp.issuer,
        clientId: CLIENT_ID,
        accessTokenExpiresAt: iso(session.accessTokenExpiresAt),
        accessTokenExpiresIn: status.accessTokenExpiresIn,
        idleLogoutAt: iso(session.lastActiveAt + 3600),
        idleLogoutIn: status.idleLogoutIn,
        // PILOT_AUTH_URL's session: no profile.
        profile: null,
      });
      const secondsTo = (at: number, value: number) =>
        value >= at - after && value <= at - before;
      assert.ok(
        secondsTo(session.accessTokenExpiresAt, status.accessTokenExpiresIn),
        `${status.accessTokenExpiresIn}`,
      );
      assert.ok(
        secondsTo(session.lastActiveAt + 3600, status.idleLogoutIn),
        `${status.idleLogoutIn}`,
      );
    },
  },
  {
    name: "user token prints exactly one line: the access token",
    async run(world) {
      const session = await apiKeyLogin(world);
      const sent = world.idp.requests.length;
      const result = await world.cli(["user", "token"]);
      assert.deepEqual(outcome(result), {
        code: 0,
        stdout: `${session.accessToken}\n`,
        stderr: "",
      });
      // A valid access token is printed without asking the server.
      assert.equal(world.idp.requests.length, sent);
    },
  },
  {
    name: "concurrent user token on an expired token: one refresh, shared",
    async run(world) {
      await apiKeyLogin(world);
      await expireAccessToken(world.configDir);
      const runs = await Promise.all(
        Array.from({ length: 6 }, () => world.cli(["user", "token"])),
      );
      const session = await world.session();
      for (const run of runs) {
        assert.deepEqual(outcome(run), {
          code: 0,
          stdout: `${session.accessToken}\n`,
          stderr: "",
        });
      }
      const refreshes = world.idp.requests.filter((r) =>
        r.path === TOKEN && r.grantType === "refresh_token"
      );
      assert.equal(refreshes.length, 1);
      assert.deepEqual(
        [...Deno.readDirSync(world.configDir)].map((e) => e.name).sort(),
        ["discovery.json", "session.json"],
      );
    },
  },
  {
    name: "logout answered y on standard input",
    async run(world) {
      await apiKeyLogin(world);
      const result = await world.cli(["user", "logout"], { stdin: "y\n" });
      assert.deepEqual(outcome(result), {
        code: 0,
        stdout: "",
        stderr: `${LOGOUT_PROMPT}${LOGOUT_DONE}\n`,
      });
      assert.equal(await exists(world.sessionPath), false);
    },
  },
  {
    name: "logout -y asks nothing",
    async run(world) {
      await apiKeyLogin(world);
      const result = await world.cli(["user", "logout", "-y"]);
      assert.deepEqual(outcome(result), {
        code: 0,
        stdout: "",
        stderr: `${LOGOUT_DONE}\n`,
      });
      assert.equal(await exists(world.sessionPath), false);
    },
  },
  {
    name: "logout without a session prints the invalid-session line",
    async run(world) {
      const result = await world.cli(["user", "logout", "-y"]);
      assert.deepEqual(outcome(result), {
        code: 1,
        stdout: "",
        stderr: `${SESSION_INVALID}\n`,
      });
      assert.equal(await exists(world.configDir), false);
    },
  },
  {
    name: "session file 0600 and dir 0700 under umask 000",
    async run(world) {
      await apiKeyLogin(world, { umask: "000" });
      await assertPrivate(world);
      // A rewrite (status records the activity) keeps the mode.
      const status = await world.cli(["user", "status"], { umask: "000" });
      assert.equal(status.code, 0, status.stderr);
      await assertPrivate(world);
    },
  },
  {
    name: "a session file open to others is refused with the fix",
    async run(world) {
      await apiKeyLogin(world);
      await Deno.chmod(world.sessionPath, 0o644);
      const result = await world.cli(["user", "token"]);
      assert.deepEqual(outcome(result), {
        code: 1,
        stdout: "",
        stderr:
          `Session file ${world.sessionPath} is readable by other users (mode 0644): run \`chmod 600 ${world.sessionPath}\` and try again.\n`,
      });
    },
  },
  {
    name: "a corrupt session file is moved aside",
    async run(world) {
      await apiKeyLogin(world);
      await Deno.writeTextFile(world.sessionPath, "{");
      const result = await world.cli(["user", "status"]);
      const [moved] = [...Deno.readDirSync(world.configDir)].map((e) => e.name);
      assert.match(moved, /^session\.json\.corrupt-\d+$/);
      assert.deepEqual(outcome(result), {
        code: 1,
        stdout: "",
        stderr:
          `Session file ${world.sessionPath} was unreadable (not valid JSON) and was moved to ${world.configDir}/${moved}; please log in again.\n${SESSION_INVALID}\n`,
      });
    },
  },
  {
    name: "a file system error reads as Deno words it",
    async run(world) {
      await Deno.symlink(world.configDir, world.configDir);
      const result = await world.cli(["user", "status"]);
      assert.deepEqual(outcome(result), {
        code: 1,
        stdout: "",
        stderr:
          `Could not read the session: Too many levels of symbolic links (os error 40): stat '${world.configDir}'. Check the permissions of ${world.configDir}.\n`,
      });
    },
  },
  {
    name: "Ctrl-C while waiting exits 130 and stores nothing",
    async run(world) {
      const cli = world.spawn(["user", "login", "--no-qr"]);
      const link = await printedLink(cli);
      await cli.waitForStderr(new RegExp(WAITING));
      cli.kill("SIGINT");
      assert.deepEqual(outcome(await cli.result()), {
        code: 130,
        stdout: "",
        stderr:
          `${TRYING_DEVICE_CODE}\nOpen this link to log in: ${link}\n${WAITING}\n\n`,
      });
      assert.equal(await exists(world.sessionPath), false);
    },
  },
  {
    name: "Ctrl-C while waiting for the session lock exits 130 at once",
    async run(world) {
      await apiKeyLogin(world);
      const stored = await Deno.readTextFile(world.sessionPath);
      const lock = `${world.configDir}/session.lock`;
      await Deno.writeTextFile(lock, "held by the test\n", { mode: 0o600 });
      // Touched an hour ahead: never stale, so the CLI can only wait.
      const future = Date.now() / 1000 + 3600;
      await Deno.utime(lock, future, future);
      // PILOT_DEBUG=1 says when the wait begins: the event to interrupt it on.
      const cli = world.spawn(["user", "token"], { env: { PILOT_DEBUG: "1" } });
      await cli.waitForStderr(literally(lockWaitLine(lock)));
      cli.kill("SIGINT");
      const result = await cli.result();
      assert.equal(result.code, 130, result.stderr);
      assert.equal(result.signal, null, "handled, not killed by the signal");
      assert.equal(result.stdout, "");
      assert.ok(result.stderr.startsWith(`${lockWaitLine(lock)}\n`));
      assert.equal(await Deno.readTextFile(lock), "held by the test\n");
      assert.equal(await Deno.readTextFile(world.sessionPath), stored);
      assert.deepEqual(namesIn(world.configDir), [
        "session.json",
        "session.lock",
      ]);
    },
  },
  {
    name: "a lock left by a run killed while holding it is taken over",
    async run(world) {
      const session = await apiKeyLogin(world);
      const lock = `${world.configDir}/session.lock`;
      // As a run killed right after taking the lock leaves it: stamped now.
      await Deno.writeTextFile(lock, "pilotcli pid 1 dead\n", { mode: 0o600 });
      // PILOT_DEBUG=1 says the wait began: the lock was seen as live first.
      const result = await world.cli(["user", "token"], {
        env: { PILOT_DEBUG: "1" },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${session.accessToken}\n`);
      assert.ok(result.stderr.includes(`${lockWaitLine(lock)}\n`));
      assert.deepEqual(namesIn(world.configDir), ["session.json"]);
    },
  },
  {
    name: "Ctrl-C at the logout question exits 130 and keeps the session",
    async run(world) {
      await apiKeyLogin(world);
      const stored = await Deno.readTextFile(world.sessionPath);
      const cli = world.spawn(["user", "logout"], { keepStdinOpen: true });
      await cli.waitForStderr(literally(LOGOUT_PROMPT));
      cli.kill("SIGINT");
      const result = await cli.result();
      assert.equal(result.signal, null, "handled, not killed by the signal");
      assert.deepEqual(outcome(result), {
        code: 130,
        stdout: "",
        stderr: `${LOGOUT_PROMPT}\n`,
      });
      assert.equal(await Deno.readTextFile(world.sessionPath), stored);
      assert.equal(
        world.idp.requests.filter((r) => r.path === PATHS.revocation).length,
        0,
      );
    },
  },
  unwritableDirCase(
    "read-only",
    (world) => Promise.resolve(readOnlyDir(world.configDir)),
    /read-only file system/i,
  ),
  unwritableDirCase(
    "full",
    async (world) => {
      const copy = `${world.configDir}.copy`;
      await Deno.remove(copy, { recursive: true }).catch(() => {});
      await Deno.mkdir(copy, { mode: 0o700 });
      for (const name of namesIn(world.configDir)) {
        await Deno.copyFile(`${world.configDir}/${name}`, `${copy}/${name}`);
      }
      return fullDir(world.configDir, copy);
    },
    /no space left on device/i,
  ),
  {
    name:
      "a FIFO or a link to a device at discovery.json is ignored and replaced",
    async run(world) {
      await apiKeyLogin(world);
      const cache = `${world.configDir}/discovery.json`;
      const fifo = async () => {
        const made = await new Deno.Command("mkfifo", { args: [cache] })
          .output();
        assert.ok(made.success, "mkfifo");
      };
      const device = () => Deno.symlink("/dev/zero", cache);
      for (const make of [fifo, device]) {
        await Deno.remove(cache).catch(() => {});
        await make();
        await expireAccessToken(world.configDir);
        const result = await world.cli(["user", "token"]);
        const session = await world.session();
        assert.deepEqual(outcome(result), {
          code: 0,
          stdout: `${session.accessToken}\n`,
          stderr: "",
        });
        const info = await Deno.lstat(cache);
        assert.ok(info.isFile, "replaced by a regular file");
        assert.equal(info.mode! & 0o777, 0o600);
      }
    },
  },
  {
    name:
      "a corrupt session moved aside is named by user status and removed when the next session ends",
    async run(world) {
      await apiKeyLogin(world);
      await Deno.writeTextFile(world.sessionPath, "{");
      await world.cli(["user", "status"]);
      const [moved] = namesIn(world.configDir);
      assert.match(moved, /^session\.json\.corrupt-\d+$/);
      const aside = `${world.configDir}/${moved}`;
      assert.equal(await modeOf(aside), 0o600);
      const status = await world.cli(["user", "status"]);
      assert.deepEqual(outcome(status), {
        code: 1,
        stdout: "",
        stderr: `${corruptSessionKept(aside)}\n${SESSION_INVALID}\n`,
      });
      await apiKeyLogin(world);
      assert.deepEqual(namesIn(world.configDir), ["session.json"]);

      // Ended by logout, or as idle: the leftover goes with the session.
      const leftover = `${world.configDir}/session.json.corrupt-1`;
      await Deno.writeTextFile(leftover, "{", { mode: 0o600 });
      const logout = await world.cli(["user", "logout", "-y"]);
      assert.equal(logout.code, 0, logout.stderr);
      assert.deepEqual(namesIn(world.configDir), ["discovery.json"]);
      await apiKeyLogin(world);
      await Deno.writeTextFile(leftover, "{", { mode: 0o600 });
      await editSession(world.configDir, (session) => ({
        ...session,
        lastActiveAt: session.lastActiveAt - 7200,
      }));
      const idle = await world.cli(["user", "token"]);
      assert.deepEqual(outcome(idle), {
        code: 1,
        stdout: "",
        stderr: `${SESSION_INVALID}\n`,
      });
      assert.deepEqual(namesIn(world.configDir), ["discovery.json"]);
    },
  },
  {
    name: "a config dir that is a symbolic link works with the narrow flags",
    async run(world) {
      const real = `${world.configDir}.real`;
      await Deno.mkdir(real, { mode: 0o700 });
      await Deno.symlink(real, world.configDir);
      await apiKeyLogin(world);
      for (let i = 0; i < 2; i++) {
        await expireAccessToken(world.configDir);
        const token = await world.cli(["user", "token"]);
        assert.equal(token.code, 0, token.stderr);
        assert.equal(token.stderr, "");
      }
      // The second refresh read the discovery cache in the linked dir.
      assert.equal(
        world.idp.requests.filter((r) => r.path === PATHS.discovery).length,
        1,
      );
      const status = await world.cli(["user", "status"]);
      assert.equal(status.code, 0, status.stderr);
      const logout = await world.cli(["user", "logout", "-y"]);
      assert.deepEqual(outcome(logout), {
        code: 0,
        stdout: "",
        stderr: `${LOGOUT_DONE}\n`,
      });
      assert.deepEqual(namesIn(real), ["discovery.json"]);
    },
  },
  {
    name: "a usage error exits 2 and never echoes a value",
    async run(world) {
      const result = await world.cli(["user", "login", "--apikey=s3cret"]);
      assert.deepEqual(outcome(result), {
        code: 2,
        stdout: "",
        stderr: usageError("unknown option --apikey", "pilotcli user login"),
      });
      const missing = await world.cli(["user", "login", "--api-key"]);
      assert.deepEqual(outcome(missing), {
        code: 2,
        stdout: "",
        stderr: usageError("--api-key needs a value", "pilotcli user login"),
      });
    },
  },
];

// Each case runs on the three runtimes at once: each has its own server and
// config dir, and most of a run is waiting on a subprocess.
for (const c of CASES) {
  Deno.test({
    name: `${c.name} [${RUNTIMES.join(", ")}]`,
    ignore: c.skip !== undefined,
    async fn() {
      const runs = await Promise.allSettled(RUNTIMES.map((runtime) =>
        // Over HTTPS, as in real use: the test CA is trusted by PILOT_CA_FILE.
        withWorld({ tls: true, ...c.idp, runtime }, c.run)
      ));
      const failed = runs.flatMap((run, i) =>
        run.status === "rejected" ? [{ runtime: RUNTIMES[i], run }] : []
      );
      if (failed.length > 0) {
        throw new AggregateError(
          failed.map(({ run }) => (run as PromiseRejectedResult).reason),
          `failed on ${failed.map(({ runtime }) => runtime).join(", ")}`,
        );
      }
    },
  });
}

/** Commands whose whole output is fixed: compared byte for byte. */
const FIXED: string[][] = [
  ["--version"],
  ["--help"],
  ["user", "--help"],
  ["user", "login", "--help"],
  ["user", "logout", "--help"],
  ["user", "status", "--help"],
  ["user", "token", "--help"],
  ["user", "nope"],
  ["user", "logout", "extra"],
  ["user", "status"],
  ["completions", "--help"],
  ["completions"],
  ["completions", "tcsh"],
  ["completions", "bash"],
  ["completions", "zsh"],
  ["completions", "fish"],
];

Deno.test("help, version and errors are byte for byte the same on every runtime", async () => {
  const options = {
    authUrl: "http://127.0.0.1:9/realms/pilot",
    configDir: "/nonexistent/pilotcli",
  };
  for (const args of FIXED) {
    const [source, ...others] = await Promise.all(
      RUNTIMES.map((runtime) => runCli(args, { ...options, runtime })),
    );
    for (const [i, other] of others.entries()) {
      assert.deepEqual(
        outcome(other),
        outcome(source),
        `${args.join(" ")} [${RUNTIMES[i + 1]}]`,
      );
    }
  }
  const version = await runCli(["--version"], {
    ...options,
    runtime: "node",
  });
  assert.equal(version.stdout, `pilotcli ${VERSION}\n`);
});

Deno.test("the npm package installs a pilotcli that runs by its shebang", async () => {
  const install = await installNodePackage();
  assert.equal(install.version, VERSION);
  // As a user runs it: the linked program found on PATH, no `node` typed.
  const { code, stdout, stderr } = await new Deno.Command("pilotcli", {
    args: ["--version"],
    clearEnv: true,
    env: {
      PATH: `${install.bin.replace(/\/pilotcli$/, "")}:${
        Deno.env.get("PATH") ?? "/usr/bin:/bin"
      }`,
    },
  }).output();
  assert.equal(new TextDecoder().decode(stderr), "");
  assert.equal(new TextDecoder().decode(stdout), `pilotcli ${VERSION}\n`);
  assert.equal(code, 0);
  // No dependency to fetch: the tarball is the whole program, and small.
  // undici's part (lib/undici.cjs, minified) loads only with a CA file or a
  // proxy. The CLI's and the library's files each carry pilotcli and its
  // narrow Node runtime (scripts/node_deno.ts). 209,896 bytes before
  // profiles and `pilotcli api`, 220,647 with them.
  assert.ok(install.tarballBytes < 230_000, `${install.tarballBytes} bytes`);
  console.log(
    `npm tarball ${install.tarballBytes} bytes, installed ${install.installedBytes} bytes`,
  );
});
