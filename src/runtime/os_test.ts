import assert from "node:assert/strict";
import { CliError } from "../errors.ts";
import {
  checksModes,
  checksOwner,
  codeCacheDir,
  configDir,
  interruptSignals,
  pathSeparator,
} from "./os.ts";

const env = (vars: Record<string, string>) => ({ get: (k: string) => vars[k] });
const OSES = ["linux", "darwin", "windows"] as const;

Deno.test("configDir: PILOT_CONFIG_DIR wins on every OS", () => {
  for (const os of OSES) {
    assert.equal(
      configDir(env({ PILOT_CONFIG_DIR: "/c", APPDATA: "A", HOME: "/h" }), os),
      "/c",
    );
  }
});

Deno.test("configDir: %APPDATA% on Windows only", () => {
  const vars = env({ APPDATA: "C:\\A", HOME: "/h" });
  assert.equal(configDir(vars, "windows"), "C:\\A\\pilotcli");
  assert.equal(configDir(vars, "linux"), "/h/.config/pilotcli");
  assert.equal(configDir(vars, "darwin"), "/h/.config/pilotcli");
});

Deno.test("configDir: XDG_CONFIG_HOME when absolute, else HOME, on Linux and macOS", () => {
  for (const os of ["linux", "darwin"] as const) {
    assert.equal(
      configDir(env({ XDG_CONFIG_HOME: "/x", HOME: "/h" }), os),
      "/x/pilotcli",
    );
    assert.equal(
      configDir(env({ XDG_CONFIG_HOME: "x", HOME: "/h" }), os),
      "/h/.config/pilotcli",
    );
  }
  // Windows without APPDATA falls back the same way.
  assert.equal(
    configDir(env({ HOME: "/h" }), "windows"),
    "/h/.config/pilotcli",
  );
});

Deno.test("configDir: nothing to go by is a CliError on every OS", () => {
  for (const os of OSES) assert.throws(() => configDir(env({}), os), CliError);
});

Deno.test("codeCacheDir: %LOCALAPPDATA% on Windows, XDG_CACHE_HOME or HOME elsewhere", () => {
  const vars = env({ LOCALAPPDATA: "C:\\L", XDG_CACHE_HOME: "/x", HOME: "/h" });
  assert.deepEqual(OSES.map((os) => codeCacheDir(vars, os)), [
    "/x/pilotcli",
    "/x/pilotcli",
    "C:\\L\\pilotcli\\cache",
  ]);
  // A relative XDG_CACHE_HOME is invalid (the XDG spec): HOME's is taken.
  for (const os of OSES) {
    assert.equal(
      codeCacheDir(env({ XDG_CACHE_HOME: "x", HOME: "/h" }), os),
      "/h/.cache/pilotcli",
    );
  }
});

Deno.test("codeCacheDir: none when disabled, or when nothing names a directory", () => {
  for (const os of OSES) {
    assert.equal(codeCacheDir(env({}), os), undefined);
    assert.equal(
      codeCacheDir(
        env({
          NODE_DISABLE_COMPILE_CACHE: "1",
          LOCALAPPDATA: "C:\\L",
          HOME: "/h",
        }),
        os,
      ),
      undefined,
    );
  }
});

Deno.test("modes and owners are checked on Linux and macOS, not on Windows", () => {
  assert.deepEqual(OSES.map(checksModes), [true, true, false]);
  assert.deepEqual(OSES.map(checksOwner), [true, true, false]);
});

Deno.test("pathSeparator and interruptSignals by OS", () => {
  assert.deepEqual(OSES.map(pathSeparator), ["/", "/", "\\"]);
  for (const os of OSES) assert.deepEqual(interruptSignals(os), ["SIGINT"]);
});
