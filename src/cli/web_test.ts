import assert from "node:assert/strict";
import type { Spawner } from "../ui/browser.ts";
import { LineReader } from "../ui/io.ts";
import { OPENING_BROWSER, PRESS_ENTER } from "../ui/messages.ts";
import type { Context } from "./context.ts";
import { offersEnter, startBrowserHelp } from "./web.ts";

const LINK = "https://iam.example.org/realms/pilot/device?user_code=ABCD-EFGH";

/** Standard input that a test types into, and whether it is a terminal. */
function keyboard(terminal: boolean) {
  let type!: (text: string) => void;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      type = (text) => controller.enqueue(new TextEncoder().encode(text));
    },
    cancel() {
      cancelled = true;
    },
  });
  const reader = new LineReader(() => stream, {
    isTerminal: () => terminal,
    setRaw() {},
  });
  return {
    reader,
    type: (text: string) => type(text),
    cancelled: () => cancelled,
  };
}

function context(
  stdin: LineReader,
  {
    stdoutTerminal = true,
    stderrTerminal = true,
    vars = { DISPLAY: ":0" } as Record<string, string>,
  } = {},
) {
  let stderr = "";
  const ctx = {
    stdin,
    stdout: { write() {}, isTerminal: () => stdoutTerminal },
    stderr: {
      write: (text: string) => void (stderr += text),
      isTerminal: () => stderrTerminal,
    },
    env: { get: (name: string) => vars[name] },
    os: "linux",
    signal: new AbortController().signal,
  } as unknown as Context;
  return { ctx, stderr: () => stderr };
}

/** A spawner that records the links it was given. */
function recorder() {
  const opened: string[] = [];
  let wake = () => {};
  const spawner: Spawner = {
    permitted: () => true,
    run(_command, args) {
      opened.push(args.at(-1)!);
      wake();
      return Promise.resolve({ success: true, code: 0 });
    },
  };
  const next = () => new Promise<void>((resolve) => wake = resolve);
  return { spawner, opened, next };
}

Deno.test("offersEnter: stdin, stdout and stderr terminals, on a desktop", () => {
  const tty = keyboard(true).reader;
  assert.equal(offersEnter(context(tty).ctx), true);
  assert.equal(offersEnter(context(keyboard(false).reader).ctx), false);
  assert.equal(
    offersEnter(context(tty, { stdoutTerminal: false }).ctx),
    false,
  );
  assert.equal(
    offersEnter(context(tty, { stderrTerminal: false }).ctx),
    false,
  );
  assert.equal(offersEnter(context(tty, { vars: {} }).ctx), false);
  assert.equal(
    offersEnter(context(tty, { vars: { DISPLAY: ":0", CI: "1" } }).ctx),
    false,
  );
});

Deno.test("startBrowserHelp: Enter opens the link once", async () => {
  const input = keyboard(true);
  const { ctx, stderr } = context(input.reader);
  const browser = recorder();
  const opened = browser.next();
  const stop = startBrowserHelp(ctx, LINK, false, browser.spawner);
  assert.equal(stderr(), `${PRESS_ENTER}\n`);
  input.type("\n\n");
  await opened;
  stop();
  assert.deepEqual(browser.opened, [LINK]);
  assert.equal(stderr(), `${PRESS_ENTER}\n${OPENING_BROWSER}\n`);
});

Deno.test("startBrowserHelp: the login's end stops the reading, and Enter then does nothing", async () => {
  const input = keyboard(true);
  const { ctx, stderr } = context(input.reader);
  const browser = recorder();
  const stop = startBrowserHelp(ctx, LINK, false, browser.spawner);
  stop();
  input.type("\n");
  // Let the typed line reach the read that was pending when it stopped.
  await new Promise((resolve) => setTimeout(resolve, 0));
  // As main does at exit: a read still pending does not stop the release.
  input.reader.release();
  assert.deepEqual(browser.opened, []);
  assert.equal(stderr(), `${PRESS_ENTER}\n`);
});

Deno.test("startBrowserHelp: --web opens at once, and reads nothing", async () => {
  const input = keyboard(false);
  const { ctx, stderr } = context(input.reader);
  const browser = recorder();
  const opened = browser.next();
  const stop = startBrowserHelp(ctx, LINK, true, browser.spawner);
  // Said at once: before the login's next line.
  assert.equal(stderr(), `${OPENING_BROWSER}\n`);
  await opened;
  stop();
  assert.deepEqual(browser.opened, [LINK]);
});

Deno.test("startBrowserHelp: no offer off a terminal, and nothing is read", () => {
  let opened = false;
  const reader = new LineReader(() => {
    opened = true;
    return new Blob([]).stream();
  });
  const { ctx, stderr } = context(reader);
  const stop = startBrowserHelp(ctx, LINK, false, recorder().spawner);
  stop();
  assert.equal(stderr(), "");
  assert.equal(opened, false);
});
