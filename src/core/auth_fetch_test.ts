import assert from "node:assert/strict";
import { ForeignOrigin, ServerUnreachable } from "../errors.ts";
import {
  type ApiRequest,
  apiTarget,
  type AuthFetchDeps,
  fetchWithToken,
} from "./auth_fetch.ts";

const API = "https://api.example.org/base";

/** What the fake API was sent. */
interface Sent {
  url: string;
  method: string;
  authorization: string | null;
  body: string | null;
  redirect: RequestRedirect | undefined;
}

/** Deps over a fake API answering each request with `answer`. */
function fake(
  answer: (sent: Sent, index: number) => Response | Promise<Response>,
  timeoutMs = 1000,
): { deps: AuthFetchDeps; sent: Sent[]; tokens: (string | undefined)[] } {
  const sent: Sent[] = [];
  const tokens: (string | undefined)[] = [];
  let issued = 0;
  const deps: AuthFetchDeps = {
    token(rejected) {
      tokens.push(rejected);
      return Promise.resolve(`t${++issued}`);
    },
    fetch: async (input, init) => {
      const body = init?.body instanceof ReadableStream
        ? await new Response(init.body).text()
        : init?.body == null
        ? null
        : String(init.body);
      const one = {
        url: String(input),
        method: init?.method ?? "GET",
        authorization: new Headers(init?.headers).get("authorization"),
        body,
        redirect: init?.redirect,
      };
      sent.push(one);
      return await answer(one, sent.length - 1);
    },
    apiUrl: API,
    signal: new AbortController().signal,
    timeoutMs,
  };
  return { deps, sent, tokens };
}

function request(more: Partial<ApiRequest> = {}): ApiRequest {
  return { method: "GET", headers: new Headers(), replayable: true, ...more };
}

Deno.test("apiTarget joins a path to the API URL and refuses other origins", () => {
  assert.equal(
    apiTarget(API, "/v1/x?a=1").href,
    "https://api.example.org/base/v1/x?a=1",
  );
  assert.equal(
    apiTarget(API, "https://api.example.org/other").href,
    "https://api.example.org/other",
  );
  for (
    const input of [
      "//evil.example/x",
      "https://evil.example/x",
      "http://api.example.org/x",
      "https://api.example.org:8443/x",
    ]
  ) {
    assert.throws(() => apiTarget(API, input), ForeignOrigin, input);
  }
  assert.throws(() => apiTarget(API, "v1/x"), TypeError);
});

Deno.test("a 401 gets one refreshed token and one resend; a second 401 is returned", async () => {
  const { deps, sent, tokens } = fake(() =>
    new Response("no", { status: 401 })
  );
  const { response, notResent } = await fetchWithToken(
    deps,
    apiTarget(API, "/v1/me"),
    request({ method: "POST", body: () => "data" }),
  );
  assert.equal(response.status, 401);
  assert.equal(notResent, false);
  assert.deepEqual(sent.map((s) => [s.authorization, s.body]), [
    ["Bearer t1", "data"],
    ["Bearer t2", "data"],
  ]);
  // The second token was asked for as a replacement of the refused one.
  assert.deepEqual(tokens, [undefined, "t1"]);
});

Deno.test("a body that cannot be made again is not resent after a 401", async () => {
  const { deps, sent } = fake(() => new Response("no", { status: 401 }));
  const { response, notResent } = await fetchWithToken(
    deps,
    apiTarget(API, "/v1/echo"),
    request({
      method: "POST",
      body: () => ReadableStream.from([new TextEncoder().encode("once")]),
      replayable: false,
    }),
  );
  assert.equal(response.status, 401);
  assert.equal(notResent, true);
  assert.equal(sent.length, 1);
  // A stream is sent with redirects off: see send().
  assert.equal(sent[0].redirect, "error");
});

Deno.test("redirects: followed with the token within the origin, returned as they are elsewhere", async () => {
  const { deps, sent } = fake((one) =>
    one.url.endsWith("/start")
      ? new Response(null, {
        status: 303,
        headers: { location: "/base/next" },
      })
      : one.url.endsWith("/next")
      ? new Response(null, {
        status: 302,
        headers: { location: "https://cdn.example.net/file" },
      })
      : new Response("?", { status: 500 })
  );
  const { response } = await fetchWithToken(
    deps,
    apiTarget(API, "/start"),
    request({ method: "POST", body: () => "x" }),
  );
  assert.equal(response.status, 302);
  assert.equal(
    response.headers.get("location"),
    "https://cdn.example.net/file",
  );
  // 303: a GET without the body follows; nothing went to the other origin.
  assert.deepEqual(sent.map((s) => [s.url, s.method, s.body, s.redirect]), [
    ["https://api.example.org/base/start", "POST", "x", "manual"],
    ["https://api.example.org/base/next", "GET", null, "manual"],
  ]);
  assert.ok(sent.every((s) => s.authorization === "Bearer t1"));
});

Deno.test("redirects in a circle stop after 10", async () => {
  const { deps, sent } = fake(() =>
    new Response(null, { status: 307, headers: { location: "/base/loop" } })
  );
  const { response } = await fetchWithToken(
    deps,
    apiTarget(API, "/loop"),
    request(),
  );
  assert.equal(response.status, 307);
  assert.equal(sent.length, 11);
});

Deno.test("no headers within the time limit: ServerUnreachable, timed out", async () => {
  const { deps } = fake(() => new Promise<Response>(() => {}), 20);
  // The fake never answers; the limit's abort must end the wait.
  deps.fetch = (_input, init) =>
    new Promise((_, reject) =>
      init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))
    );
  const error = await fetchWithToken(
    deps,
    apiTarget(API, "/slow"),
    request(),
  ).then(() => undefined, (e) => e);
  assert.ok(error instanceof ServerUnreachable, String(error));
  assert.equal(error.timedOut, true);
  assert.equal(error.url, "https://api.example.org");
});
