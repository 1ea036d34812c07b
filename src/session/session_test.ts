import assert from "node:assert/strict";
import {
  parseSession,
  serializeSession,
  type Session,
  SessionFormatError,
} from "./session.ts";
import { sampleSession, SECRET } from "./testdata/fixtures.ts";

function sample(overrides: Partial<Session> = {}): Session {
  return sampleSession({ refreshTokenExpiresAt: 1_700_001_800, ...overrides });
}

/** A session as plain JSON, with one field replaced (or removed with undefined). */
function withField(field: string, value: unknown): string {
  const record: Record<string, unknown> = { ...sample() };
  if (value === undefined) delete record[field];
  else record[field] = value;
  return JSON.stringify(record);
}

function assertRejected(text: string, field: string): SessionFormatError {
  let caught: unknown;
  try {
    parseSession(text);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SessionFormatError, `expected a rejection`);
  assert.equal(caught.field, field);
  assert.match(caught.message, new RegExp(`^Invalid session: `));
  if (field !== "session") assert.ok(caught.message.includes(`"${field}"`));
  assert.ok(!caught.message.includes("SECRET"), caught.message);
  return caught;
}

Deno.test("serializeSession then parseSession gives the same session", () => {
  for (
    const session of [
      sample(),
      sample({ refreshTokenExpiresAt: undefined }),
      sample({ method: "api-key", apiKey: "key-" + SECRET }),
      sample({ username: "", refreshToken: "" }),
    ]
  ) {
    if (session.refreshTokenExpiresAt === undefined) {
      delete session.refreshTokenExpiresAt;
    }
    const text = serializeSession(session);
    assert.ok(text.endsWith("}\n"));
    assert.ok(text.includes('\n  "version": 1,\n'), "pretty printed");
    assert.deepEqual(parseSession(text), session);
  }
});

Deno.test("parseSession drops fields it does not know", () => {
  const text = JSON.stringify({ ...sample(), future: "field" });
  assert.deepEqual(parseSession(text), sample());
});

Deno.test("parseSession rejects a text that is not a JSON object", () => {
  assert.equal(assertRejected("", "session").reason, "not valid JSON");
  assertRejected(`{"accessToken": "${SECRET}"`, "session");
  assertRejected("null", "session");
  assertRejected("[]", "session");
  assertRejected(JSON.stringify(SECRET), "session");
});

Deno.test("parseSession rejects each bad field, naming it but not its value", () => {
  const cases: [string, unknown][] = [
    ["version", 2],
    ["version", "1"],
    ["version", undefined],
    ["authUrl", "not a url " + SECRET],
    ["authUrl", "file:///etc/passwd"],
    ["authUrl", ""],
    ["clientId", ""],
    ["clientId", 7],
    ["method", "password-" + SECRET],
    ["method", undefined],
    ["username", null],
    ["accessToken", ""],
    ["accessToken", undefined],
    ["accessToken", { value: SECRET }],
    ["accessTokenExpiresAt", "1700000300"],
    ["accessTokenExpiresAt", -1],
    ["accessTokenExpiresAt", undefined],
    ["accessTokenIssuedAt", null],
    ["refreshToken", 42],
    ["refreshToken", undefined],
    ["refreshTokenExpiresAt", null],
    ["refreshTokenExpiresAt", SECRET],
    ["lastActiveAt", true],
    ["lastActiveAt", undefined],
    ["apiKey", "key-" + SECRET], // not allowed with method device-code
  ];
  for (const [field, value] of cases) {
    assertRejected(withField(field, value), field);
  }
  const apiKeySession = { ...sample(), method: "api-key" };
  assertRejected(JSON.stringify({ ...apiKeySession, apiKey: "" }), "apiKey");
  assertRejected(JSON.stringify({ ...apiKeySession, apiKey: 1 }), "apiKey");
  // Non-finite numbers can not come from JSON, but serializeSession sees them.
  assert.throws(
    () => serializeSession(sample({ lastActiveAt: NaN })),
    (err) => err instanceof SessionFormatError && err.field === "lastActiveAt",
  );
});

Deno.test("serializeSession refuses an invalid session", () => {
  assert.throws(
    () => serializeSession(sample({ accessToken: "" })),
    (err) =>
      err instanceof SessionFormatError && err.field === "accessToken" &&
      !err.message.includes("SECRET"),
  );
});

Deno.test("serializeSession writes only the known fields, in a fixed order", () => {
  const session = { ...sample(), extra: SECRET } as Session;
  const text = serializeSession(session);
  assert.ok(!text.includes("extra"));
  assert.deepEqual(Object.keys(JSON.parse(text)), [
    "version",
    "authUrl",
    "clientId",
    "method",
    "username",
    "accessToken",
    "accessTokenExpiresAt",
    "accessTokenIssuedAt",
    "refreshToken",
    "refreshTokenExpiresAt",
    "lastActiveAt",
  ]);
});

Deno.test("parseSession treats a token that is no RFC 6750 token as corrupt", () => {
  for (const field of ["accessToken", "refreshToken"]) {
    for (
      const bad of [
        "SECRET\r\nX-Injected: 1",
        "SECRET\u001b]52;c;aGk=\u0007",
        "SECRET value",
        "S".repeat(16 * 1024 + 1),
      ]
    ) {
      const error = assertRejected(withField(field, bad), field);
      assert.ok(error.message.includes("RFC 6750"), error.message);
    }
  }
  assertRejected(withField("accessToken", ""), "accessToken");
  // No refresh token is stored as "": still fine.
  assert.equal(parseSession(withField("refreshToken", "")).refreshToken, "");
});

Deno.test("parseSession treats a time a Date cannot hold as corrupt (9e15 crashed `user status`)", () => {
  for (
    const field of [
      "accessTokenExpiresAt",
      "accessTokenIssuedAt",
      "refreshTokenExpiresAt",
      "lastActiveAt",
    ]
  ) {
    for (const bad of [9e15, 253_402_300_800, 1.5, -1, "1", null]) {
      assertRejected(withField(field, bad), field);
    }
    assert.equal(
      (parseSession(withField(field, 253_402_300_799)) as unknown as Record<
        string,
        number
      >)[field],
      253_402_300_799,
    );
  }
});
