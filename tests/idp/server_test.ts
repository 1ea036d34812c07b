/**
 * Tests of the test identity server: Keycloak's shape, the device flow driven
 * over HTTP and in Chromium, slow_down, rotation with reuse detection,
 * revocation, logout, the API-key exchange, failure injection, the log.
 *
 * @module
 */

import assert from "node:assert/strict";
import { approveInBrowser } from "./person_browser.ts";
import { approveOverHttp } from "./person_http.ts";
import {
  API_KEY_GRANT_TYPE,
  CLIENT_ID,
  DEVICE_CODE_GRANT_TYPE,
  type Idp,
  type IdpOptions,
  PATHS,
  startIdp,
} from "./server.ts";

const TOKEN = PATHS.token;
const DEVICE_AUTH = PATHS.deviceAuthorization;
const USERS = { alice: "alice-password", bob: "bob-password" };
const API_KEYS = { "alice-key-0123456789": "alice" };
/** Fast but not jittery: tests poll every 0.2 s. */
const FAST: IdpOptions = {
  users: USERS,
  apiKeys: API_KEYS,
  interval: 0.2,
  accessTokenTtl: 60,
  refreshTokenTtl: 120,
  deviceCodeTtl: 30,
};

type Json = Record<string, unknown>;

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  refresh_expires_in: number;
  token_type: string;
}

/** Runs `fn` against a fresh server, always closed afterwards. */
async function withIdp(
  options: IdpOptions,
  fn: (idp: Idp) => Promise<void>,
): Promise<void> {
  const idp = await startIdp(options);
  try {
    await fn(idp);
  } finally {
    await idp.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function postForm(
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, {
    method: "POST",
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : {},
  };
}

async function startDeviceLogin(idp: Idp): Promise<DeviceAuthorization> {
  const { status, body } = await postForm(`${idp.issuer}${DEVICE_AUTH}`, {
    client_id: CLIENT_ID,
    scope: "openid offline_access",
  });
  assert.equal(status, 200, JSON.stringify(body));
  return body as unknown as DeviceAuthorization;
}

function pollOnce(
  idp: Idp,
  deviceCode: string,
): Promise<{ status: number; body: Json }> {
  return postForm(`${idp.issuer}${TOKEN}`, {
    grant_type: DEVICE_CODE_GRANT_TYPE,
    client_id: CLIENT_ID,
    device_code: deviceCode,
  });
}

/** Polls as a well-behaved client (waiting `interval` before each poll) until an answer other than authorization_pending. */
async function poll(
  idp: Idp,
  auth: DeviceAuthorization,
  deadlineMs = 10_000,
): Promise<{ status: number; body: Json }> {
  const deadline = Date.now() + deadlineMs;
  let interval = auth.interval;
  while (Date.now() < deadline) {
    await sleep(interval * 1000);
    const answer = await pollOnce(idp, auth.device_code);
    if (answer.body.error === "slow_down") {
      interval += 5;
      continue;
    }
    if (answer.body.error !== "authorization_pending") return answer;
  }
  throw new Error("polling timed out");
}

function refresh(
  idp: Idp,
  refreshToken: string,
): Promise<{ status: number; body: Json }> {
  return postForm(`${idp.issuer}${TOKEN}`, {
    grant_type: "refresh_token",
    client_id: CLIENT_ID,
    refresh_token: refreshToken,
  });
}

function decodeJwt(token: string): Json {
  const parts = token.split(".");
  assert.equal(parts.length, 3, "a JWT has three parts");
  const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(base64));
}

function assertTokenResponse(body: Json): Tokens {
  for (
    const field of [
      "access_token",
      "expires_in",
      "refresh_token",
      "refresh_expires_in",
      "token_type",
    ]
  ) {
    assert.ok(field in body, `token response has ${field}`);
  }
  assert.equal(body.token_type, "Bearer");
  assert.equal(typeof body.expires_in, "number");
  assert.equal(typeof body.refresh_expires_in, "number");
  return body as unknown as Tokens;
}

/** Signs `username` in through the device flow, over HTTP. */
async function deviceTokens(idp: Idp, username = "alice"): Promise<Tokens> {
  const auth = await startDeviceLogin(idp);
  await approveOverHttp(auth.verification_uri_complete, {
    username,
    password: USERS[username as keyof typeof USERS],
  });
  const { status, body } = await poll(idp, auth);
  assert.equal(status, 200, JSON.stringify(body));
  return assertTokenResponse(body);
}

Deno.test("discovery has Keycloak's paths", async () => {
  await withIdp(FAST, async (idp) => {
    assert.match(idp.issuer, /^http:\/\/127\.0\.0\.1:\d+\/realms\/pilot$/);
    const response = await fetch(
      `${idp.issuer}/.well-known/openid-configuration`,
    );
    assert.equal(response.status, 200);
    const doc = await response.json();
    const oidc = `${idp.issuer}/protocol/openid-connect`;
    assert.equal(doc.issuer, idp.issuer);
    assert.equal(doc.authorization_endpoint, `${oidc}/auth`);
    assert.equal(doc.device_authorization_endpoint, `${oidc}/auth/device`);
    assert.equal(doc.token_endpoint, `${oidc}/token`);
    assert.equal(doc.revocation_endpoint, `${oidc}/revoke`);
    assert.equal(doc.end_session_endpoint, `${oidc}/logout`);
    assert.equal(doc.jwks_uri, `${oidc}/certs`);
    assert.equal(doc.userinfo_endpoint, `${oidc}/userinfo`);
    for (
      const grant of [
        DEVICE_CODE_GRANT_TYPE,
        "refresh_token",
        API_KEY_GRANT_TYPE,
      ]
    ) {
      assert.ok(doc.grant_types_supported.includes(grant), grant);
    }
    const jwks = await (await fetch(doc.jwks_uri)).json();
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0].alg, "RS256");
    assert.equal(jwks.keys[0].d, undefined, "no private part published");
  });
});

Deno.test("device flow approved over HTTP gives JWT tokens", async () => {
  await withIdp(FAST, async (idp) => {
    const auth = await startDeviceLogin(idp);
    assert.equal(auth.interval, 0.2);
    assert.equal(auth.expires_in, 30);
    assert.equal(auth.verification_uri, `${idp.issuer}/device`);
    assert.equal(
      auth.verification_uri_complete,
      `${idp.issuer}/device?user_code=${encodeURIComponent(auth.user_code)}`,
    );
    assert.match(auth.user_code, /^[A-Z]{4}-[A-Z]{4}$/);

    await sleep(auth.interval * 1000);
    const pending = await pollOnce(idp, auth.device_code);
    assert.equal(pending.status, 400);
    assert.equal(pending.body.error, "authorization_pending");

    await approveOverHttp(auth.verification_uri_complete, {
      username: "alice",
      password: USERS.alice,
    });
    const { status, body } = await poll(idp, auth);
    assert.equal(status, 200, JSON.stringify(body));
    const tokens = assertTokenResponse(body);
    assert.equal(tokens.expires_in, 60);
    assert.equal(tokens.refresh_expires_in, 120);
    const claims = decodeJwt(tokens.access_token);
    assert.equal(claims.preferred_username, "alice");
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.azp, CLIENT_ID);
    assert.equal(typeof claims.sub, "string");

    // Keycloak-style userinfo accepts the access token.
    const userinfo = `${idp.issuer}/protocol/openid-connect/userinfo`;
    const info = await fetch(userinfo, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(info.status, 200);
    const me = await info.json();
    assert.equal(me.preferred_username, "alice");
    assert.equal(me.sub, claims.sub);

    // A redeemed code cannot be redeemed again, and replaying it revokes
    // what it gave (oidc-provider's code reuse detection).
    await sleep(auth.interval * 1000);
    const again = await pollOnce(idp, auth.device_code);
    assert.equal(again.status, 400);
    assert.equal(again.body.error, "invalid_grant");
    assert.equal((await refresh(idp, tokens.refresh_token)).status, 400);
  });
});

Deno.test("device flow with verification_uri and a typed user code", async () => {
  await withIdp(FAST, async (idp) => {
    const auth = await startDeviceLogin(idp);
    await approveOverHttp(auth.verification_uri, {
      username: "bob",
      password: USERS.bob,
      userCode: auth.user_code,
    });
    const { status, body } = await poll(idp, auth);
    assert.equal(status, 200, JSON.stringify(body));
    const tokens = assertTokenResponse(body);
    assert.equal(decodeJwt(tokens.access_token).preferred_username, "bob");
  });
});

Deno.test("a wrong password is refused on the sign-in page", async () => {
  await withIdp(FAST, async (idp) => {
    const auth = await startDeviceLogin(idp);
    await assert.rejects(
      approveOverHttp(auth.verification_uri_complete, {
        username: "alice",
        password: "wrong",
      }),
      /Invalid username or password/,
    );
    await sleep(200);
    const answer = await pollOnce(idp, auth.device_code);
    assert.equal(answer.body.error, "authorization_pending");
  });
});

Deno.test("demo mode signs in any username", async () => {
  await withIdp({ ...FAST, users: undefined }, async (idp) => {
    const auth = await startDeviceLogin(idp);
    await approveOverHttp(auth.verification_uri_complete, {
      username: "whoever",
      password: "anything",
    });
    const { body } = await poll(idp, auth);
    const tokens = assertTokenResponse(body);
    assert.equal(decodeJwt(tokens.access_token).preferred_username, "whoever");
  });
});

Deno.test("device flow approved in Chromium", async () => {
  await withIdp(FAST, async (idp) => {
    const auth = await startDeviceLogin(idp);
    await approveInBrowser(auth.verification_uri_complete, {
      username: "bob",
      password: USERS.bob,
    });
    const { status, body } = await poll(idp, auth);
    assert.equal(status, 200, JSON.stringify(body));
    const tokens = assertTokenResponse(body);
    assert.equal(decodeJwt(tokens.access_token).preferred_username, "bob");
  });
});

Deno.test("a denied device login answers access_denied", async () => {
  await withIdp(FAST, async (idp) => {
    const auth = await startDeviceLogin(idp);
    await approveOverHttp(auth.verification_uri_complete, {
      username: "alice",
      password: USERS.alice,
      deny: true,
    });
    const { status, body } = await poll(idp, auth);
    assert.equal(status, 400);
    assert.equal(body.error, "access_denied");
  });
});

Deno.test("an expired device code answers expired_token", async () => {
  await withIdp({ ...FAST, deviceCodeTtl: 1 }, async (idp) => {
    const auth = await startDeviceLogin(idp);
    assert.equal(auth.expires_in, 1);
    const { status, body } = await poll(idp, auth, 5_000);
    assert.equal(status, 400);
    assert.equal(body.error, "expired_token");
  });
});

Deno.test("slow_down for a client that polls too fast", async () => {
  // A 1 s interval, so that "too early" holds even on a busy machine.
  await withIdp({ ...FAST, interval: 1 }, async (idp) => {
    const auth = await startDeviceLogin(idp);
    // Right after issue: too early.
    const first = await pollOnce(idp, auth.device_code);
    assert.equal(first.status, 400);
    assert.equal(first.body.error, "slow_down");
    // The interval is now 6 s: waiting the old 1 s is still too fast.
    await sleep(1000);
    const second = await pollOnce(idp, auth.device_code);
    assert.equal(second.body.error, "slow_down");
    // Other codes keep their own clock.
    const other = await startDeviceLogin(idp);
    await sleep(1000);
    assert.equal(
      (await pollOnce(idp, other.device_code)).body.error,
      "authorization_pending",
    );
  });
});

Deno.test("no slow_down for a client that respects the interval", async () => {
  await withIdp(FAST, async (idp) => {
    const auth = await startDeviceLogin(idp);
    for (let i = 0; i < 5; i++) {
      await sleep(auth.interval * 1000);
      const answer = await pollOnce(idp, auth.device_code);
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error, "authorization_pending", `poll ${i}`);
    }
    await approveOverHttp(auth.verification_uri_complete, {
      username: "alice",
      password: USERS.alice,
    });
    await sleep(auth.interval * 1000);
    const done = await pollOnce(idp, auth.device_code);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const polls = idp.requests.filter((r) =>
      r.grantType === DEVICE_CODE_GRANT_TYPE
    );
    assert.equal(polls.length, 6);
    assert.ok(polls.every((r) => r.error !== "slow_down"));
    for (let i = 1; i < polls.length; i++) {
      assert.ok(polls[i].at - polls[i - 1].at >= 200 - 50, "polls spaced");
    }
  });
});

Deno.test("refresh rotates the refresh token; the old one then fails", async () => {
  await withIdp(FAST, async (idp) => {
    const first = await deviceTokens(idp);
    const { status, body } = await refresh(idp, first.refresh_token);
    assert.equal(status, 200, JSON.stringify(body));
    const second = assertTokenResponse(body);
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.notEqual(second.access_token, first.access_token);
    assert.equal(second.refresh_expires_in, 120);
    assert.equal(decodeJwt(second.access_token).preferred_username, "alice");

    const stale = await refresh(idp, first.refresh_token);
    assert.equal(stale.status, 400);
    assert.equal(stale.body.error, "invalid_grant");
  });
});

Deno.test("reusing a rotated refresh token revokes the whole grant", async () => {
  await withIdp(FAST, async (idp) => {
    const first = await deviceTokens(idp);
    const second = assertTokenResponse(
      (await refresh(idp, first.refresh_token)).body,
    );
    const third = assertTokenResponse(
      (await refresh(idp, second.refresh_token)).body,
    );
    // Replay of an already-rotated token (as a thief would): reuse detected.
    const replay = await refresh(idp, first.refresh_token);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, "invalid_grant");
    // The newest refresh token died with the grant.
    const newest = await refresh(idp, third.refresh_token);
    assert.equal(newest.status, 400);
    assert.equal(newest.body.error, "invalid_grant");
    // So did the session behind the access tokens.
    const info = await fetch(`${idp.issuer}/protocol/openid-connect/userinfo`, {
      headers: { authorization: `Bearer ${third.access_token}` },
    });
    assert.equal(info.status, 401);
    await info.body?.cancel();
  });
});

Deno.test("revocation (RFC 7009) makes the refresh token fail", async () => {
  await withIdp(FAST, async (idp) => {
    const tokens = await deviceTokens(idp);
    const response = await fetch(
      `${idp.issuer}/protocol/openid-connect/revoke`,
      {
        method: "POST",
        body: new URLSearchParams({
          client_id: CLIENT_ID,
          token: tokens.refresh_token,
          token_type_hint: "refresh_token",
        }),
      },
    );
    assert.equal(response.status, 200);
    await response.body?.cancel();
    const after = await refresh(idp, tokens.refresh_token);
    assert.equal(after.status, 400);
    assert.equal(after.body.error, "invalid_grant");
  });
});

Deno.test("Keycloak logout POST ends the session", async () => {
  await withIdp(FAST, async (idp) => {
    const tokens = await deviceTokens(idp);
    const logout = `${idp.issuer}/protocol/openid-connect/logout`;
    const response = await fetch(logout, {
      method: "POST",
      body: new URLSearchParams({
        client_id: CLIENT_ID,
        refresh_token: tokens.refresh_token,
      }),
    });
    assert.equal(response.status, 204);
    await response.body?.cancel();

    const after = await refresh(idp, tokens.refresh_token);
    assert.equal(after.status, 400);
    assert.equal(after.body.error, "invalid_grant");
    const info = await fetch(`${idp.issuer}/protocol/openid-connect/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(info.status, 401);
    await info.body?.cancel();

    // The same token again, or a made-up one: invalid_grant.
    for (const token of [tokens.refresh_token, "not-a-token"]) {
      const again = await postForm(logout, {
        client_id: CLIENT_ID,
        refresh_token: token,
      });
      assert.equal(again.status, 400);
      assert.deepEqual(again.body.error, "invalid_grant");
    }
  });
});

Deno.test("API-key exchange: a good key gives working tokens", async () => {
  await withIdp(FAST, async (idp) => {
    const response = await fetch(`${idp.issuer}/api-key/alice-key-0123456789`);
    assert.equal(response.status, 200);
    const tokens = assertTokenResponse(await response.json());
    assert.equal(tokens.expires_in, 60);
    assert.equal(tokens.refresh_expires_in, 120);
    assert.equal(decodeJwt(tokens.access_token).preferred_username, "alice");

    const { status, body } = await refresh(idp, tokens.refresh_token);
    assert.equal(status, 200, JSON.stringify(body));
    const refreshed = assertTokenResponse(body);
    assert.equal(decodeJwt(refreshed.access_token).preferred_username, "alice");
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);

    // The grant is not open to clients directly.
    const direct = await postForm(`${idp.issuer}${TOKEN}`, {
      grant_type: API_KEY_GRANT_TYPE,
      client_id: CLIENT_ID,
      api_key: "alice-key-0123456789",
    });
    assert.equal(direct.status, 400);
  });
});

Deno.test("API-key exchange: a bad key answers 401 JSON", async () => {
  await withIdp(FAST, async (idp) => {
    const response = await fetch(`${idp.issuer}/api-key/no-such-key`);
    assert.equal(response.status, 401);
    assert.match(response.headers.get("content-type") ?? "", /json/);
    const body = await response.json();
    assert.equal(body.error, "invalid_api_key");
  });
});

Deno.test("failNext answers 503 HTML, then the server recovers", async () => {
  await withIdp(FAST, async (idp) => {
    const tokens = await deviceTokens(idp);
    idp.failNext(TOKEN, { count: 2 });
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${idp.issuer}${TOKEN}`, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "refresh_token",
          client_id: CLIENT_ID,
          refresh_token: tokens.refresh_token,
        }),
      });
      assert.equal(response.status, 503);
      assert.match(response.headers.get("content-type") ?? "", /html/);
      assert.match(await response.text(), /<html/i);
    }
    const recovered = await refresh(idp, tokens.refresh_token);
    assert.equal(recovered.status, 200, "the failed requests were not served");

    // Only the given grant type fails.
    const next = assertTokenResponse(recovered.body);
    idp.failNext(TOKEN, { grantType: DEVICE_CODE_GRANT_TYPE, status: 502 });
    assert.equal((await refresh(idp, next.refresh_token)).status, 200);
    const auth = await startDeviceLogin(idp);
    await sleep(200);
    const failed = await fetch(`${idp.issuer}${TOKEN}`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: DEVICE_CODE_GRANT_TYPE,
        client_id: CLIENT_ID,
        device_code: auth.device_code,
      }),
    });
    assert.equal(failed.status, 502);
    await failed.body?.cancel();
  });
});

Deno.test("the request log records grant types", async () => {
  await withIdp(FAST, async (idp) => {
    const tokens = await deviceTokens(idp);
    await refresh(idp, tokens.refresh_token);
    await (await fetch(`${idp.issuer}/api-key/alice-key-0123456789`)).body
      ?.cancel();

    const tokenRequests = idp.requests.filter((r) => r.path === TOKEN);
    assert.equal(tokenRequests.at(-1)?.grantType, "refresh_token");
    assert.equal(tokenRequests.at(-1)?.status, 200);
    assert.ok(
      tokenRequests.some((r) =>
        r.grantType === DEVICE_CODE_GRANT_TYPE && r.status === 200
      ),
    );
    assert.equal(
      idp.requests.filter((r) => r.grantType === "refresh_token").length,
      1,
    );
    // The API-key exchange logs as its GET only.
    assert.equal(
      idp.requests.filter((r) => r.grantType === API_KEY_GRANT_TYPE).length,
      0,
    );
    assert.ok(idp.requests.some((r) => r.path.startsWith("/api-key/")));
    const deviceAuth = idp.requests.find((r) => r.path === DEVICE_AUTH);
    assert.equal(deviceAuth?.method, "POST");
    assert.equal(deviceAuth?.status, 200);
    // In order of arrival.
    for (let i = 1; i < idp.requests.length; i++) {
      assert.ok(idp.requests[i].at >= idp.requests[i - 1].at);
    }
  });
});

Deno.test("a pending poll is logged with its OAuth error", async () => {
  await withIdp(FAST, async (idp) => {
    const auth = await startDeviceLogin(idp);
    await sleep(200);
    await pollOnce(idp, auth.device_code);
    const last = idp.requests.at(-1);
    assert.equal(last?.grantType, DEVICE_CODE_GRANT_TYPE);
    assert.equal(last?.status, 400);
    assert.equal(last?.error, "authorization_pending");
  });
});

Deno.test("with tls, HTTPS whose CA only idp.fetch trusts; wrong-host and expired certificates on request", async () => {
  await withIdp({ ...FAST, tls: true }, async (idp) => {
    assert.match(idp.issuer, /^https:\/\/127\.0\.0\.1:\d+\/realms\/pilot$/);
    assert.ok(idp.ca);
    assert.match(await Deno.readTextFile(idp.ca.file), /BEGIN CERTIFICATE/);
    const discovery = `${idp.issuer}/.well-known/openid-configuration`;
    const response = await idp.fetch(discovery);
    assert.equal((await response.json()).issuer, idp.issuer);
    const untrusted = await fetch(discovery).catch((e) => e);
    assert.match(String((untrusted as Error).cause), /UnknownIssuer/);
    // The API-key exchange calls the server's own token endpoint, on HTTPS.
    const key = await idp.fetch(`${idp.issuer}/api-key/alice-key-0123456789`);
    assert.equal(key.status, 200);
    await key.body?.cancel();
  });
  for (
    const [tls, words] of [
      ["wrong-host", /not valid for name/],
      ["expired", /expired/],
    ] as const
  ) {
    await withIdp({ ...FAST, tls }, async (idp) => {
      const error = await idp.fetch(idp.issuer).catch((e) => e);
      assert.ok(error instanceof TypeError);
      assert.match(String((error as Error).cause), words);
    });
  }
});
