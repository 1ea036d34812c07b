/**
 * The library's `authFetch`, on Deno (in-process, from mod.ts) and on Node
 * (the npm package, from a Node program): its rules against the test realm
 * and its resource server, and a program that calls it for 30 s across
 * tokens that live 2 s (AUTH_FETCH_SECONDS sets the span): no call fails,
 * no token is refused, and the session is refreshed about once a second.
 */

import assert from "node:assert/strict";
import { authFetch, ForeignOrigin, type PilotOptions } from "../../mod.ts";
import { PATHS } from "../idp/server.ts";
import {
  type ResourceServer,
  startResourceServer,
} from "../idp/resource_server.ts";
import {
  installNodePackageInto,
  processTempDir,
  runNodeScript,
} from "./cli.ts";
import { apiKeyLogin, USER, withWorld, type World } from "./harness.ts";

/** How long the programs call, in seconds. */
const SECONDS = Number(Deno.env.get("AUTH_FETCH_SECONDS") ?? "30");
/**
 * Time between two calls, ms: a program's steady use, which leaves the
 * CPU to the other suites running at the same time.
 */
const PACE_MS = 50;
/** The access token's lifetime in the long run, seconds. */
const TOKEN_TTL = 2;

function refreshes(world: World): number {
  return world.idp.requests.filter((r) =>
    r.path === PATHS.token && r.grantType === "refresh_token"
  ).length;
}

async function withApiWorld(
  runtime: "deno" | "node",
  accessTokenTtl: number,
  fn: (
    world: World,
    api: ResourceServer,
    options: PilotOptions,
  ) => Promise<void>,
): Promise<void> {
  await withWorld({ runtime, accessTokenTtl }, async (world) => {
    const api = await startResourceServer(world.idp.issuer);
    try {
      await apiKeyLogin(world);
      await fn(world, api, {
        env: {
          PILOT_AUTH_URL: world.idp.issuer,
          PILOT_CONFIG_DIR: world.configDir,
          PILOT_API_URL: api.url,
        },
      });
    } finally {
      await api.close();
    }
  });
}

Deno.test("authFetch on Deno: the token, a 401 healed once, only the API's origin", async () => {
  await withApiWorld("deno", 300, async (world, api, options) => {
    const me = await authFetch("/v1/me", {}, options);
    assert.equal(me.status, 200);
    assert.equal((await me.json()).username, USER.username);

    // A 401 is healed by one refresh and one resend; a second is returned.
    const before = refreshes(world);
    api.rejectNext(1);
    const healed = await authFetch("/v1/echo", {
      method: "POST",
      body: "again",
    }, options);
    assert.equal(await healed.text(), "again");
    assert.equal(refreshes(world), before + 1);
    api.rejectNext(2);
    const refused = await authFetch(`${api.url}/v1/me`, {}, options);
    assert.equal(refused.status, 401);
    await refused.body?.cancel();

    // A stream body is not read twice: its 401 is returned as it is.
    api.rejectNext(1);
    const streamed = await authFetch("/v1/echo", {
      method: "POST",
      body: ReadableStream.from([new TextEncoder().encode("once")]),
    }, options);
    assert.equal(streamed.status, 401);
    await streamed.body?.cancel();

    // Another origin: refused before anything is sent, redirects included.
    const foreign = await startResourceServer(world.idp.issuer);
    try {
      await assert.rejects(
        authFetch(`${foreign.url}/v1/me`, {}, options),
        ForeignOrigin,
      );
      const to = encodeURIComponent(`${foreign.url}/v1/me`);
      const redirect = await authFetch(`/v1/redirect?to=${to}`, {}, options);
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.get("location"), `${foreign.url}/v1/me`);
      await redirect.body?.cancel();
      assert.deepEqual(foreign.requests, []);
    } finally {
      await foreign.close();
    }
  });
});

/** A program that calls authFetch for `seconds`, as Node code would. */
const NODE_SCRIPT = `
const { authFetch, ForeignOrigin } = await import("@pilot/pilotcli");
const result = { calls: 0, failures: [] };
const end = Date.now() + Number(process.env.TEST_SECONDS) * 1000;
while (Date.now() < end) {
  try {
    const response = await authFetch("/v1/me");
    const body = await response.json();
    if (response.status !== 200 || body.username !== process.env.TEST_USER) {
      result.failures.push(response.status);
    }
  } catch (error) {
    result.failures.push(String(error));
  }
  result.calls++;
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.TEST_PACE_MS)));
}
result.foreign = await authFetch("http://127.0.0.1:9/v1/me").then(
  () => "resolved",
  (error) => error instanceof ForeignOrigin,
);
console.log(JSON.stringify(result));
`;

/** Calls authFetch in this process for `seconds`; the failures. */
async function denoProgram(options: PilotOptions): Promise<{
  calls: number;
  failures: unknown[];
}> {
  const result = { calls: 0, failures: [] as unknown[] };
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    try {
      const response = await authFetch("/v1/me", {}, options);
      const body = await response.json();
      if (response.status !== 200 || body.username !== USER.username) {
        result.failures.push(response.status);
      }
    } catch (error) {
      result.failures.push(String(error));
    }
    result.calls++;
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
  return result;
}

/** Calls authFetch from a Node program for `seconds`; the failures. */
async function nodeProgram(
  world: World,
  options: PilotOptions,
): Promise<{ calls: number; failures: unknown[]; foreign: unknown }> {
  const dir = await processTempDir("pilotcli-node-authfetch-");
  await installNodePackageInto(dir);
  const { code, stdout: out, stderr: err } = await runNodeScript(
    dir,
    NODE_SCRIPT,
    {
      ...options.env,
      TEST_SECONDS: String(SECONDS),
      TEST_PACE_MS: String(PACE_MS),
      TEST_USER: USER.username,
    },
    (SECONDS + 60) * 1000,
  );
  assert.equal(code, 0, err);
  // The library prints nothing, and no token.
  assert.equal(err, "");
  const session = await world.session();
  assert.ok(!out.includes(session.accessToken));
  return JSON.parse(out);
}

Deno.test(`authFetch for ${SECONDS} s against ${TOKEN_TTL} s tokens, on Deno and on Node at once: no failure, a refresh a second`, async () => {
  // Both programs run at the same time, each against its own realm.
  await Promise.all(
    (["deno", "node"] as const).map((runtime) =>
      withApiWorld(runtime, TOKEN_TTL, async (world, api, options) => {
        const before = refreshes(world);
        const result = runtime === "deno"
          ? await denoProgram(options)
          : await nodeProgram(world, options);
        assert.deepEqual(result.failures, [], runtime);
        assert.ok(result.calls > SECONDS, `${runtime}: ${result.calls} calls`);
        if ("foreign" in result) assert.equal(result.foreign, true);
        // Refreshed ahead of expiry, so the API refuses a token only when
        // it ran out in transit (a stalled, loaded machine), and authFetch's
        // one retry healed each of those: the program saw no failure above.
        const refused = api.requests.filter((r) =>
          r.status !== 200 && r.path === "/v1/me"
        );
        assert.ok(
          refused.every((r) => r.status === 401) && refused.length <= 3,
          `${runtime}: ${JSON.stringify(refused)}`,
        );
        // A token is refreshed once it has 1 s left (half its life), so
        // about once a second: never more, fewer only if calls stall.
        const count = refreshes(world) - before;
        assert.ok(
          count >= SECONDS / 2 && count <= SECONDS + 2,
          `${runtime}: ${count} refreshes in ${SECONDS} s`,
        );
        console.log(
          `${runtime}: ${result.calls} calls, ${count} refreshes in ${SECONDS} s`,
        );
      })
    ),
  );
});
