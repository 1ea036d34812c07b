/**
 * The browser's part of a device login, end to end on every runtime: `--web`
 * hands BROWSER (a recording script here) exactly the link, once; a browser
 * that cannot open, or that Deno may not run, is one line and the login goes
 * on; in a pseudo-terminal (util-linux `script`) on a desktop the login
 * offers Enter, opens the link when it comes, makes no offer with CI set or
 * with standard input a pipe, and exits as soon as the login ends while the
 * offer is still waiting for its Enter.
 */

import assert from "node:assert/strict";
import { approveOverHttp } from "../idp/person_http.ts";
import {
  browserFailed,
  browserNotAllowed,
  OPENING_BROWSER,
  PRESS_ENTER,
  TRYING_DEVICE_CODE,
  WAITING,
  WELCOME,
} from "../../src/ui/messages.ts";
import { type CliProcess, type Runtime, RUNTIMES } from "./cli.ts";
import { printedLink, USER, withWorld, type World } from "./harness.ts";

/** A BROWSER that writes each call's arguments to `log`, one JSON array a line. */
interface Recorder {
  /** The program. */
  path: string;
  /** The calls so far. */
  calls(): Promise<string[][]>;
  /** Waits for the first call. */
  called(): Promise<void>;
}

async function withRecorder(fn: (recorder: Recorder) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "pilotcli-browser-" });
  const path = `${dir}/browser`;
  const log = `${dir}/calls`;
  // One line a call: the arguments, NUL-separated, so any byte shows.
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nprintf '%s\\0' "$@" >> '${log}'\nprintf '\\n' >> '${log}'\n`,
    { mode: 0o755 },
  );
  const calls = async () => {
    let text: string;
    try {
      text = await Deno.readTextFile(log);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    return text.split("\n").slice(0, -1).map((line) =>
      line.split("\0").slice(0, -1)
    );
  };
  const called = async () => {
    // The recorder's write is the event; its file is looked at until then.
    for (let i = 0; i < 600 && (await calls()).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.notDeepEqual(await calls(), [], "the browser was never started");
  };
  try {
    await fn({ path, calls, called });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Each case runs on the runtimes at once, to keep the file fast. */
function onRuntimes(
  name: string,
  runtimes: readonly Runtime[],
  run: (world: World, runtime: Runtime) => Promise<void>,
) {
  Deno.test(name, async () => {
    await Promise.all(
      runtimes.map((runtime) =>
        withWorld({ runtime }, (world) => run(world, runtime)).catch(
          (error) => {
            throw new Error(`[${runtime}] ${error?.message ?? error}`, {
              cause: error,
            });
          },
        )
      ),
    );
  });
}

/** The link a pseudo-terminal showed. */
async function linkOnTerminal(cli: CliProcess): Promise<string> {
  const [, link] = await cli.waitForStdout(/Open this link to log in: (\S+)/);
  return link;
}

/** What a terminal showed, with its CRLF line ends made LF. */
function screen(text: string): string {
  return text.replaceAll("\r\n", "\n");
}

/** --allow-run for the programs, on Deno; Node has no permissions. */
function allowRun(runtime: Runtime, ...programs: string[]): string[] {
  return runtime === "node" ? [] : [`--allow-run=${programs.join(",")}`];
}

onRuntimes(
  "--web gives BROWSER exactly the link, once, and the login goes on",
  RUNTIMES,
  (world, runtime) =>
    withRecorder(async (browser) => {
      const cli = world.spawn(["user", "login", "--web", "--no-qr"], {
        env: { BROWSER: browser.path },
        denoFlags: allowRun(runtime, browser.path),
      });
      const link = await printedLink(cli);
      await browser.called();
      await approveOverHttp(link, USER);
      const result = await cli.result();
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stderr,
        `${TRYING_DEVICE_CODE}\nOpen this link to log in: ${link}\n${OPENING_BROWSER}\n${WAITING}\n${WELCOME}\n`,
      );
      assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/.*user_code=[A-Z]/);
      assert.deepEqual(await browser.calls(), [[link]]);
    }),
);

onRuntimes(
  "--web without --allow-run names the flag in one line, and the login goes on",
  ["deno", "bundle"],
  (world) =>
    withRecorder(async (browser) => {
      const cli = world.spawn(["user", "login", "--web", "--no-qr"], {
        env: { BROWSER: browser.path },
      });
      const link = await printedLink(cli);
      await cli.waitForStderr(new RegExp(WAITING));
      await approveOverHttp(link, USER);
      const result = await cli.result();
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stderr,
        `${TRYING_DEVICE_CODE}\nOpen this link to log in: ${link}\n${
          browserNotAllowed([browser.path])
        }\n${WAITING}\n${WELCOME}\n`,
      );
      assert.ok(
        result.stderr.includes(`--allow-run=${browser.path}:`),
        result.stderr,
      );
      assert.deepEqual(await browser.calls(), []);
    }),
);

onRuntimes(
  "--web with BROWSER a list: a missing one is skipped, a failing one is one line",
  RUNTIMES,
  async (world, runtime) => {
    const cli = world.spawn(["user", "login", "--web", "--no-qr"], {
      env: { BROWSER: "/nonexistent/browser:false" },
      denoFlags: allowRun(runtime, "false"),
    });
    const link = await printedLink(cli);
    const failed = browserFailed("false", "exited with code 1");
    await cli.waitForStderr(/exited with code 1/);
    await approveOverHttp(link, USER);
    const result = await cli.result();
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.split("\n");
    assert.equal(lines.filter((line) => line === failed).length, 1);
    // Said when false exits, which may be before or after WAITING.
    assert.deepEqual(
      lines.filter((line) => line !== failed),
      [
        TRYING_DEVICE_CODE,
        `Open this link to log in: ${link}`,
        OPENING_BROWSER,
        WAITING,
        WELCOME,
        "",
      ],
    );
  },
);

/** How the pseudo-terminal cases run the CLI: a desktop, BROWSER recording. */
function onDesktop(
  runtime: Runtime,
  browser: Recorder,
  env: Record<string, string> = {},
) {
  return {
    pty: "terminal" as const,
    keepStdinOpen: true,
    env: { DISPLAY: ":0", BROWSER: browser.path, ...env },
    denoFlags: allowRun(runtime, browser.path),
  };
}

onRuntimes(
  "on a desktop's terminal, Enter opens the link, once",
  RUNTIMES,
  (world, runtime) =>
    withRecorder(async (browser) => {
      const cli = world.spawn(
        ["user", "login", "--no-qr"],
        onDesktop(runtime, browser),
      );
      const link = await linkOnTerminal(cli);
      await cli.waitForStdout(new RegExp(WAITING));
      await cli.type("\r");
      await browser.called();
      await approveOverHttp(link, USER);
      const result = await cli.result();
      assert.equal(result.code, 0, result.stdout);
      assert.equal(
        screen(result.stdout),
        `${TRYING_DEVICE_CODE}\nOpen this link to log in: ${link}\n${PRESS_ENTER}\n${WAITING}\n\n${OPENING_BROWSER}\n${WELCOME}\n`,
      );
      assert.deepEqual(await browser.calls(), [[link]]);
    }),
);

onRuntimes(
  "a login that ends while the offer waits for Enter exits at once",
  RUNTIMES,
  (world, runtime) =>
    withRecorder(async (browser) => {
      const cli = world.spawn(
        ["user", "login", "--no-qr"],
        onDesktop(runtime, browser),
      );
      const link = await linkOnTerminal(cli);
      await cli.waitForStdout(new RegExp(WAITING));
      await approveOverHttp(link, USER);
      // Standard input stays open: only the login's end may end the run.
      const result = await cli.result();
      assert.equal(result.overLimit, false, "the CLI hung on standard input");
      assert.equal(result.code, 0, result.stdout);
      assert.equal(
        screen(result.stdout),
        `${TRYING_DEVICE_CODE}\nOpen this link to log in: ${link}\n${PRESS_ENTER}\n${WAITING}\n${WELCOME}\n`,
      );
      assert.deepEqual(await browser.calls(), []);
    }),
);

onRuntimes(
  "no Enter offer with CI set, nor with standard input a pipe",
  RUNTIMES,
  (world, runtime) =>
    withRecorder(async (browser) => {
      for (
        const [pty, env] of [
          ["terminal", { CI: "true" }],
          ["pipe", {}],
        ] as const
      ) {
        const cli = world.spawn(["user", "login", "--no-qr"], {
          ...onDesktop(runtime, browser, env),
          pty,
        });
        const link = await linkOnTerminal(cli);
        await cli.waitForStdout(new RegExp(WAITING));
        await approveOverHttp(link, USER);
        const result = await cli.result();
        assert.equal(result.code, 0, result.stdout);
        assert.equal(
          screen(result.stdout),
          `${TRYING_DEVICE_CODE}\nOpen this link to log in: ${link}\n${WAITING}\n${WELCOME}\n`,
          `${pty} ${JSON.stringify(env)}`,
        );
      }
      assert.deepEqual(await browser.calls(), []);
    }),
);
