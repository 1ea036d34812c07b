import assert from "node:assert/strict";
import type { Clock } from "../auth/device.ts";
import {
  DeviceCodeDenied,
  DeviceLoginUnsupported,
  ServerUnreachable,
  SessionIdle,
  SessionMissing,
  SessionNotSaved,
  SessionOfAnotherServer,
  SessionRevoked,
} from "../errors.ts";
import type { Session } from "../session/session.ts";
import { MemoryStore } from "../session/testdata/memory_store.ts";
import {
  activityStep,
  SessionCore,
  type SessionWarning,
} from "./session_core.ts";

const AUTH_URL = "https://id.example.com/realms/pilot";
const TOKEN_URL = `${AUTH_URL}/protocol/openid-connect/token`;
const REVOKE_URL = `${AUTH_URL}/protocol/openid-connect/revoke`;
const DEVICE_URL = `${AUTH_URL}/protocol/openid-connect/auth/device`;
const IDLE = 3600;
/** Epoch seconds of the fake clock's start. */
const T0 = 1_700_000_000;

/** A clock that only moves when told. */
function fakeClock(seconds = T0): Clock & { at: number } {
  const clock = {
    at: seconds,
    now: () => clock.at * 1000,
    sleep: () => Promise.resolve(),
  };
  return clock;
}

/** A session made at `issuedAt`, its access token valid 300 s. */
function session(overrides: Partial<Session> = {}): Session {
  return {
    version: 1,
    authUrl: AUTH_URL,
    clientId: "pilotcli",
    method: "device-code",
    username: "ada",
    accessToken: "access-1",
    accessTokenIssuedAt: T0,
    accessTokenExpiresAt: T0 + 300,
    refreshToken: "refresh-1",
    lastActiveAt: T0,
    ...overrides,
  };
}

type Answer = { status: number; body?: Record<string, unknown> };

/**
 * The realm as a fetch: discovery, and `token`, `apiKey` and `revoke`
 * answering the requests of each kind. Records what was asked.
 */
function fakeServer(handlers: {
  token?: (form: URLSearchParams) => Answer | Promise<Answer>;
  apiKey?: (key: string) => Answer;
  revoke?: () => Answer;
  device?: () => Answer;
  down?: boolean;
} = {}) {
  const requests: string[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (handlers.down) throw new TypeError("connection refused");
    let answer: Answer;
    if (url.endsWith("/.well-known/openid-configuration")) {
      answer = {
        status: 200,
        body: {
          issuer: AUTH_URL,
          token_endpoint: TOKEN_URL,
          revocation_endpoint: REVOKE_URL,
          ...(handlers.device
            ? { device_authorization_endpoint: DEVICE_URL }
            : {}),
        },
      };
    } else if (url === TOKEN_URL) {
      const form = new URLSearchParams(String(init?.body));
      requests.push(`token ${form.get("grant_type")}`);
      answer = await handlers.token!(form);
    } else if (url.startsWith(`${AUTH_URL}/api-key/`)) {
      requests.push("api-key");
      answer = handlers.apiKey!(decodeURIComponent(url.split("/").at(-1)!));
    } else if (url === DEVICE_URL) {
      requests.push("device");
      answer = handlers.device!();
    } else if (url === REVOKE_URL) {
      requests.push("revoke");
      answer = handlers.revoke?.() ?? { status: 200 };
    } else {
      answer = { status: 404, body: {} };
    }
    return new Response(JSON.stringify(answer.body ?? {}), {
      status: answer.status,
      headers: { "content-type": "application/json" },
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

/** A token response: `n` names the tokens, `refresh` false leaves the refresh token out. */
function tokens(n: number, refresh = true): Answer {
  return {
    status: 200,
    body: {
      access_token: `access-${n}`,
      token_type: "Bearer",
      expires_in: 300,
      ...(refresh ? { refresh_token: `refresh-${n}` } : {}),
    },
  };
}

function core(
  store: MemoryStore,
  clock: Clock,
  fetch: typeof globalThis.fetch,
  warnings: SessionWarning[] = [],
): SessionCore {
  return new SessionCore({
    store,
    clock,
    fetch,
    signal: new AbortController().signal,
    auth: { authUrl: AUTH_URL, clientId: "pilotcli" },
    idleTimeout: IDLE,
    warn: (warning) => warnings.push(warning),
  });
}

Deno.test("use: no session is SessionMissing", async () => {
  const { fetch } = fakeServer();
  await assert.rejects(
    core(new MemoryStore(), fakeClock(), fetch).use({ fresh: false }),
    SessionMissing,
  );
});

Deno.test("use: the idle boundary: one second before it the session works, at it the session ends", async () => {
  const clock = fakeClock(T0 + IDLE - 1);
  const { fetch, requests } = fakeServer();
  const store = new MemoryStore(session());
  const used = await core(store, clock, fetch).use({ fresh: false });
  assert.equal(used.lastActiveAt, T0 + IDLE - 1);
  assert.deepEqual(requests, []);

  clock.at = used.lastActiveAt + IDLE;
  store.corrupt = ["/memory/session.json.corrupt-1"];
  await assert.rejects(
    core(store, clock, fetch).use({ fresh: false }),
    (error) => error instanceof SessionIdle && error.idleTimeout === IDLE,
  );
  // Ended at the server, then here, with what was moved aside.
  assert.deepEqual(requests, ["revoke"]);
  assert.equal(store.session, undefined);
  assert.deepEqual(store.corrupt, []);
  assert.ok(store.keepAlives > 0);
});

Deno.test("use: activity is written at most once per step, and not by a read within it", async () => {
  const clock = fakeClock(T0 + activityStep(IDLE) - 1);
  const { fetch } = fakeServer();
  const store = new MemoryStore(session());
  await core(store, clock, fetch).use({ fresh: false });
  assert.deepEqual(store.writes, []);
  clock.at = T0 + activityStep(IDLE);
  await core(store, clock, fetch).use({ fresh: false });
  assert.equal(store.writes.length, 1);
  assert.equal(store.session?.lastActiveAt, T0 + activityStep(IDLE));
});

Deno.test("use: the refresh margin: min(60 s, half the lifetime) before expiry, and only when fresh", async () => {
  const { fetch, requests } = fakeServer({ token: () => tokens(2) });
  const store = new MemoryStore(session());
  // 300 s lifetime: the margin is 60 s.
  const clock = fakeClock(T0 + 300 - 61);
  assert.equal(
    (await core(store, clock, fetch).use({ fresh: true })).accessToken,
    "access-1",
  );
  clock.at = T0 + 300 - 60;
  // A status (not fresh) leaves even a token about to expire.
  assert.equal(
    (await core(store, clock, fetch).use({ fresh: false })).accessToken,
    "access-1",
  );
  assert.deepEqual(requests, []);
  const used = await core(store, clock, fetch).use({ fresh: true });
  assert.equal(used.accessToken, "access-2");
  assert.deepEqual(requests, ["token refresh_token"]);
  assert.equal(store.session?.accessToken, "access-2");
  assert.equal(store.session?.lastActiveAt, T0 + 240);
});

Deno.test("use: refresh keeps a rotated refresh token, and the old one when none is sent", async () => {
  let rotate = true;
  const { fetch } = fakeServer({ token: () => tokens(2, rotate) });
  const store = new MemoryStore(session());
  const clock = fakeClock(T0 + 300);
  await core(store, clock, fetch).use({ fresh: true });
  assert.equal(store.session?.refreshToken, "refresh-2");
  rotate = false;
  clock.at += 300;
  await core(store, clock, fetch).use({ fresh: true });
  assert.equal(store.session?.accessToken, "access-2");
  assert.equal(store.session?.refreshToken, "refresh-2");
});

Deno.test("use: an expired refresh token of an API-key session is replaced by exchanging the key again", async () => {
  const keys: string[] = [];
  const { fetch, requests } = fakeServer({
    apiKey: (key) => {
      keys.push(key);
      return tokens(3);
    },
  });
  const store = new MemoryStore(
    session({
      method: "api-key",
      apiKey: "pk-key",
      refreshTokenExpiresAt: T0 + 100,
    }),
  );
  // Not fresh: an expired refresh token is renewed by any use.
  const used = await core(store, fakeClock(T0 + 100), fetch).use({
    fresh: false,
  });
  assert.deepEqual(requests, ["api-key"]);
  assert.deepEqual(keys, ["pk-key"]);
  assert.equal(used.accessToken, "access-3");
  assert.equal(store.session?.apiKey, "pk-key");
});

Deno.test("use: an expired refresh token of a device-code session ends it", async () => {
  const { fetch, requests } = fakeServer();
  const store = new MemoryStore(session({ refreshTokenExpiresAt: T0 + 100 }));
  await assert.rejects(
    core(store, fakeClock(T0 + 100), fetch).use({ fresh: true }),
    SessionRevoked,
  );
  assert.deepEqual(requests, []);
  assert.equal(store.session, undefined);
});

Deno.test("use: a session revoked at the server ends; an API-key session first tries its key", async () => {
  const rejected = () => ({ status: 400, body: { error: "invalid_grant" } });
  for (
    const [method, apiKey, expected] of [
      ["device-code", undefined, ["token refresh_token"]],
      ["api-key", "pk-gone", ["token refresh_token", "api-key"]],
    ] as const
  ) {
    const { fetch, requests } = fakeServer({
      token: rejected,
      apiKey: () => ({ status: 401 }),
    });
    const store = new MemoryStore(session({ method, apiKey }));
    await assert.rejects(
      core(store, fakeClock(T0 + 300), fetch).use({ fresh: true }),
      SessionRevoked,
    );
    assert.deepEqual(requests, expected);
    assert.equal(store.session, undefined, method);
  }
});

Deno.test("use: a refresh rejected for an API-key session is saved by its key", async () => {
  const { fetch } = fakeServer({
    token: () => ({ status: 400, body: { error: "invalid_grant" } }),
    apiKey: () => tokens(4),
  });
  const store = new MemoryStore(session({ method: "api-key", apiKey: "pk" }));
  const used = await core(store, fakeClock(T0 + 300), fetch).use({
    fresh: true,
  });
  assert.equal(used.accessToken, "access-4");
});

Deno.test("use: another server's session counts as absent and is left as it is", async () => {
  const { fetch, requests } = fakeServer();
  for (
    const other of [
      { authUrl: "https://other.example.com/realms/pilot" },
      { clientId: "another-client" },
    ]
  ) {
    const stored = session({ ...other, lastActiveAt: T0 - 2 * IDLE });
    const store = new MemoryStore(stored);
    await assert.rejects(
      core(store, fakeClock(), fetch).use({ fresh: true }),
      (error) =>
        error instanceof SessionOfAnotherServer &&
        error.authUrl === stored.authUrl && error.clientId === stored.clientId,
    );
    assert.deepEqual(store.session, stored);
  }
  assert.deepEqual(requests, []);
});

Deno.test("use: two uses racing refresh once; the second sees the first's tokens", async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  const { fetch, requests } = fakeServer({
    token: async () => {
      await held;
      return tokens(5);
    },
  });
  const store = new MemoryStore(session());
  const clock = fakeClock(T0 + 300);
  const first = core(store, clock, fetch).use({ fresh: true });
  const second = core(store, clock, fetch).use({ fresh: true });
  release();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.accessToken, "access-5");
  assert.equal(b.accessToken, "access-5");
  assert.deepEqual(requests, ["token refresh_token"]);
});

Deno.test("use: a refresh that cannot be saved still serves this use, with a warning", async () => {
  const { fetch } = fakeServer({ token: () => tokens(6) });
  const store = new MemoryStore(session());
  store.failWrites = "read-only file system";
  const warnings: SessionWarning[] = [];
  const used = await core(store, fakeClock(T0 + 300), fetch, warnings).use({
    fresh: true,
  });
  assert.equal(used.accessToken, "access-6");
  assert.deepEqual(warnings, [{
    kind: "refresh-not-saved",
    detail: "read-only file system",
  }]);
  assert.equal(store.session?.accessToken, "access-1");
});

Deno.test("use: activity that cannot be recorded still lets the session be used, with a warning", async () => {
  const { fetch } = fakeServer();
  const store = new MemoryStore(session());
  store.failWrites = "no space left on device";
  const warnings: SessionWarning[] = [];
  const used = await core(store, fakeClock(T0 + 120), fetch, warnings).use({
    fresh: false,
  });
  assert.equal(used.lastActiveAt, T0 + 120);
  assert.deepEqual(warnings, [{
    kind: "activity-not-saved",
    detail: "no space left on device",
  }]);
  assert.equal(store.session?.lastActiveAt, T0);
});

Deno.test("use: an idle session that cannot be deleted fails, without a warning", async () => {
  const { fetch } = fakeServer();
  const store = new MemoryStore(session());
  store.failWrites = "read-only file system";
  const warnings: SessionWarning[] = [];
  await assert.rejects(
    core(store, fakeClock(T0 + IDLE), fetch, warnings).use({ fresh: false }),
    (error) => error instanceof SessionNotSaved && error.session === null,
  );
  assert.deepEqual(warnings, []);
});

Deno.test("use: an unreachable server during refresh fails and leaves the session", async () => {
  const { fetch } = fakeServer({ down: true });
  const stored = session();
  const store = new MemoryStore(stored);
  await assert.rejects(
    core(store, fakeClock(T0 + 300), fetch).use({ fresh: true }),
    (error) =>
      error instanceof ServerUnreachable &&
      error.url === "https://id.example.com",
  );
  assert.deepEqual(store.session, stored);
});

Deno.test("endAtServer is best effort; forget removes the session and what was moved aside", async () => {
  const { fetch } = fakeServer({ revoke: () => ({ status: 503 }) });
  const store = new MemoryStore(session());
  store.corrupt = ["/memory/session.json.corrupt-1"];
  const c = core(store, fakeClock(), fetch);
  assert.equal(await c.endAtServer(session()), false);
  await c.forget();
  assert.equal(store.session, undefined);
  assert.deepEqual(store.corrupt, []);
  const down = core(
    new MemoryStore(),
    fakeClock(),
    fakeServer({ down: true }).fetch,
  );
  assert.equal(await down.endAtServer(session()), false);
});

Deno.test("saveLogin replaces the session, and returns the replaced one only when it is this server's", async () => {
  const { fetch } = fakeServer();
  const jwt = (claims: Record<string, unknown>) =>
    `e30.${btoa(JSON.stringify(claims)).replace(/=+$/, "")}.sig`;
  const login = {
    accessToken: jwt({ preferred_username: "grace" }),
    accessTokenIssuedAt: T0,
    accessTokenExpiresAt: T0 + 300,
    refreshToken: "refresh-9",
  };
  const mine = session();
  const store = new MemoryStore(mine);
  store.corrupt = ["/a.corrupt-1", "/b.corrupt-2"];
  const c = core(store, fakeClock(T0 + 10), fetch);
  const first = await c.saveLogin("api-key", login, "pk-9", ["/a.corrupt-1"]);
  assert.deepEqual(first.replaced, mine);
  assert.equal(first.session.username, "grace");
  assert.equal(first.session.apiKey, "pk-9");
  assert.equal(first.session.lastActiveAt, T0 + 10);
  assert.deepEqual(store.session, first.session);
  assert.deepEqual(store.corrupt, ["/b.corrupt-2"]);

  store.session = session({ authUrl: "https://other.example.com/realms/x" });
  const second = await c.saveLogin("device-code", login, undefined, []);
  assert.equal(second.replaced, undefined);
  assert.equal(store.session?.apiKey, undefined);
});

Deno.test("deviceLogin: shows the code, polls, and undoes what it showed whatever the outcome", async () => {
  const { fetch, requests } = fakeServer({
    device: () => ({
      status: 200,
      body: {
        device_code: "dc",
        user_code: "ABCD-EFGH",
        verification_uri: `${AUTH_URL}/device`,
        expires_in: 600,
        interval: 5,
      },
    }),
    token: () => ({ status: 400, body: { error: "access_denied" } }),
  });
  const shown: string[] = [];
  let undone = 0;
  await assert.rejects(
    core(new MemoryStore(), fakeClock(), fetch).deviceLogin((authorization) => {
      shown.push(authorization.userCode);
      return () => undone++;
    }),
    DeviceCodeDenied,
  );
  assert.deepEqual(shown, ["ABCD-EFGH"]);
  assert.equal(undone, 1);
  assert.deepEqual(requests, [
    "device",
    "token urn:ietf:params:oauth:grant-type:device_code",
  ]);

  // A realm without the device grant: nothing is shown.
  const plain = fakeServer();
  await assert.rejects(
    core(new MemoryStore(), fakeClock(), plain.fetch).deviceLogin(() => {
      throw new Error("not to be shown");
    }),
    DeviceLoginUnsupported,
  );
});

Deno.test("use: minTtl refreshes a token that expires within it; rejected only when it is still the stored one", async () => {
  let n = 1;
  const { fetch, requests } = fakeServer({ token: () => tokens(++n) });
  const store = new MemoryStore(session());
  const clock = fakeClock(T0 + 100);
  // 200 s left: a min TTL of 199 keeps it, 200 refreshes.
  const kept = await core(store, clock, fetch).use({
    fresh: true,
    minTtl: 199,
  });
  assert.equal(kept.accessToken, "access-1");
  const renewed = await core(store, clock, fetch).use({
    fresh: true,
    minTtl: 200,
  });
  assert.equal(renewed.accessToken, "access-2");
  // The API refused access-1, which another use has replaced already: the
  // stored token is used as it is.
  const other = await core(store, clock, fetch).use({
    fresh: true,
    rejected: "access-1",
  });
  assert.equal(other.accessToken, "access-2");
  assert.deepEqual(requests, ["token refresh_token"]);
  // Refused while stored: refreshed, however long it has left.
  const again = await core(store, clock, fetch).use({
    fresh: true,
    rejected: "access-2",
  });
  assert.equal(again.accessToken, "access-3");
  assert.deepEqual(requests, ["token refresh_token", "token refresh_token"]);
});
