import assert from "node:assert/strict";
import { DeviceCodeDenied, DeviceCodeExpired } from "../errors.ts";
import {
  type Clock,
  type DeviceAuthorization,
  DeviceAuthorizationError,
  parseDeviceAuthorization,
  pollForTokens,
  requestDeviceAuthorization,
} from "./device.ts";

/** A clock whose sleeps pass at once and are recorded. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep(ms) {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

type Answer = { status: number; body: unknown } | "network-error";

/** A fetch that plays `answers` in order and records the form of each call. */
function scriptedFetch(answers: Answer[]) {
  const forms: URLSearchParams[] = [];
  const fetch = (_url: string | URL | Request, init?: RequestInit) => {
    forms.push(new URLSearchParams(String(init?.body)));
    const answer = answers.shift();
    if (answer === undefined) throw new Error("no more answers scripted");
    if (answer === "network-error") {
      return Promise.reject(new TypeError("connection refused"));
    }
    return Promise.resolve(
      new Response(JSON.stringify(answer.body), { status: answer.status }),
    );
  };
  return { fetch: fetch as typeof globalThis.fetch, forms };
}

const AUTHORIZATION: DeviceAuthorization = {
  deviceCode: "device-code-1",
  userCode: "ABCD-EFGH",
  verificationUri: "https://iam.example.org/realms/pilot/device",
  expiresIn: 600,
  interval: 5,
};

const TOKENS = {
  access_token: "access-token-value",
  refresh_token: "refresh-token-value",
  token_type: "Bearer",
  expires_in: 300,
  refresh_expires_in: 1800,
};

const pending = { status: 400, body: { error: "authorization_pending" } };

Deno.test("pollForTokens waits the interval before the first poll and between polls", async () => {
  const clock = fakeClock();
  const { fetch, forms } = scriptedFetch([pending, pending, {
    status: 200,
    body: TOKENS,
  }]);
  const tokens = await pollForTokens("https://t", "cli", AUTHORIZATION, {
    fetch,
    clock,
  });
  assert.deepEqual(clock.sleeps, [5000, 5000, 5000]);
  assert.equal(tokens.accessToken, "access-token-value");
  assert.equal(tokens.accessTokenExpiresAt - tokens.accessTokenIssuedAt, 300);
  assert.equal(forms.length, 3);
  assert.equal(
    forms[0].get("grant_type"),
    "urn:ietf:params:oauth:grant-type:device_code",
  );
  assert.equal(forms[0].get("device_code"), "device-code-1");
  assert.equal(forms[0].get("client_id"), "cli");
});

Deno.test("pollForTokens adds 5 s for slow_down, for that and every later poll", async () => {
  const clock = fakeClock();
  const { fetch } = scriptedFetch([
    pending,
    { status: 400, body: { error: "slow_down" } },
    pending,
    { status: 400, body: { error: "slow_down" } },
    pending,
    { status: 200, body: TOKENS },
  ]);
  await pollForTokens("https://t", "cli", AUTHORIZATION, { fetch, clock });
  assert.deepEqual(clock.sleeps, [5000, 5000, 10000, 10000, 15000, 15000]);
});

Deno.test("pollForTokens keeps polling through 5xx and network errors, backing off", async () => {
  const clock = fakeClock();
  const { fetch } = scriptedFetch([
    { status: 503, body: { error: "unavailable" } },
    "network-error",
    pending,
    { status: 200, body: TOKENS },
  ]);
  await pollForTokens("https://t", "cli", AUTHORIZATION, { fetch, clock });
  assert.deepEqual(clock.sleeps, [5000, 10000, 20000, 5000]);
});

Deno.test("pollForTokens stops on access_denied and expired_token", async () => {
  for (
    const [error, type] of [
      ["access_denied", DeviceCodeDenied],
      ["expired_token", DeviceCodeExpired],
    ] as const
  ) {
    const { fetch } = scriptedFetch([{ status: 400, body: { error } }]);
    await assert.rejects(
      pollForTokens("https://t", "cli", AUTHORIZATION, {
        fetch,
        clock: fakeClock(),
      }),
      (e) => e instanceof type,
    );
  }
});

Deno.test("pollForTokens gives up when the code's lifetime passes", async () => {
  const clock = fakeClock();
  const answers: Answer[] = Array.from({ length: 100 }, () => pending);
  const { fetch, forms } = scriptedFetch(answers);
  await assert.rejects(
    pollForTokens("https://t", "cli", { ...AUTHORIZATION, expiresIn: 12 }, {
      fetch,
      clock,
    }),
    DeviceCodeExpired,
  );
  assert.equal(forms.length, 2);
  assert.equal(clock.sleeps.reduce((a, b) => a + b), 12000);
});

Deno.test("pollForTokens rejects at once when Ctrl-C aborts the wait", async () => {
  const controller = new AbortController();
  const reason = new Error("interrupted");
  const clock: Clock = {
    now: () => 0,
    sleep: (_ms, signal) =>
      new Promise((_, reject) =>
        signal!.addEventListener("abort", () => reject(signal!.reason))
      ),
  };
  const { fetch, forms } = scriptedFetch([]);
  const polling = pollForTokens("https://t", "cli", AUTHORIZATION, {
    fetch,
    clock,
    signal: controller.signal,
  });
  controller.abort(reason);
  await assert.rejects(polling, (e) => e === reason);
  assert.equal(forms.length, 0);
});

const ORIGIN = "https://iam.example.org";
const DEVICE = {
  device_code: "d",
  user_code: "u",
  verification_uri: `${ORIGIN}/realms/pilot/device`,
  expires_in: 600,
};

Deno.test("parseDeviceAuthorization defaults interval to 5 and names missing fields", () => {
  const parsed = parseDeviceAuthorization(DEVICE, ORIGIN);
  assert.equal(parsed.interval, 5);
  assert.equal(parsed.verificationUriComplete, undefined);
  assert.throws(
    () =>
      parseDeviceAuthorization({ device_code: "d", expires_in: 600 }, ORIGIN),
    /user_code is missing/,
  );
});

Deno.test("parseDeviceAuthorization takes only links on the realm's origin, and never names them", () => {
  for (
    const link of [
      "javascript:alert(1)",
      "file:///etc/passwd",
      "data:text/html,hi",
      "/realms/pilot/device",
      "http://iam.example.org/realms/pilot/device",
      "https://iam.example.org:8443/realms/pilot/device",
      "https://evil.example/realms/pilot/device",
      "https://user:pw@iam.example.org/device",
      "https://iam.example.org.evil.example/device",
    ]
  ) {
    for (const name of ["verification_uri", "verification_uri_complete"]) {
      assert.throws(
        () => parseDeviceAuthorization({ ...DEVICE, [name]: link }, ORIGIN),
        (e) =>
          e instanceof DeviceAuthorizationError &&
          e.message ===
            `the device authorization response is not usable: ${name} must be a link on ${ORIGIN}, the realm's origin` &&
          !e.message.includes(link),
        `${name}: ${link}`,
      );
    }
  }
  const loopback = "http://127.0.0.1:8400";
  const parsed = parseDeviceAuthorization({
    ...DEVICE,
    verification_uri: `${loopback}/realms/pilot/device`,
    verification_uri_complete: `${loopback}/realms/pilot/device?user_code=u`,
  }, loopback);
  assert.equal(
    parsed.verificationUriComplete,
    `${loopback}/realms/pilot/device?user_code=u`,
  );
  // Plain http is for loopback only, even when asked for another origin.
  assert.throws(
    () =>
      parseDeviceAuthorization({
        ...DEVICE,
        verification_uri: "http://iam.example.org/device",
      }, "http://iam.example.org"),
    DeviceAuthorizationError,
  );
});

Deno.test("parseDeviceAuthorization: whole-second lifetimes in range, an interval of at least 1 s", () => {
  const interval = (value: unknown) =>
    parseDeviceAuthorization({ ...DEVICE, interval: value }, ORIGIN).interval;
  assert.equal(interval(0.1), 1);
  assert.equal(interval(0), 1);
  assert.equal(interval(2.5), 3);
  assert.equal(interval(7), 7);
  for (const bad of [-1, 301, Infinity, NaN, "5", null]) {
    assert.throws(
      () => interval(bad),
      /interval is not a number of seconds from 0 to 300$/,
      String(bad),
    );
  }
  const lifetime = (value: unknown) =>
    parseDeviceAuthorization({ ...DEVICE, expires_in: value }, ORIGIN)
      .expiresIn;
  assert.equal(lifetime(1), 1);
  assert.equal(lifetime(86_400), 3600);
  for (const bad of [0, -5, 1.5, 86_401, 9e15, "600", null]) {
    assert.throws(
      () => lifetime(bad),
      /expires_in is not a whole number of seconds from 1 to 86400$/,
      String(bad),
    );
  }
});

Deno.test("requestDeviceAuthorization checks the links against the endpoint's origin", async () => {
  const fetch = (() =>
    Promise.resolve(
      new Response(
        JSON.stringify({
          ...DEVICE,
          verification_uri: "https://evil.example/device",
        }),
      ),
    )) as typeof globalThis.fetch;
  await assert.rejects(
    requestDeviceAuthorization(
      `${ORIGIN}/realms/pilot/protocol/openid-connect/auth/device`,
      "cli",
      { fetch, clock: fakeClock() },
    ),
    /verification_uri must be a link on https:\/\/iam\.example\.org,/,
  );
});
