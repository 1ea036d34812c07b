import assert from "node:assert/strict";
import { redact } from "../redact.ts";
import {
  parseTokenResponse,
  TokenResponseError,
  usernameOf,
} from "./tokens.ts";

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(
      /\//g,
      "_",
    );
  return `${part({ alg: "RS256" })}.${part(claims)}.c2lnbmF0dXJl`;
}

Deno.test("parseTokenResponse makes lifetimes absolute, Keycloak's refresh_expires_in included", () => {
  const tokens = parseTokenResponse({
    access_token: "access-token-abcdef",
    refresh_token: "refresh-token-abcdef",
    token_type: "bearer",
    expires_in: 300,
    refresh_expires_in: 1800,
  }, 1000);
  assert.equal(tokens.accessTokenIssuedAt, 1000);
  assert.equal(tokens.accessTokenExpiresAt, 1300);
  assert.equal(tokens.refreshTokenExpiresAt, 2800);
});

Deno.test("parseTokenResponse: refresh_expires_in 0 (offline token) means no expiry; no expires_in falls back to the JWT's exp", () => {
  const tokens = parseTokenResponse({
    access_token: jwt({ exp: 1600 }),
    refresh_token: "refresh-token-abcdef",
    token_type: "Bearer",
    refresh_expires_in: 0,
  }, 1000);
  assert.equal(tokens.accessTokenExpiresAt, 1600);
  assert.equal(tokens.refreshTokenExpiresAt, undefined);
});

Deno.test("parseTokenResponse names what is missing, never a value", () => {
  for (
    const [body, field] of [
      [{ refresh_token: "r", token_type: "Bearer" }, "access_token"],
      [
        { access_token: "secret-access-1", token_type: "Bearer" },
        "refresh_token",
      ],
      [{ access_token: "secret-access-2", refresh_token: "r" }, "token_type"],
    ] as const
  ) {
    assert.throws(
      () => parseTokenResponse(body, 0),
      (e) =>
        e instanceof TokenResponseError && e.message.includes(field) &&
        !e.message.includes("secret-access"),
    );
  }
});

Deno.test("usernameOf reads preferred_username, then sub", () => {
  assert.equal(
    usernameOf(jwt({ preferred_username: "alice", sub: "1" })),
    "alice",
  );
  assert.equal(usernameOf(jwt({ sub: "user-1" })), "user-1");
  assert.equal(usernameOf("opaque-token"), "unknown");
});

Deno.test("tokens are registered as secrets and redacted from any text", () => {
  parseTokenResponse({
    access_token: "opaque-access-987654",
    refresh_token: "opaque-refresh-987654",
    token_type: "Bearer",
    expires_in: 60,
  }, 0);
  const line = redact(
    "got opaque-access-987654 and opaque-refresh-987654 from /api-key/abc123 " +
      jwt({ sub: "x" }),
  );
  assert.equal(
    line,
    "got [redacted] and [redacted] from /api-key/[redacted] [redacted]",
  );
});

Deno.test("redact keeps the text after a redacted API-key URL", () => {
  assert.equal(
    redact("GET /api-key/pk-unregistered-42): client error"),
    "GET /api-key/[redacted]): client error",
  );
});

Deno.test("parseTokenResponse takes only RFC 6750 tokens of at most 16 KiB, and never names them", () => {
  const good = {
    access_token: "aB0-._~+/xyz==",
    refresh_token: "refresh-token-abcdef",
    token_type: "Bearer",
    expires_in: 300,
  };
  assert.equal(parseTokenResponse(good, 0).accessToken, "aB0-._~+/xyz==");
  assert.equal(
    parseTokenResponse({ ...good, access_token: "a".repeat(16 * 1024) }, 0)
      .accessToken.length,
    16 * 1024,
  );
  for (const field of ["access_token", "refresh_token"]) {
    for (
      const bad of [
        "token-value\r\nX-Injected: 1",
        "token-value\n",
        "token value",
        "token-value\u001b[2J",
        "=token-value",
        "token=value",
        "tökenvalue",
        "a".repeat(16 * 1024 + 1),
      ]
    ) {
      assert.throws(
        () => parseTokenResponse({ ...good, [field]: bad }, 0),
        (e) =>
          e instanceof TokenResponseError &&
          e.message ===
            `the token response is not usable: ${field} is not a token (RFC 6750 characters, at most 16 KiB)` &&
          !e.message.includes("token-value"),
        `${field}: ${JSON.stringify(bad)}`,
      );
    }
  }
  // A refresh that keeps the old refresh token checks the new access token.
  assert.throws(
    () =>
      parseTokenResponse(
        { token_type: "Bearer", access_token: "new\r\nvalue" },
        0,
        "refresh-token-abcdef",
      ),
    /access_token is not a token/,
  );
});

Deno.test("parseTokenResponse: lifetimes are whole seconds up to 366 days", () => {
  const base = {
    access_token: "access-token-abcdef",
    refresh_token: "refresh-token-abcdef",
    token_type: "Bearer",
  };
  const year = 366 * 86_400;
  const tokens = parseTokenResponse(
    { ...base, expires_in: year, refresh_expires_in: year },
    1000,
  );
  assert.equal(tokens.accessTokenExpiresAt, 1000 + year);
  assert.equal(tokens.refreshTokenExpiresAt, 1000 + year);
  for (const bad of [0, -1, 1.5, year + 1, 9e15, "300", null]) {
    assert.throws(
      () => parseTokenResponse({ ...base, expires_in: bad }, 0),
      /expires_in is not a whole number of seconds from 1 to 31622400$/,
      String(bad),
    );
  }
  for (const bad of [-1, 0.5, year + 1, 9e15, "0"]) {
    assert.throws(
      () => parseTokenResponse({ ...base, refresh_expires_in: bad }, 0),
      /refresh_expires_in is not a whole number of seconds from 0 to 31622400$/,
      String(bad),
    );
  }
  // A JWT exp out of range is not believed: 60 s, as with no exp at all.
  const far = parseTokenResponse(
    { ...base, access_token: jwt({ exp: 9e15 }) },
    1000,
  );
  assert.equal(far.accessTokenExpiresAt, 1060);
});
