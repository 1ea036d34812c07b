import assert from "node:assert/strict";
import {
  ConfigFileCorrupt,
  NoProfile,
  ProfileNameInvalid,
  ProfileUnknown,
  UnsafeSessionFile,
} from "../errors.ts";
import { ConfigFile, parseConfig, selectRealm } from "./config_file.ts";

const env = (vars: Record<string, string>) => ({
  get: (name: string) => vars[name],
});

Deno.test("parseConfig: bad JSON names the line and column, a bad shape the field", () => {
  const cases: [string, string][] = [
    ['{\n  "version": 1,\n  "profiles": {,\n}\n', "line 3, column 16"],
    ["", "line 1, column 1"],
    ['{"version": 2, "profiles": {}}', "version"],
    ['{"version": 1, "profiles": []}', "profiles"],
    [
      '{"version": 1, "profiles": {"../x": {"authUrl": "https://a"}}}',
      'profiles."../x"',
    ],
    ['{"version": 1, "profiles": {"a": {}}}', 'profiles."a".authUrl'],
    [
      '{"version": 1, "profiles": {"a": {"authUrl": "https://a", "idleTimeout": -1}}}',
      'profiles."a".idleTimeout',
    ],
    [
      '{"version": 1, "default": "b", "profiles": {"a": {"authUrl": "https://a"}}}',
      "default",
    ],
  ];
  for (const [text, where] of cases) {
    assert.throws(
      () => parseConfig(text, "/c/config.json"),
      (error) => error instanceof ConfigFileCorrupt && error.where === where,
      JSON.stringify(text),
    );
  }
});

Deno.test("selectRealm: --profile, then PILOT_PROFILE, then PILOT_AUTH_URL, then the default", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = new ConfigFile(dir);
    await file.update(() => ({
      config: {
        version: 1,
        default: "a",
        profiles: {
          a: { authUrl: "https://iam.a.org/realms/p" },
          b: {
            authUrl: "https://iam.b.org/realms/p/",
            clientId: "c2",
            apiUrl: "https://api.b.org",
            idleTimeout: 60,
          },
        },
      },
      result: undefined,
    }));
    assert.equal((await Deno.stat(`${dir}/config.json`)).mode! & 0o777, 0o600);
    const config = () => file;
    const url = "https://iam.x.org/realms/p";
    const pick = (vars: Record<string, string>, flag?: string) =>
      selectRealm(env(vars), config, flag);
    assert.equal(
      pick({ PILOT_PROFILE: "a", PILOT_AUTH_URL: url }, "b").profile,
      "b",
    );
    assert.equal(
      pick({ PILOT_PROFILE: "b", PILOT_AUTH_URL: url }).profile,
      "b",
    );
    assert.deepEqual(pick({ PILOT_AUTH_URL: url }), {
      profile: null,
      auth: { authUrl: url, clientId: "cli" },
      idleTimeout: 3600,
    });
    assert.equal(pick({}).profile, "a");
    assert.deepEqual(pick({}, "b"), {
      profile: "b",
      auth: { authUrl: "https://iam.b.org/realms/p", clientId: "c2" },
      idleTimeout: 60,
      apiUrl: "https://api.b.org",
    });
    // PILOT_IDLE_TIMEOUT wins over the profile's.
    assert.equal(pick({ PILOT_IDLE_TIMEOUT: "7" }, "b").idleTimeout, 7);
    assert.throws(
      () => pick({}, "zz"),
      (e) => e instanceof ProfileUnknown && e.known.join() === "a,b",
    );
    assert.throws(() => pick({ PILOT_PROFILE: "../a" }), ProfileNameInvalid);
    assert.throws(() => pick({}, "A"), ProfileNameInvalid);
    // Nothing configured, nothing set.
    assert.throws(
      () => selectRealm(env({}), () => new ConfigFile(`${dir}/none`)),
      NoProfile,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ConfigFile: refused when open to others, by the session file's rule; never rewritten when corrupt", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/config.json`;
    await Deno.writeTextFile(path, '{"version": 1, "profiles": {}}', {
      mode: 0o644,
    });
    await Deno.chmod(path, 0o644);
    assert.throws(
      () => new ConfigFile(dir, { platform: "other" }).read(),
      (e) =>
        e instanceof UnsafeSessionFile && e.kind === "config" &&
        e.problem === "open-mode",
    );
    await Deno.chmod(path, 0o600);
    await Deno.writeTextFile(path, "{oops");
    const file = new ConfigFile(dir, { platform: "other" });
    await assert.rejects(
      file.update((config) => ({ config, result: undefined })),
      ConfigFileCorrupt,
    );
    assert.equal(await Deno.readTextFile(path), "{oops");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ConfigFile: waits for another process's lock as its lock options say", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lock = `${dir}/config.lock`;
    // Held by a live process: fresh, so it is waited for, not taken over.
    await Deno.writeTextFile(lock, "held by the test\n");
    const controller = new AbortController();
    const waited: string[] = [];
    const file = new ConfigFile(dir, {
      lock: {
        signal: controller.signal,
        onWait(path) {
          waited.push(path);
          controller.abort(new Error("Ctrl-C"));
        },
      },
    });
    await assert.rejects(
      file.update(() => ({ result: undefined })),
      /Ctrl-C/,
    );
    assert.deepEqual(waited, [lock]);
    assert.equal(await Deno.readTextFile(lock), "held by the test\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
