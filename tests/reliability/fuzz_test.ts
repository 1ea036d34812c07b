/**
 * Bad input: the session-file reader (parseSession) and the parsers of the
 * token response, the discovery document and the device authorization
 * response, each fed at least 10,000 cases of a seeded mutator (fixed
 * seeds: the same cases every run). Half the cases are objects handed to
 * the parser as it is called; half are JSON texts, read as the CLI reads an
 * answer (requestJson, then the parser) or, for the session file, handed to
 * parseSession as text.
 *
 * Every case must either be accepted, with a result the CLI can use, or be
 * rejected with the parser's own documented error (requestJson's
 * ProtocolError for texts that are no JSON object), a non-empty message
 * that names a field, and no value of the input in it: above all no token.
 */

import assert from "node:assert/strict";
import {
  parseSession,
  serializeSession,
  type Session,
  SessionFormatError,
} from "../../src/session/session.ts";
import {
  parseTokenResponse,
  TokenResponseError,
  usernameOf,
} from "../../src/auth/tokens.ts";
import { DiscoveryError, parseDiscovery } from "../../src/auth/discovery.ts";
import * as device from "../../src/auth/device.ts";
import { ProtocolError, requestJson } from "../../src/auth/http.ts";
import { type Case, Mutator, stringsIn, type Value } from "./mutator.ts";

/** Cases that must reach each parser. */
const CASES = 10_000;
/** The fixed "now" of token responses, epoch seconds. */
const NOW = 1_800_000_000;
const AUTH_URL = "https://iam.example.org/realms/pilot";

/** A JWT-shaped access token: header, payload with exp and a name, signature. */
function jwt(claims: Record<string, unknown>, signature: string): string {
  const part = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(
      /\//g,
      "_",
    );
  return `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}.${signature}`;
}

const ACCESS = jwt(
  { exp: NOW + 300, preferred_username: "alice", sub: "u-1" },
  "SECRETsignatureAAAAAAAAAAAAAAAAAAAAAAA",
);
const REFRESH = "SECRET-refresh-0123456789abcdef0123456789";
/** The origin the device authorization endpoint is on. */
const DEVICE_ORIGIN = "https://iam.example.org";
const API_KEY = "pk-SECRET-0123456789abcdef";
const DEVICE_CODE = "SECRET-device-code-0123456789abcdef";

/** What one parser is fuzzed with, and what it must do. */
interface Target {
  name: string;
  seed: number;
  /** Valid inputs to mutate. */
  seeds: Record<string, Value>[];
  /** The field names the parser knows; a rejection names one of them. */
  fields: string[];
  /** Parses a case; texts of object parsers come through requestJson first. */
  parse(input: { text?: string; body?: Record<string, unknown> }): unknown;
  /** Whether the input is text for the parser itself (parseSession). */
  takesText?: boolean;
  /** The parser's own documented error. */
  documented(err: unknown): boolean;
  /** What an accepted result must be; returns a problem, if any. */
  accepted(result: unknown): string | undefined;
  /** Strings a message may contain although the input has them. */
  mayQuote?(s: string): boolean;
  /** Counts of notable accepted results, for the report. */
  notes?(result: unknown, notes: Map<string, number>): void;
}

const SESSION_SEEDS: Session[] = [
  {
    version: 1,
    authUrl: AUTH_URL,
    clientId: "cli",
    method: "device-code",
    username: "alice",
    accessToken: ACCESS,
    accessTokenExpiresAt: NOW + 300,
    accessTokenIssuedAt: NOW,
    refreshToken: REFRESH,
    refreshTokenExpiresAt: NOW + 1800,
    lastActiveAt: NOW,
  },
  {
    version: 1,
    authUrl: AUTH_URL,
    clientId: "cli",
    method: "api-key",
    username: "alice",
    accessToken: ACCESS,
    accessTokenExpiresAt: NOW + 300,
    accessTokenIssuedAt: NOW,
    refreshToken: REFRESH,
    lastActiveAt: NOW,
    apiKey: API_KEY,
  },
];

const TARGETS: Target[] = [
  {
    name: "parseSession (the session file)",
    seed: 0xf022_0001,
    seeds: SESSION_SEEDS as unknown as Record<string, Value>[],
    fields: [
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
      "apiKey",
    ],
    takesText: true,
    // Its messages name the methods it knows.
    mayQuote: (s) => "one of device-code, api-key".includes(s),
    parse: ({ text }) => parseSession(text!),
    documented: (err) => err instanceof SessionFormatError,
    accepted(result) {
      const session = result as Session;
      // What was read can be written back, and reads the same again.
      const again = parseSession(serializeSession(session));
      try {
        assert.deepEqual(again, session);
      } catch {
        return "does not read back the same after serializeSession";
      }
      return undefined;
    },
  },
  {
    name: "parseTokenResponse (token endpoint and API-key answers)",
    seed: 0xf022_0002,
    seeds: [
      {
        access_token: ACCESS,
        expires_in: 300,
        refresh_expires_in: 1800,
        refresh_token: REFRESH,
        token_type: "Bearer",
        "not-before-policy": 0,
        session_state: "5f1f8b2e-0000-4000-8000-000000000000",
        scope: "openid profile email",
      },
      {
        access_token: ACCESS,
        refresh_token: REFRESH,
        token_type: "bearer",
        refresh_expires_in: 0,
      },
    ],
    fields: [
      "access_token",
      "refresh_token",
      "token_type",
      "refresh_expires_in",
      "expires_in",
    ],
    parse: ({ body }) =>
      parseTokenResponse(
        body!,
        NOW,
        body!.scope === undefined ? REFRESH : undefined,
      ),
    documented: (err) => err instanceof TokenResponseError,
    accepted(result) {
      const tokens = result as ReturnType<typeof parseTokenResponse>;
      // A login stores what the parser accepted: it must be storable.
      try {
        serializeSession({
          version: 1,
          authUrl: AUTH_URL,
          clientId: "cli",
          method: "device-code",
          username: usernameOf(tokens.accessToken),
          ...tokens,
          lastActiveAt: NOW,
        });
      } catch (err) {
        return `accepted, but the session made of it cannot be stored: ${
          (err as Error).message
        }`;
      }
      return undefined;
    },
    notes(result, notes) {
      const t = result as ReturnType<typeof parseTokenResponse>;
      if (t.accessTokenExpiresAt <= t.accessTokenIssuedAt) {
        bump(notes, "accepted with an access token lifetime under 1 s");
      }
    },
  },
  {
    name: "parseDiscovery (the discovery document)",
    seed: 0xf022_0003,
    seeds: [
      {
        issuer: AUTH_URL,
        authorization_endpoint: `${AUTH_URL}/protocol/openid-connect/auth`,
        token_endpoint: `${AUTH_URL}/protocol/openid-connect/token`,
        device_authorization_endpoint:
          `${AUTH_URL}/protocol/openid-connect/auth/device`,
        revocation_endpoint: `${AUTH_URL}/protocol/openid-connect/revoke`,
        end_session_endpoint: `${AUTH_URL}/protocol/openid-connect/logout`,
        jwks_uri: `${AUTH_URL}/protocol/openid-connect/certs`,
        grant_types_supported: [
          "refresh_token",
          "urn:ietf:params:oauth:grant-type:device_code",
        ],
      },
      {
        issuer: AUTH_URL,
        token_endpoint: `${AUTH_URL}/protocol/openid-connect/token`,
      },
    ],
    fields: [
      "issuer",
      "token_endpoint",
      "device_authorization_endpoint",
      "revocation_endpoint",
      "end_session_endpoint",
    ],
    parse: ({ body }) => parseDiscovery(body!, AUTH_URL),
    documented: (err) => err instanceof DiscoveryError,
    accepted(result) {
      const e = result as ReturnType<typeof parseDiscovery>;
      if (e.issuer !== AUTH_URL) return "accepted another issuer";
      for (
        const url of [
          e.tokenEndpoint,
          e.deviceAuthorizationEndpoint,
          e.revocationEndpoint,
          e.endSessionEndpoint,
        ]
      ) {
        if (url === undefined) continue;
        if (!/^https?:$/.test(new URL(url).protocol)) {
          return `accepted a non-http(s) endpoint`;
        }
      }
      return e.tokenEndpoint ? undefined : "accepted no token endpoint";
    },
    // The issuer message names the expected issuer, PILOT_AUTH_URL.
    mayQuote: (s) => AUTH_URL.includes(s),
  },
  {
    name: "parseDeviceAuthorization (the device authorization response)",
    // A link off the realm's origin is refused naming the origin.
    mayQuote: (s) => DEVICE_ORIGIN.includes(s),
    seed: 0xf022_0004,
    seeds: [
      {
        device_code: DEVICE_CODE,
        user_code: "WDJB-MJHT",
        verification_uri: "https://iam.example.org/realms/pilot/device",
        verification_uri_complete:
          "https://iam.example.org/realms/pilot/device?user_code=WDJB-MJHT",
        expires_in: 600,
        interval: 5,
      },
      {
        device_code: DEVICE_CODE,
        user_code: "WDJB-MJHT",
        verification_uri: "https://iam.example.org/realms/pilot/device",
        expires_in: 600,
      },
    ],
    fields: [
      "device_code",
      "user_code",
      "verification_uri",
      "verification_uri_complete",
      "expires_in",
      "interval",
    ],
    parse: ({ body }) => device.parseDeviceAuthorization(body!, DEVICE_ORIGIN),
    // Documented as "the device authorization response is not usable: ...",
    // thrown as DeviceAuthorizationError since bug 1 of docs/reliability.md
    // was fixed (c466f98; a plain Error before, which must not come back).
    documented: (err) =>
      err instanceof device.DeviceAuthorizationError &&
      err.message.startsWith(
        "the device authorization response is not usable: ",
      ),
    accepted(result) {
      const a = result as ReturnType<typeof device.parseDeviceAuthorization>;
      if (!(Number.isFinite(a.expiresIn) && a.expiresIn > 0)) {
        return "accepted a lifetime that is not a positive number";
      }
      if (!(Number.isFinite(a.interval) && a.interval > 0)) {
        return "accepted an interval that is not a positive number";
      }
      for (const text of [a.deviceCode, a.userCode, a.verificationUri]) {
        if (typeof text !== "string" || text === "") {
          return "accepted an empty code or URI";
        }
      }
      return undefined;
    },
    // Neither can happen since c466f98 capped the lifetime at 3600 s and
    // issue 12 floored the interval at 1 s (0.1 s before); a count here
    // means that is undone.
    notes(result, notes) {
      const a = result as ReturnType<typeof device.parseDeviceAuthorization>;
      if (!Number.isFinite(a.expiresIn * 1000)) {
        bump(
          notes,
          "accepted with a lifetime beyond any deadline (ms overflow)",
        );
      }
      if (a.interval < 1) {
        bump(notes, "accepted with an interval under 1 s");
      }
    },
  },
];

for (const target of TARGETS) {
  Deno.test(`fuzz ${target.name}: ${CASES} mutated cases, seed ${target.seed.toString(16)}`, async () => {
    const started = performance.now();
    const mutator = new Mutator(target.seed);
    const problems: string[] = [];
    const notes = new Map<string, number>();
    let generated = 0;
    let reached = 0;
    let accepted = 0;
    let notAnObject = 0;
    let largest = 0;
    const rejectedBy = new Map<string, number>();
    // Twenty problems are enough to see what is wrong.
    while (reached < CASES && problems.length < 20) {
      const c = mutator.next(target.seeds, target.fields);
      generated++;
      const input = caseInput(c);
      largest = Math.max(largest, input.size);
      let body: Record<string, unknown> | undefined;
      if (!target.takesText && c.kind === "text") {
        try {
          body = (await requestJson("https://iam.example.org/fuzz", {
            fetch: () => Promise.resolve(new Response(c.text)),
            what: "the fuzzed endpoint",
            timeoutMs: 60_000,
          })).body;
        } catch (err) {
          if (err instanceof ProtocolError) {
            notAnObject++;
            continue;
          }
          problems.push(describe(c, `requestJson threw ${kind(err)}`));
          continue;
        }
      } else if (!target.takesText) {
        body = (c as { value: Record<string, unknown> }).value;
      }
      reached++;
      let result: unknown;
      try {
        result = target.parse({ text: input.text, body });
      } catch (err) {
        bump(rejectedBy, kind(err));
        const problem = checkRejection(target, err, body ?? input.text);
        if (problem) problems.push(describe(c, problem));
        continue;
      }
      accepted++;
      const problem = target.accepted(result);
      if (problem) problems.push(describe(c, problem));
      target.notes?.(result, notes);
    }
    console.log(
      `figures: ${reached} cases reached the parser (${generated} generated, ${notAnObject} texts no JSON object, stopped by requestJson) in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s; ${accepted} accepted, rejected: ${
        [...rejectedBy].map(([k, n]) => `${k} ${n}`).join(", ")
      }; largest input ${(largest / 1024).toFixed(0)} KiB${
        notes.size
          ? `; ${[...notes].map(([k, n]) => `${k}: ${n}`).join("; ")}`
          : ""
      }`,
    );
    assert.deepEqual(problems, [], `${target.name} misbehaved`);
    assert.ok(reached >= CASES);
  });
}

/** The text a case is (objects as the JSON text of them) and its size. */
function caseInput(c: Case): { text: string; size: number } {
  const text = c.kind === "text" ? c.text : JSON.stringify(c.value);
  return { text, size: text.length };
}

/** What is wrong with a rejection, if anything. */
function checkRejection(
  target: Target,
  err: unknown,
  input: unknown,
): string | undefined {
  if (!target.documented(err)) {
    return `threw ${kind(err)}: ${
      String((err as Error)?.message ?? err).slice(0, 200)
    }`;
  }
  const message = (err as Error).message;
  if (typeof message !== "string" || message.trim() === "") {
    return "rejected with an empty message";
  }
  const field = err instanceof SessionFormatError
    ? err.field
    : target.fields.find((f) => message.includes(f));
  if (
    !field || !message.includes(field) || (
      err instanceof SessionFormatError && err.field !== "session" &&
      !target.fields.includes(err.field)
    )
  ) {
    return `rejected without naming a field: ${JSON.stringify(message)}`;
  }
  if (message.length > 300) {
    return `rejected with a message of ${message.length} characters`;
  }
  if (message.includes("SECRET")) return "the message quotes a token";
  const values = typeof input === "string"
    ? stringsIn(safeParse(input))
    : stringsIn(input);
  for (const value of values) {
    if (message.includes(value) && !target.mayQuote?.(value)) {
      return `the message quotes a value of the input: ${
        JSON.stringify(message)
      }`;
    }
  }
  return undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function kind(err: unknown): string {
  return err instanceof Error ? err.constructor.name : typeof err;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** A case, for a report: its steps and the start of its text. */
function describe(c: Case, problem: string): string {
  const text = c.kind === "text" ? c.text : JSON.stringify(c.value);
  return `${problem} (steps: ${c.steps.join("; ")}; input starts ${
    JSON.stringify(text.slice(0, 160))
  })`;
}
