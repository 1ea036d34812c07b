import assert from "node:assert/strict";
import {
  fileWriter,
  LineReader,
  quietWhenClosed,
  type Terminal,
  TypedInterrupt,
} from "./io.ts";

function streamOf(...chunks: string[]): () => ReadableStream<Uint8Array> {
  return () =>
    new ReadableStream({
      start(controller) {
        for (const chunk of chunks) {
          controller.enqueue(new TextEncoder().encode(chunk));
        }
        controller.close();
      },
    });
}

function fakeTerminal(): Terminal & { modes: boolean[] } {
  const modes: boolean[] = [];
  return { modes, isTerminal: () => true, setRaw: (on) => void modes.push(on) };
}

Deno.test("LineReader.readLine keeps what follows a line for the next call", async () => {
  const reader = new LineReader(streamOf("maybe\r\ny", "es\nrest"));
  assert.equal(await reader.readLine(), "maybe");
  assert.equal(await reader.readLine(), "yes");
  assert.equal(await reader.readLine(), "rest");
  assert.equal(await reader.readLine(), null);
});

Deno.test("readSecret on a terminal: raw mode on and off, backspace, enter", async () => {
  const terminal = fakeTerminal();
  const reader = new LineReader(
    streamOf("pk-sec", "x\x7fret\rignored"),
    terminal,
  );
  assert.equal(await reader.readSecret(), "pk-secret");
  assert.deepEqual(terminal.modes, [true, false]);
});

Deno.test("readSecret on a terminal: Ctrl-C is an interrupt, Ctrl-D at the start is end of input", async () => {
  const typedCtrlC = new LineReader(streamOf("pk\x03"), fakeTerminal());
  await assert.rejects(typedCtrlC.readSecret(), TypedInterrupt);
  const terminal = fakeTerminal();
  assert.equal(
    await new LineReader(streamOf("\x04"), terminal).readSecret(),
    null,
  );
  assert.deepEqual(terminal.modes, [true, false]);
});

Deno.test("readSecret without a terminal reads a plain line", async () => {
  const reader = new LineReader(streamOf("pk-piped\n"));
  assert.equal(await reader.readSecret(), "pk-piped");
});

Deno.test("quietWhenClosed: a closed stdout drops the output quietly, stderr fails", () => {
  let calls = 0;
  const closedPipe = {
    writeSync(): number {
      calls++;
      throw new Deno.errors.BrokenPipe("Broken pipe (os error 32)");
    },
  };
  const stdout = quietWhenClosed(fileWriter(closedPipe));
  stdout.write("first\n");
  stdout.write("second\n");
  // The first write learnt the reader is gone; later ones are not tried.
  assert.equal(calls, 1);
  assert.throws(
    () => fileWriter(closedPipe).write("x"),
    Deno.errors.BrokenPipe,
  );
  const full = {
    writeSync(): number {
      throw new Deno.errors.WriteZero("no space");
    },
  };
  assert.throws(
    () => quietWhenClosed(fileWriter(full)).write("x"),
    Deno.errors.WriteZero,
  );
});

Deno.test("fileWriter writes all of a text over partial writes", () => {
  const chunks: string[] = [];
  const slow = {
    writeSync(bytes: Uint8Array): number {
      chunks.push(new TextDecoder().decode(bytes.subarray(0, 2)));
      return Math.min(2, bytes.length);
    },
  };
  fileWriter(slow).write("hello");
  assert.deepEqual(chunks, ["he", "ll", "o"]);
});
