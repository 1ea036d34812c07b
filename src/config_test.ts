import assert from "node:assert/strict";
import {
  configDir,
  readAuthConfig,
  readHttpTimeoutMs,
  readIdleTimeout,
} from "./config.ts";
import { CliError } from "./errors.ts";

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
