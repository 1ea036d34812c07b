import assert from "node:assert/strict";
import {
  configDir,
  readAuthConfig,
  readHttpTimeoutMs,
  readIdleTimeout,
} from "./config.ts";
import { CliError } from "./errors.ts";
import { authUrlNotUsable, authUrlNotValid } from "./ui/messages.ts";
import { inert } from "./ui/terminal_text.ts";

function env(vars: Record<string, string>) {
  return { get: (name: string) => vars[name] };
}

Deno.test("configDir: PILOT_CONFIG_DIR, then APPDATA on Windows, then XDG_CONFIG_HOME, then HOME", () => {
  assert.equal(
    configDir(env({ PILOT_CONFIG_DIR: "/c", HOME: "/h" }), "linux"),
    "/c",
  );
  assert.equal(
    configDir(env({ APPDATA: "C:\\A", HOME: "/h" }), "windows"),
    "C:\\A\\pilotcli",
  );
  assert.equal(
    configDir(env({ XDG_CONFIG_HOME: "/x", HOME: "/h" }), "linux"),
    "/x/pilotcli",
  );
  // A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
  assert.equal(
    configDir(env({ XDG_CONFIG_HOME: "x", HOME: "/h" }), "linux"),
    "/h/.config/pilotcli",
  );
  assert.throws(() => configDir(env({}), "linux"), CliError);
});

Deno.test("readAuthConfig: https, or http on loopback only; trailing slash dropped", () => {
  assert.deepEqual(
    readAuthConfig(
      env({ PILOT_AUTH_URL: "https://iam.example.org/realms/pilot/" }),
    ),
    { authUrl: "https://iam.example.org/realms/pilot", clientId: "cli" },
  );
  assert.equal(
    readAuthConfig(env({
      PILOT_AUTH_URL: "http://127.0.0.1:8400/realms/pilot",
      PILOT_CLIENT_ID: "other",
    })).clientId,
    "other",
  );
  for (
    const bad of [
      "",
      "not a url",
      "http://iam.example.org/realms/pilot",
      "https://user:pw@iam.example.org/realms/pilot",
      "ftp://iam.example.org",
    ]
  ) {
    assert.throws(() => readAuthConfig(env({ PILOT_AUTH_URL: bad })), CliError);
  }
});

Deno.test("readIdleTimeout: default 3600, whole positive seconds only", () => {
  assert.equal(readIdleTimeout(env({})), 3600);
  assert.equal(readIdleTimeout(env({ PILOT_IDLE_TIMEOUT: "90" })), 90);
  for (const bad of ["0", "-5", "1.5", "soon"]) {
    assert.throws(
      () => readIdleTimeout(env({ PILOT_IDLE_TIMEOUT: bad })),
      CliError,
    );
  }
});

/** The line readAuthConfig fails with for `value`. */
function authUrlError(value: string): string {
  try {
    readAuthConfig(env({ PILOT_AUTH_URL: value }));
  } catch (error) {
    if (error instanceof CliError) return error.message;
    throw error;
  }
  throw new Error(`${value} was accepted`);
}

Deno.test("readAuthConfig: an unusable URL is echoed as given, without credentials", () => {
  assert.equal(
    authUrlError("https://alice:s3cret@iam.example.org:99999/realms/pilot"),
    authUrlNotValid("https://[redacted]@iam.example.org:99999/realms/pilot"),
  );
  assert.equal(
    authUrlNotValid("https://[redacted]@iam.example.org:99999/realms/pilot"),
    'PILOT_AUTH_URL is not a valid URL: "https://[redacted]@iam.example.org:99999/realms/pilot". Set it to your Keycloak realm URL, e.g. https://iam.example.org/realms/pilot.',
  );
  assert.equal(
    authUrlError("javascript:alert(1)"),
    "PILOT_AUTH_URL is not usable: javascript:alert(1) must be an https URL without query or credentials (plain http only on localhost). Set it to your Keycloak realm URL.",
  );
  assert.equal(
    authUrlError("file:///etc/passwd"),
    authUrlNotUsable("file:///etc/passwd"),
  );
  assert.equal(
    authUrlError("https://alice:s3cret@iam.example.org/realms/pilot?k=s3cret"),
    authUrlNotUsable("https://iam.example.org/realms/pilot"),
  );
  for (
    const value of [
      "alice:s3cret@iam.example.org",
      "alice:s3cret x@iam.example.org",
      "https://alice:s3c/ret@iam.example.org/realms/pilot",
      "https://alice:s3cret@iam.example.org/realms/pilot#s3cret",
      "ftp://alice:s3cret@iam.example.org",
    ]
  ) {
    assert.equal(authUrlError(value).includes("s3c"), false, value);
  }
  // Control characters in the value are shown, not acted on.
  const line = authUrlError("a\x1b[2J\x9b b");
  assert.equal(inert(line), line);
});

Deno.test("readHttpTimeoutMs: default 15 s, whole seconds from 1 to 3600", () => {
  assert.equal(readHttpTimeoutMs(env({})), 15_000);
  assert.equal(readHttpTimeoutMs(env({ PILOT_HTTP_TIMEOUT: "2" })), 2000);
  assert.equal(
    readHttpTimeoutMs(env({ PILOT_HTTP_TIMEOUT: "3600" })),
    3600_000,
  );
  for (const bad of ["0", "-5", "1.5", "3601", "soon", "1e3"]) {
    assert.throws(
      () => readHttpTimeoutMs(env({ PILOT_HTTP_TIMEOUT: bad })),
      (e) =>
        e instanceof CliError &&
        e.message ===
          `PILOT_HTTP_TIMEOUT is not a number of seconds: "${bad}". Set it to a whole number from 1 to 3600, or unset it for the default of 15.`,
    );
  }
});
