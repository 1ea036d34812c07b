/**
 * The library API of mod.ts, used in-process as other Deno code would,
 * against the test identity server.
 */

import assert from "node:assert/strict";
import {
  getAccessToken,
  InvalidApiKey,
  loginWithApiKey,
  PilotError,
  ProfileUnknown,
  readSession,
  ServerUnreachable,
  SessionMissing,
  useSession,
} from "../../mod.ts";
import { API_KEY, USER, withWorld } from "./harness.ts";
import { parseSession } from "../../src/session/session.ts";

Deno.test("library: log in with an API key, read the session, get its token", async () => {
  // Over HTTPS, its CA given in the options' env as PILOT_CA_FILE.
  await withWorld({ tls: true }, async (world) => {
    const options = {
      env: {
        PILOT_AUTH_URL: world.idp.issuer,
        PILOT_CONFIG_DIR: world.configDir,
        PILOT_CA_FILE: world.idp.ca!.file,
      },
    };
    await assert.rejects(readSession(options), PilotError);
    const info = await loginWithApiKey(API_KEY, options);
    assert.equal(info.username, USER.username);
    assert.equal(info.method, "api-key");
    assert.equal(info.authUrl, world.idp.issuer);
    assert.ok(!JSON.stringify(info).includes(API_KEY));
    const session = await world.session();
    assert.equal(await getAccessToken(options), session.accessToken);
    assert.equal((await readSession(options)).username, USER.username);
  });
});

Deno.test("library: a refused key and an unreachable server are errors of their own types, in plain words", async () => {
  await withWorld({}, async (world) => {
    const env = {
      PILOT_AUTH_URL: world.idp.issuer,
      PILOT_CONFIG_DIR: world.configDir,
    };
    const refused = await loginWithApiKey("pk-not-a-key-123456", { env })
      .then(() => undefined, (error) => error);
    assert.ok(refused instanceof InvalidApiKey, String(refused));
    assert.ok(refused instanceof PilotError);
    assert.equal(refused.name, "InvalidApiKey");
    // No line of the program: no command to run, no variable to set.
    assert.doesNotMatch(refused.message, /pilotcli|PILOT_|`/);
    // Nothing read from standard input: "-" is a key like any other.
    await assert.rejects(loginWithApiKey("-", { env }), InvalidApiKey);
    await assert.rejects(useSession({ env }), SessionMissing);
  });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  const unreachable = await loginWithApiKey("pk-some-key-123456", {
    env: {
      PILOT_AUTH_URL: `http://127.0.0.1:${port}/realms/pilot`,
      PILOT_CONFIG_DIR: await Deno.makeTempDir({ prefix: "pilotcli_lib_" }),
    },
  }).then(() => undefined, (error) => error);
  assert.ok(unreachable instanceof ServerUnreachable, String(unreachable));
  assert.equal(unreachable.name, "ServerUnreachable");
  assert.equal(unreachable.url, `http://127.0.0.1:${port}`);
  assert.ok(!(unreachable instanceof InvalidApiKey));
});

Deno.test("library: prints nothing, also when it moves an unreadable session aside", async () => {
  const root = await Deno.makeTempDir({ prefix: "pilotcli_library_" });
  try {
    const dir = `${root}/pilotcli`;
    await Deno.mkdir(dir, { mode: 0o700 });
    await Deno.writeTextFile(`${dir}/session.json`, "not a session", {
      mode: 0o600,
    });
    // Another process, as a program using the library would be, so that its
    // stderr can be read.
    const script = `
      import { PilotError, readSession } from ${
      JSON.stringify(new URL("../../mod.ts", import.meta.url).href)
    };
      try {
        await readSession({ env: { PILOT_AUTH_URL: "http://127.0.0.1:9/realms/pilot", PILOT_CONFIG_DIR: ${
      JSON.stringify(dir)
    } } });
      } catch (error) {
        console.log(error instanceof PilotError ? "PilotError" : String(error));
      }`;
    const { stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    assert.equal(decode(stdout), "PilotError\n");
    assert.equal(decode(stderr), "");
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.ok(!names.includes("session.json"), names.join(", "));
    assert.ok(
      names.some((name) => /^session\.json\.corrupt-\d+$/.test(name)),
      names.join(", "),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("library: a failed API-key login keeps the key out of the whole error, causes included", async () => {
  const key = "pk-library-secret-0123456789";
  // A port nobody listens on: the fetch fails, and fetch errors name the
  // URL, which holds the key.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  const error = await loginWithApiKey(key, {
    env: {
      PILOT_AUTH_URL: `http://127.0.0.1:${port}/realms/pilot`,
      PILOT_CONFIG_DIR: await Deno.makeTempDir({ prefix: "pilotcli_lib_" }),
    },
  }).then(() => undefined, (error) => error);
  assert.ok(error instanceof PilotError, String(error));
  const printed = Deno.inspect(error, { depth: Infinity });
  assert.match(printed, /could not be reached/);
  assert.match(printed, /\/api-key\/\[redacted\]/);
  assert.ok(!printed.includes(key), printed);
});

Deno.test("library: the options take a profile, whose session is its own", async () => {
  await withWorld({}, async (world) => {
    // The CLI adds the profile, its realm checked; no PILOT_AUTH_URL.
    const added = await world.cli(
      ["profile", "add", "w", "--auth-url", world.idp.issuer],
      { env: { PILOT_AUTH_URL: "" } },
    );
    assert.equal(added.code, 0, added.stderr);
    const env = { PILOT_AUTH_URL: "", PILOT_CONFIG_DIR: world.configDir };
    const info = await loginWithApiKey(API_KEY, { env, profile: "w" });
    assert.equal(info.authUrl, world.idp.issuer);
    const session = parseSession(
      await Deno.readTextFile(`${world.configDir}/session-w.json`),
    );
    assert.equal(
      await getAccessToken({ env, profile: "w" }),
      session.accessToken,
    );
    // The default profile, as the CLI has it.
    assert.equal((await useSession({ env })).username, USER.username);
    const unknown = await useSession({ env, profile: "nope" })
      .then(() => undefined, (error) => error);
    assert.ok(unknown instanceof ProfileUnknown, String(unknown));
    assert.deepEqual(unknown.known, ["w"]);
  });
});
