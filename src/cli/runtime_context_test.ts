import assert from "node:assert/strict";
import type { Context } from "./context.ts";
import type { Interrupt } from "./interrupt.ts";
import { runtimeContext } from "./runtime_context.ts";

/** An Interrupt that counts the calls of listen(). */
class CountingInterrupt implements Interrupt {
  readonly signal = new AbortController().signal;
  listens = 0;
  listen(): void {
    this.listens++;
  }
}

Deno.test("runtimeContext: Ctrl-C is listened for as each kind of wait begins, not before", async () => {
  const waits: [string, (ctx: Context) => Promise<unknown> | void][] = [
    // Port 9 (discard) has no listener here: refused at once.
    ["the network", (ctx) => ctx.fetch("http://127.0.0.1:9/").catch(() => {})],
    ["a poll interval", (ctx) => ctx.clock.sleep(0)],
    ["a question", (ctx) => {
      ctx.stdin.open();
      ctx.stdin.release();
    }],
    ["another process's lock", (ctx) => ctx.lock.onWait?.("/c/session.lock")],
  ];
  for (const [wait, begin] of waits) {
    const interrupt = new CountingInterrupt();
    const ctx = runtimeContext(interrupt);
    assert.equal(interrupt.listens, 0, `${wait}: not before`);
    await begin(ctx);
    assert.equal(interrupt.listens, 1, wait);
    assert.equal(ctx.signal, interrupt.signal);
    assert.equal(ctx.lock.signal, interrupt.signal);
  }
});
