/**
 * Secrets: the end-to-end scenarios with unique marker API keys
 * (`pk-MARKER-<random>`), every token the server issued collected (from the
 * session file after each step, and from every answer the proxy relayed,
 * including answers the CLI threw away), and then: no secret in any stdout
 * or stderr (PILOT_DEBUG=1 included), in any file of the config dir but
 * session.json, or in the argument list of any process started. `user
 * token` prints the access token on stdout: exactly that output is
 * excluded, after checking it is exactly the token and a newline.
 */

import assert from "node:assert/strict";
import { approveOverHttp } from "../idp/person_http.ts";
import { parseSession } from "../../src/session/session.ts";
import { API_KEY_INVALID, SESSION_INVALID } from "../../src/ui/messages.ts";
import { Cli, type RunResult, started } from "./cli_runner.ts";
import { type Fault, startFaultProxy } from "./fault_proxy.ts";
import {
  authUrlOf,
  expireAccessToken,
  linesOf,
  markerKey,
  originOf,
  printedLink,
  revokeAtServer,
  stackLines,
  startTestIdp,
  TempRoot,
  USER,
} from "./world.ts";

/** The port band of this file's proxies. */
const SLOT = 1;

interface Run {
  label: string;
  args: string[];
  debug: boolean;
  result: RunResult;
  /** stdout is the access token (checked), so it is not searched. */
  tokenOnStdout: boolean;
}

Deno.test("secrets never reach output, other files of the config dir, or argv", async () => {
  const goodKeys = { stdin: markerKey(), env: markerKey(), debug: markerKey() };
  const badKey = markerKey();
  const idp = await startTestIdp(Object.values(goodKeys), {
    deviceCodeTtl: 8,
  });
  const proxy = await startFaultProxy(originOf(idp.issuer), { slot: SLOT });
  const root = await TempRoot.make("pilotcli-secrets-");
  const authUrl = authUrlOf(proxy);
  const startedBefore = started.length;
  const runs: Run[] = [];
  /** secret -> what it is (never the value itself, for failure messages). */
  const secrets = new Map<string, string>();
  const files: { label: string; name: string; text: string }[] = [];
  const note = (value: string | undefined, what: string) => {
    if (!value || value.length < 8) return;
    if (!secrets.has(value)) secrets.set(value, what);
    // A JWT's payload and signature are unique to it: look for those too.
    const parts = value.split(".");
    if (parts.length === 3 && parts[0].startsWith("eyJ")) {
      for (const [i, part] of parts.slice(1).entries()) {
        if (part.length >= 16 && !secrets.has(part)) {
          secrets.set(part, `${["payload", "signature"][i]} of ${what}`);
        }
      }
    }
  };
  note(goodKeys.stdin, "the API key given on stdin");
  note(goodKeys.env, "the API key given in PILOT_API_KEY");
  note(goodKeys.debug, "the API key of the debug runs");
  note(badKey, "an unknown API key");
  note(encodeURIComponent(badKey), "an unknown API key, URL-encoded");

  let dir = root.dir();
  const sessionPath = () => `${dir}/session.json`;
  const collectSession = async (label: string) => {
    try {
      const s = parseSession(await Deno.readTextFile(sessionPath()));
      note(s.accessToken, `the access token stored after "${label}"`);
      note(s.refreshToken, `the refresh token stored after "${label}"`);
      note(s.apiKey, `the API key stored after "${label}"`);
      return s;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  };
  const collectFiles = async (label: string) => {
    for (const name of await filesUnder(dir)) {
      if (name === "session.json") continue;
      files.push({
        label,
        name,
        text: await Deno.readTextFile(`${dir}/${name}`).catch(() => ""),
      });
    }
  };
  const cli = async (
    label: string,
    args: string[],
    more: { stdin?: string; env?: Record<string, string>; debug?: boolean } =
      {},
  ): Promise<RunResult> => {
    const debug = more.debug ?? false;
    const result = await new Cli(args, {
      authUrl,
      configDir: dir,
      stdin: more.stdin,
      env: { ...more.env, ...(debug ? { PILOT_DEBUG: "1" } : {}) },
    }).result();
    const session = await collectSession(label);
    let tokenOnStdout = false;
    if (args[1] === "token" && result.code === 0) {
      // The one place a token may appear: exactly it, and a newline.
      assert.equal(
        result.stdout,
        `${session?.accessToken}\n`,
        `${label}: stdout of user token is not exactly the stored access token`,
      );
      tokenOnStdout = true;
    }
    runs.push({ label, args, debug, result, tokenOnStdout });
    await collectFiles(label);
    return result;
  };
  const withFault = async <T>(fault: Fault, fn: () => Promise<T>) => {
    await proxy.setFault(fault);
    try {
      return await fn();
    } finally {
      await proxy.setFault("pass");
    }
  };
  const expect = (result: RunResult, code: number, label: string) =>
    assert.equal(result.code, code, `${label}:\n${result.stderr}`);

  try {
    for (const debug of [false, true]) {
      const d = debug ? " (PILOT_DEBUG=1)" : "";
      dir = root.dir();
      const key = debug ? goodKeys.debug : goodKeys.stdin;
      // API-key login, key on stdin.
      expect(
        await cli(
          `login --api-key -${d}`,
          ["user", "login", "--api-key", "-"],
          {
            stdin: `${key}\n`,
            debug,
          },
        ),
        0,
        "login",
      );
      expect(
        await cli(`status${d}`, ["user", "status"], { debug }),
        0,
        "status",
      );
      expect(
        await cli(`status --json${d}`, ["user", "status", "--json"], { debug }),
        0,
        "status --json",
      );
      expect(await cli(`token${d}`, ["user", "token"], { debug }), 0, "token");
      await expireAccessToken(dir);
      expect(
        await cli(`token, refreshing${d}`, ["user", "token"], { debug }),
        0,
        "token refresh",
      );
      // Failing while the session holds real tokens.
      await expireAccessToken(dir);
      for (
        const fault of ["refuse", "drop", "html500", "missing_fields"] as const
      ) {
        expect(
          await withFault(
            fault,
            () =>
              cli(`token, refresh meets ${fault}${d}`, ["user", "token"], {
                debug,
              }),
          ),
          1,
          `token ${fault}`,
        );
      }
      // The failed refreshes rotated the token at the server (drop,
      // missing_fields): the stored one is now rejected, so the API-key
      // session renews itself with its key.
      expect(
        await cli(`token after failed refreshes${d}`, ["user", "token"], {
          debug,
        }),
        0,
        "token renewal",
      );
      expect(
        await withFault(
          "refuse",
          () =>
            cli(`logout, server refused${d}`, ["user", "logout", "-y"], {
              debug,
            }),
        ),
        0,
        "logout refused",
      );
      // An unknown key, on stdin and in the environment.
      expect(
        await cli(`login with an unknown key on stdin${d}`, [
          "user",
          "login",
          "--api-key",
          "-",
        ], { stdin: `${badKey}\n`, debug }),
        1,
        "bad key stdin",
      );
      expect(
        await cli(`login with an unknown key in env${d}`, ["user", "login"], {
          env: { PILOT_API_KEY: badKey },
          debug,
        }),
        1,
        "bad key env",
      );
      // Good keys meeting server faults: the key is in the request URL.
      for (const fault of ["refuse", "drop", "html500", "bad_json"] as const) {
        expect(
          await withFault(
            fault,
            () =>
              cli(`login --api-key - meets ${fault}${d}`, [
                "user",
                "login",
                "--api-key",
                "-",
              ], { stdin: `${key}\n`, debug }),
          ),
          1,
          `login ${fault}`,
        );
      }
      // API-key login, key in the environment.
      expect(
        await cli(`login with PILOT_API_KEY${d}`, ["user", "login"], {
          env: { PILOT_API_KEY: goodKeys.env },
          debug,
        }),
        0,
        "login env",
      );
      expect(
        await cli(`token${d}`, ["user", "token"], {
          debug,
          env: { PILOT_API_KEY: goodKeys.env },
        }),
        0,
        "token env",
      );
      // The status of an API-key session whose refresh token ran out renews
      // it with the key, in the request URL: make that fail.
      const s = parseSession(await Deno.readTextFile(sessionPath()));
      await Deno.writeTextFile(
        sessionPath(),
        JSON.stringify({
          ...s,
          refreshTokenExpiresAt: Math.floor(Date.now() / 1000) - 10,
        }),
      );
      expect(
        await withFault(
          "refuse",
          () =>
            cli(
              `status renewing with the key, refused${d}`,
              ["user", "status"],
              {
                debug,
              },
            ),
        ),
        1,
        "status renewal refused",
      );
      expect(
        await cli(`status renewing with the key${d}`, ["user", "status"], {
          debug,
        }),
        0,
        "status renewal",
      );
      expect(
        await cli(`logout${d}`, ["user", "logout"], { stdin: "y\n", debug }),
        0,
        "logout",
      );
      // Device login; then a device login whose tokens come back unusable.
      await deviceLogin(`device login${d}`, debug);
      expect(await cli(`token${d}`, ["user", "token"], { debug }), 0, "token");
      await expireAccessToken(dir);
      expect(
        await cli(`token, refreshing a device session${d}`, ["user", "token"], {
          debug,
        }),
        0,
        "device refresh",
      );
      // The person approves, but the tokens come back without access_token.
      await deviceLogin(`device login, tokens unusable${d}`, debug, true);
      // A session revoked behind the CLI's back ends when next used.
      const stored = parseSession(await Deno.readTextFile(sessionPath()));
      await revokeAtServer(idp.issuer, stored.refreshToken);
      await expireAccessToken(dir);
      const ended = await cli(`token with a revoked session${d}`, [
        "user",
        "token",
      ], { debug });
      expect(ended, 1, "revoked");
      assert.equal(linesOf(ended.stderr).at(0), SESSION_INVALID);
      expect(
        await cli(`logout without a session${d}`, ["user", "logout", "-y"], {
          debug,
        }),
        1,
        "logout none",
      );
    }

    // Every token the server issued went through the proxy.
    for (const value of proxy.secrets) note(value, "a secret the server sent");

    const leaks: string[] = [];
    const search = (where: string, text: string) => {
      for (const [secret, what] of secrets) {
        if (text.includes(secret)) leaks.push(`${what} appears in ${where}`);
      }
    };
    for (const run of runs) {
      search(`stderr of "${run.label}"`, run.result.stderr);
      if (!run.tokenOnStdout) {
        search(`stdout of "${run.label}"`, run.result.stdout);
      }
      if (!run.debug) {
        assert.deepEqual(
          stackLines(run.result.stderr),
          [],
          `a stack trace without PILOT_DEBUG in "${run.label}"`,
        );
      }
    }
    for (const file of files) {
      search(`${file.name} after "${file.label}"`, file.text);
    }
    const argvs = started.slice(startedBefore);
    for (const [i, { argv }] of argvs.entries()) {
      search(`the argument list of process ${i + 1}`, argv.join("\0"));
    }
    assert.deepEqual(leaks, [], "secrets leaked");
    // The failing runs did fail with the lines they should have.
    const invalidKey = runs.filter((r) => r.label.includes("unknown key"));
    assert.equal(invalidKey.length, 4);
    for (const run of invalidKey) {
      assert.equal(linesOf(run.result.stderr)[1], API_KEY_INVALID, run.label);
    }
    const debugRuns = runs.filter((r) => r.debug && r.result.code !== 0);
    assert.ok(
      debugRuns.some((r) => r.result.stderr.includes("caused by: ")),
      "PILOT_DEBUG=1 printed no causes: the debug runs prove nothing",
    );
    console.log(
      `figures: ${runs.length} runs (${
        runs.filter((r) => r.debug).length
      } with PILOT_DEBUG=1, ${
        runs.filter((r) => r.result.code !== 0).length
      } failing), ${secrets.size} secret values searched (${proxy.secrets.size} seen by the proxy), ${files.length} file snapshots, ${argvs.length} argument lists`,
    );
  } finally {
    await proxy.close();
    await idp.close();
    await root.cleanup();
  }

  async function deviceLogin(label: string, debug: boolean, unusable = false) {
    const login = new Cli(["user", "login", "--no-qr"], {
      authUrl,
      configDir: dir,
      env: debug ? { PILOT_DEBUG: "1" } : {},
    });
    const link = await printedLink(login);
    if (unusable) await proxy.setFault("missing_fields");
    try {
      await approveOverHttp(proxy.unrewrite(link), USER);
      const result = await login.result();
      runs.push({
        label,
        args: ["user", "login"],
        debug,
        result,
        tokenOnStdout: false,
      });
      assert.equal(
        result.code,
        unusable ? 1 : 0,
        `${label}:\n${result.stderr}`,
      );
    } finally {
      await proxy.setFault("pass");
    }
    await collectSession(label);
    await collectFiles(label);
  }
});

/** Paths of the files in `dir` and below, relative to it. */
async function filesUnder(dir: string, sub = ""): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(sub ? `${dir}/${sub}` : dir)) {
      const name = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory) names.push(...await filesUnder(dir, name));
      else names.push(name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names;
}
