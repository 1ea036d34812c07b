import assert from "node:assert/strict";
import { FileSessionStore } from "../session/store.ts";
import { NO_PROFILE, SESSION_INVALID } from "../ui/messages.ts";
import { LineReader, type TextWriter } from "../ui/io.ts";
import type { Context } from "./context.ts";
import { systemClock } from "../core/clock.ts";
import { main } from "./main.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs main with a Context on `env`, capturing what it writes. */
async function run(
  args: string[],
  env: Record<string, string>,
  openStore: Context["openStore"],
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const out: TextWriter = { write: (text) => void (stdout += text) };
  const err: TextWriter = { write: (text) => void (stderr += text) };
  const code = await main(args, ({ signal }) => ({
    stdout: out,
    stderr: err,
    stdin: new LineReader(() => new Blob([]).stream()),
    env: { get: (name) => env[name] },
    os: "linux",
    fetch: () => Promise.reject(new Error("no network in this test")),
    clock: systemClock,
    signal,
    lock: { signal },
    openStore,
  }));
  return { code, stdout, stderr };
}

Deno.test("main: a failure is one line on stderr, with its exit code", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = () => new FileSessionStore(dir);
    const broken = () => {
      throw new Error("disk on fire");
    };
    const env = {
      PILOT_AUTH_URL: "http://127.0.0.1:9/realms/x",
      PILOT_CONFIG_DIR: dir,
    };
    const cases: [
      string[],
      Record<string, string>,
      Context["openStore"],
      Run,
    ][] = [
      // No profile and no PILOT_AUTH_URL: how to add a profile.
      [["user", "status"], { PILOT_CONFIG_DIR: dir }, store, {
        code: 1,
        stdout: "",
        stderr: `${NO_PROFILE}\n`,
      }],
      [["user", "logout", "-y"], env, store, {
        code: 1,
        stdout: "",
        stderr: `${SESSION_INVALID}\n`,
      }],
      [["user", "status", "--json"], env, broken, {
        code: 1,
        stdout: "",
        stderr:
          "pilotcli failed unexpectedly: disk on fire. Run again with PILOT_DEBUG=1 for details.\n",
      }],
    ];
    for (const [args, env, openStore, expected] of cases) {
      assert.deepEqual(
        await run(args, env, openStore),
        expected,
        args.join(" "),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main: PILOT_DEBUG=1 adds the causes", async () => {
  const env = {
    PILOT_AUTH_URL: "http://127.0.0.1:9/realms/x",
    PILOT_CONFIG_DIR: "/nonexistent",
    PILOT_DEBUG: "1",
  };
  const broken = () => {
    throw new Error("disk on fire");
  };
  for (const args of [["user", "token"], ["user", "status", "--json"]]) {
    const { code, stderr } = await run(args, env, broken);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /^pilotcli failed unexpectedly: disk on fire\. .*\ncaused by: Error: disk on fire\n {4}at /,
    );
  }
});
