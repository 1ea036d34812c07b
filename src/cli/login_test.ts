import assert from "node:assert/strict";
import { CliError, EXIT_INTERRUPTED } from "../errors.ts";
import { FileSessionStore } from "../session/store.ts";
import { LineReader, type TextWriter } from "../ui/io.ts";
import type { Context } from "./context.ts";
import { systemClock } from "../core/clock.ts";
import { runLogin } from "./login.ts";

/** Whether `path` exists. */
async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

for (const terminal of [false, true]) {
  const where = terminal ? "at a terminal" : "from a pipe";
  Deno.test(`login --api-key -: Ctrl-C while the key is read ${where} ends it, storing nothing`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "pilotcli_login_" });
    try {
      const configDir = `${dir}/pilotcli`;
      const controller = new AbortController();
      // The event: the login asks standard input for the key.
      let reading!: () => void;
      const read = new Promise<void>((resolve) => reading = resolve);
      const stdin = new ReadableStream<Uint8Array>({
        pull() {
          reading();
          return new Promise(() => {}); // Nobody types.
        },
      });
      const raw: boolean[] = [];
      let stderr = "";
      const err: TextWriter = { write: (text) => void (stderr += text) };
      const env: Record<string, string> = {
        PILOT_AUTH_URL: "http://127.0.0.1:9/realms/pilot",
        PILOT_CONFIG_DIR: configDir,
      };
      const ctx: Context = {
        stdout: err,
        stderr: err,
        stdin: new LineReader(() => stdin, {
          isTerminal: () => terminal,
          setRaw: (on) => void raw.push(on),
        }),
        env: { get: (name) => env[name] },
        os: "linux",
        fetch: () => Promise.reject(new Error("no network in this test")),
        clock: systemClock,
        signal: controller.signal,
        lock: { signal: controller.signal },
        openStore: (path) => new FileSessionStore(path),
      };
      const login = runLogin(ctx, { apiKey: "-" });
      await read;
      const interrupt = new CliError("", { exitCode: EXIT_INTERRUPTED });
      controller.abort(interrupt);
      await assert.rejects(login, (error) => error === interrupt);
      assert.equal(await exists(configDir), false, "nothing stored");
      assert.deepEqual(raw, terminal ? [true, false] : [], "raw mode undone");
      assert.equal(stderr, terminal ? "API key (not shown): \n" : "");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
