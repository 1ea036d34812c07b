import assert from "node:assert/strict";
import { ServerUnreachable } from "../errors.ts";
import { MAX_BODY_BYTES, ProtocolError, requestJson } from "./http.ts";

/** A local server whose answer bodies `body` streams. */
function serve(body: (request: Request) => ReadableStream<Uint8Array>) {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) =>
      new Response(body(request), {
        headers: { "content-type": "application/json" },
      }),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    host: `127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  };
}

/** A body that sends `{"a":"` and then one byte every `ms`, for ever. */
function trickle(ms: number): ReadableStream<Uint8Array> {
  let timer: ReturnType<typeof setInterval> | undefined;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"a":"'));
      timer = setInterval(
        () => controller.enqueue(new TextEncoder().encode("x")),
        ms,
      );
    },
    cancel: () => clearInterval(timer),
  });
}

/** A body of 64 KiB chunks without end. */
function endless(): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
  return new ReadableStream({
    start: (controller) => controller.enqueue(new TextEncoder().encode("{")),
    pull: (controller) => controller.enqueue(chunk),
  });
}

Deno.test("requestJson: the time limit covers the body; the line names the host, not the URL", async () => {
  const server = serve(() => trickle(20));
  try {
    const error = await requestJson(`${server.url}/api-key/secret-key-123`, {
      fetch,
      what: "the API-key endpoint",
      timeoutMs: 300,
    }).catch((e) => e);
    assert.ok(error instanceof ServerUnreachable);
    assert.equal(error.timedOut, true);
    assert.equal(
      error.message,
      `the API-key endpoint at ${server.host} did not send its whole answer within 1 s (PILOT_HTTP_TIMEOUT)`,
    );
    assert.doesNotMatch(String(error.cause), /secret-key-123/);
  } finally {
    await server.close();
  }
});

Deno.test("requestJson stops reading an endless body at 1 MiB", async () => {
  let sent = 0;
  const server = serve(() => {
    const stream = endless();
    const reader = stream.getReader();
    return new ReadableStream({
      async pull(controller) {
        const { value } = await reader.read();
        sent += value!.byteLength;
        controller.enqueue(value!);
      },
      cancel: () => reader.cancel(),
    });
  });
  try {
    const error = await requestJson(`${server.url}/doc`, {
      fetch,
      what: "the discovery document",
    }).catch((e) => e);
    assert.ok(error instanceof ProtocolError);
    assert.equal(
      error.message,
      `the discovery document at ${server.host} sent an answer larger than 1 MiB`,
    );
    // Read to just past the cap, not on: what was sent stays near it
    // (the sockets buffer a few more chunks).
    assert.ok(sent < 8 * MAX_BODY_BYTES, `${sent} bytes sent`);
  } finally {
    await server.close();
  }
});

Deno.test("requestJson refuses a declared length over 1 MiB without reading it", async () => {
  let read = false;
  const fake = (() =>
    Promise.resolve(
      new Response(
        new ReadableStream({
          pull() {
            read = true;
          },
        }, { highWaterMark: 0 }),
        { headers: { "content-length": String(MAX_BODY_BYTES + 1) } },
      ),
    )) as typeof fetch;
  await assert.rejects(
    requestJson("https://iam.example.org/x", { fetch: fake, what: "the x" }),
    /^ProtocolError: the x at iam\.example\.org sent an answer larger than 1 MiB$/,
  );
  assert.equal(read, false);
});

Deno.test("requestJson takes a body of exactly 1 MiB", async () => {
  const text = JSON.stringify({ a: "x".repeat(MAX_BODY_BYTES - 8) });
  assert.equal(text.length, MAX_BODY_BYTES);
  const fake = (() => Promise.resolve(new Response(text))) as typeof fetch;
  const { body } = await requestJson("https://h/x", {
    fetch: fake,
    what: "the x",
  });
  assert.equal((body.a as string).length, MAX_BODY_BYTES - 8);
});

/**
 * Node 20's fetch: once the headers are there, an abort no longer ends the
 * body (undici's bug). This fetch does the same: its body never ends and
 * ignores every signal.
 */
function deafFetch(): { fetch: typeof fetch; cancelled: () => boolean } {
  let cancelled = false;
  const fake = () =>
    Promise.resolve(
      new Response(
        new ReadableStream({
          start: (c) => c.enqueue(new TextEncoder().encode("{")),
          cancel() {
            cancelled = true;
          },
        }),
      ),
    );
  return { fetch: fake as typeof fetch, cancelled: () => cancelled };
}

Deno.test("requestJson ends a body read on time even when fetch ignores the abort (Node 20)", async () => {
  const deaf = deafFetch();
  await assert.rejects(
    requestJson("https://iam.example.org/t", {
      fetch: deaf.fetch,
      what: "the token endpoint",
      timeoutMs: 50,
    }),
    (e) =>
      e instanceof ServerUnreachable && e.timedOut &&
      e.message.startsWith("the token endpoint at iam.example.org did not"),
  );
  assert.equal(deaf.cancelled(), true);
});

Deno.test("requestJson: Ctrl-C during a body read throws the signal's reason (exit 130)", async () => {
  const deaf = deafFetch();
  const controller = new AbortController();
  const reason = new Error("interrupted");
  const request = requestJson("https://iam.example.org/t", {
    fetch: deaf.fetch,
    what: "the token endpoint",
    signal: controller.signal,
  });
  // Aborted once the body is being read: the fetch has answered by now.
  await new Promise((resolve) => setTimeout(resolve, 0));
  controller.abort(reason);
  await assert.rejects(request, (e) => e === reason);
  assert.equal(deaf.cancelled(), true);
});

Deno.test('requestJson: a body broken off half-way is "could not be reached", as before', async () => {
  const fake = (() =>
    Promise.resolve(
      new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode("{"));
            c.error(new TypeError("connection reset"));
          },
        }),
      ),
    )) as typeof fetch;
  await assert.rejects(
    requestJson("https://h/x", { fetch: fake, what: "the token endpoint" }),
    (e) =>
      e instanceof ServerUnreachable && !e.timedOut &&
      e.message === "the token endpoint could not be reached",
  );
});
