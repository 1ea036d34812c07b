import assert from "node:assert/strict";
import { LineReader, type Terminal, TypedInterrupt } from "./io.ts";

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
