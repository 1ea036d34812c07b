import assert from "node:assert/strict";
import { CliError } from "../errors.ts";
import {
  checksModes,
  checksOwner,
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

Deno.test("modes and owners are checked on Linux and macOS, not on Windows", () => {
  assert.deepEqual(OSES.map(checksModes), [true, true, false]);
  assert.deepEqual(OSES.map(checksOwner), [true, true, false]);
});

Deno.test("pathSeparator and interruptSignals by OS", () => {
  assert.deepEqual(OSES.map(pathSeparator), ["/", "/", "\\"]);
  for (const os of OSES) assert.deepEqual(interruptSignals(os), ["SIGINT"]);
});
