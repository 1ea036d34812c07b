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
