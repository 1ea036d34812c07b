/**
 * The library of the npm package, as Node code uses it: the tarball
 * installed into a Node project with `npm install <tarball>`, imported by
 * its name from an ES module run by `node`, against the test identity
 * server; and its types, generated from src/, type-checked against
 * src/lib.ts and by TypeScript for a Node program.
 */

import assert from "node:assert/strict";
import { InvalidApiKey, SessionMissing } from "../../src/errors.ts";
import { SESSION_INVALID } from "../../src/ui/messages.ts";
import {
  installNodePackage,
  installNodePackageInto,
  processTempDir,
  runNodeScript,
} from "./cli.ts";
import { API_KEY, exists, modeOf, USER, withWorld } from "./harness.ts";
import { startProxy } from "./proxy.ts";

const PACKAGE = "@pilot/pilotcli";

/** The error classes the library exports besides PilotError. */
const ERROR_CLASSES = [
  "CaFileUnusable",
  "ConfigFileCorrupt",
  "ConfigFileFailed",
  "ConnectionFailure",
  "DeviceCodeDenied",
  "DeviceCodeExpired",
  "DeviceLoginUnsupported",
  "ForeignOrigin",
  "InvalidApiKey",
  "NoProfile",
  "ProfileNameInvalid",
  "ProfileUnknown",
  "ServerAnswerUnusable",
  "ServerRefused",
  "ServerUnreachable",
  "SessionIdle",
  "SessionLockFailed",
  "SessionMissing",
  "SessionNotSaved",
  "SessionOfAnotherServer",
  "SessionRevoked",
  "SessionStorageFailed",
  "UnsafeSessionFile",
];

let project: Promise<string> | undefined;

/** A Node project with the package installed, once per test process. */
function nodeProject(): Promise<string> {
  project ??= (async () => {
    const dir = await processTempDir("pilotcli-node-project-");
    await installNodePackageInto(dir);
    return dir;
  })();
  return project;
}

/**
 * Node code of a user of the library. The key comes in the environment
 * (never argv, which `ps` shows); the realm and the config dir come from
 * the process environment, as for the program, except for the bad key's
 * login, which overrides the config dir through `options.env`.
 */
const SCRIPT = `
// Imported after the globals are listed: the package must add none.
const globals = Object.getOwnPropertyNames(globalThis);
const {
  authFetch,
  getAccessToken,
  loginWithApiKey,
  PilotError,
  readSession,
  useSession,
} = await import("${PACKAGE}");

const failure = (error) => ({
  pilotError: error instanceof PilotError,
  name: error.name,
  message: error.message,
});

const result = {};
result.before = await readSession().then(() => "resolved", failure);
result.login = await loginWithApiKey(process.env.TEST_API_KEY);
result.token = await getAccessToken();
result.session = await readSession();
result.used = (await useSession()).username;
// No API URL here: it rejects before any request, as a PilotError.
result.authFetch = await authFetch("/v1/me").then(() => "resolved", failure);
result.badKey = await loginWithApiKey("pk-not-a-key-123456", {
  env: { PILOT_CONFIG_DIR: process.env.TEST_OTHER_CONFIG_DIR },
}).then(() => "resolved", failure);
result.addedGlobals = Object.getOwnPropertyNames(globalThis).filter((name) =>
  !globals.includes(name)
);
result.deno = typeof Deno;
console.log(JSON.stringify(result));
`;

Deno.test("npm library on Node: log in with an API key, get the token, read the session; a bad key rejects", async () => {
  const dir = await nodeProject();
  // Over HTTPS and through a proxy: the library's requests go through
  // undici too.
  await withWorld({ runtime: "node", tls: true }, async (world) => {
    const proxy = await startProxy();
    const otherConfigDir = `${world.configDir}-other`;
    const { code, stdout: out, stderr: err } = await runNodeScript(
      dir,
      SCRIPT,
      {
        PILOT_AUTH_URL: world.idp.issuer,
        PILOT_CONFIG_DIR: world.configDir,
        PILOT_CA_FILE: world.idp.ca!.file,
        HTTPS_PROXY: proxy.url,
        TEST_API_KEY: API_KEY,
        TEST_OTHER_CONFIG_DIR: otherConfigDir,
      },
    ).finally(() => proxy.close());
    assert.ok(proxy.connects.length > 0);
    assert.equal(code, 0, err);
    // The library prints nothing, and its results hold no secret.
    assert.equal(err, "");
    assert.ok(!out.includes(API_KEY));

    const result = JSON.parse(out);
    const session = await world.session();
    // A PilotError of a type named as the package exports it, in plain
    // words.
    const failure = (error: Error) => ({
      pilotError: true,
      name: error.name,
      message: error.message,
    });
    assert.deepEqual(result.before, failure(new SessionMissing()));
    assert.deepEqual(result.login, {
      username: USER.username,
      method: "api-key",
      authUrl: world.idp.issuer,
      accessTokenExpiresAt: session.accessTokenExpiresAt,
      // Activity is written at most once a minute: the later calls leave it.
      lastActiveAt: session.lastActiveAt,
    });
    assert.equal(result.token, session.accessToken);
    assert.deepEqual(result.session, result.login);
    assert.equal(session.method, "api-key");
    assert.equal(session.username, USER.username);
    assert.equal(session.apiKey, API_KEY);
    // Stored as the program stores it.
    assert.equal(await modeOf(world.configDir), 0o700);
    assert.equal(await modeOf(world.sessionPath), 0o600);

    assert.deepEqual(
      result.badKey,
      failure(new InvalidApiKey()),
    );
    assert.equal(await exists(`${otherConfigDir}/session.json`), false);
    assert.equal(result.used, USER.username);
    assert.equal(result.authFetch.pilotError, true);
    // Importing the package and calling each export defined nothing global.
    assert.deepEqual(result.addedGlobals, []);
    assert.equal(result.deno, "undefined");
  });
});

Deno.test("npm library on Node: a host's own Deno global is never used", async () => {
  const dir = await nodeProject();
  // A host's Deno (another library's shim, say) that notes every use.
  const { code, stdout, stderr } = await runNodeScript(
    dir,
    `
const used = [];
globalThis.Deno = new Proxy({}, {
  get: (_, key) => { used.push(String(key)); return undefined; },
  has: (_, key) => { used.push(String(key)); return false; },
});
const { readSession } = await import("${PACKAGE}");
const error = await readSession().catch((error) => error);
console.log(JSON.stringify({ used, message: error.message }));
`,
    {
      // No session there: the library says so without asking the server.
      PILOT_AUTH_URL: "http://127.0.0.1:9/realms/pilot",
      PILOT_CONFIG_DIR: "/nonexistent/pilotcli",
    },
  );
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), {
    used: [],
    message: new SessionMissing().message,
  });
});

Deno.test("the CLI on Node neither reads nor defines a global Deno", async () => {
  const { bin } = await installNodePackage();
  const dir = await processTempDir("pilotcli-node-trap-");
  // Loaded by Node before the program: a global Deno that reports every
  // use, and a list of the globals there were, compared at exit.
  const trap = `${dir}/trap.mjs`;
  await Deno.writeTextFile(
    trap,
    `
const report = (what) => process.getBuiltinModule("node:fs").writeSync(2, what + "\\n");
const globals = Object.getOwnPropertyNames(globalThis);
Object.defineProperty(globalThis, "Deno", {
  get() { report("read globalThis.Deno"); return undefined; },
  set() { report("set globalThis.Deno"); },
  configurable: false,
});
process.on("exit", () => {
  const added = Object.getOwnPropertyNames(globalThis).filter((name) =>
    !globals.includes(name) && name !== "Deno"
  );
  if (added.length > 0) report("added globals: " + added.join(", "));
});
`,
  );
  for (const args of [["--help"], ["user", "status"], ["user", "token"]]) {
    const { code, stderr } = await new Deno.Command("node", {
      args: ["--import", new URL(`file://${trap}`).href, bin, ...args],
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        PILOT_AUTH_URL: "http://127.0.0.1:9/realms/pilot",
        PILOT_CONFIG_DIR: `${dir}/config`,
      },
      stdout: "null",
      stderr: "piped",
    }).output();
    // Only pilotcli's own line: no report of the trap's.
    const err = new TextDecoder().decode(stderr);
    assert.equal(err, args[0] === "--help" ? "" : `${SESSION_INVALID}\n`);
    assert.equal(code, args[0] === "--help" ? 0 : 1);
  }
});

Deno.test("npm library on Deno: leaves Deno's namespace alone", async () => {
  const dir = await nodeProject();
  const script = await Deno.makeTempFile({ dir, suffix: ".mjs" });
  await Deno.writeTextFile(
    script,
    `
const deno = globalThis.Deno;
const { PilotError, readSession } = await import("${PACKAGE}");
const error = await readSession().catch((error) => error);
console.log(JSON.stringify({
  sameDeno: globalThis.Deno === deno,
  pilotError: error instanceof PilotError,
  message: error.message,
}));
`,
  );
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-all", script],
    cwd: dir,
    env: {
      // No session there: the library says so without asking the server.
      PILOT_AUTH_URL: "http://127.0.0.1:9/realms/pilot",
      PILOT_CONFIG_DIR: "/nonexistent/pilotcli",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
    sameDeno: true,
    pilotError: true,
    message: new SessionMissing().message,
  });
});

Deno.test("npm library: lib/mod.d.ts types the package as src/lib.ts types mod.ts's API", async () => {
  const dir = await nodeProject();
  const source = new URL("../../src/lib.ts", import.meta.url).href;
  // Exact equality, both ways: an extra, missing or different name, field,
  // parameter or modifier fails.
  const check = `
import type * as built from "${PACKAGE}";
import type * as source from "${source}";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;

export const names: Equal<keyof typeof built, keyof typeof source> = true;
export const sessionInfo: Equal<built.SessionInfo, source.SessionInfo> = true;
export const pilotOptions: Equal<built.PilotOptions, source.PilotOptions> =
  true;
export const readSession: Equal<
  typeof built.readSession,
  typeof source.readSession
> = true;
export const getAccessToken: Equal<
  typeof built.getAccessToken,
  typeof source.getAccessToken
> = true;
export const authFetch: Equal<
  typeof built.authFetch,
  typeof source.authFetch
> = true;
export const loginWithApiKey: Equal<
  typeof built.loginWithApiKey,
  typeof source.loginWithApiKey
> = true;
export const pilotErrorClass: Equal<
  typeof built.PilotError,
  typeof source.PilotError
> = true;
export const pilotError: Equal<built.PilotError, source.PilotError> = true;
export const useSession: Equal<
  typeof built.useSession,
  typeof source.useSession
> = true;
${
    ERROR_CLASSES.map((name) =>
      `export const class${name}: Equal<typeof built.${name}, typeof source.${name}> = true;
export const instance${name}: Equal<built.${name}, source.${name}> = true;`
    ).join("\n")
  }
`;
  const file = await Deno.makeTempFile({ dir, suffix: ".ts" });
  await Deno.writeTextFile(file, check);
  // Run in the Node project, whose package.json and node_modules resolve
  // "${PACKAGE}" as TypeScript does for a Node user: through the package's
  // "exports" and its "types" condition.
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", file],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(
    code,
    0,
    `lib/mod.d.ts (scripts/npm_types.ts) and src/lib.ts differ:\n${
      new TextDecoder().decode(stdout)
    }${new TextDecoder().decode(stderr)}`,
  );
});

Deno.test("npm library: a Node program type-checks against the installed package", async () => {
  const dir = await nodeProject();
  // TypeScript as a Node project runs it: Node's module resolution through
  // the package's "exports", no Deno types, strict.
  const file = `${dir}/uses_library.mts`;
  await Deno.writeTextFile(
    file,
    `
import {
  authFetch,
  ForeignOrigin,
  getAccessToken,
  InvalidApiKey,
  loginWithApiKey,
  PilotError,
  type PilotOptions,
  ServerUnreachable,
  type SessionInfo,
  useSession,
} from "${PACKAGE}";

const options: PilotOptions = { env: { PILOT_CONFIG_DIR: "/tmp/x" } };
const token: string = await getAccessToken(options);
const info: SessionInfo = await loginWithApiKey(token, options);
const method: "device-code" | "api-key" = (await useSession()).method;
const error: unknown = await getAccessToken().catch((e: unknown) => e);
const unreachable: string | undefined = error instanceof ServerUnreachable
  ? error.url
  : undefined;
const badKey: boolean = error instanceof InvalidApiKey &&
  error instanceof PilotError;
const response: Response = await authFetch("/v1/me", { method: "GET" }, options);
const foreign: boolean = await authFetch("https://elsewhere.example/x").then(
  () => false,
  (e: unknown) => e instanceof ForeignOrigin && e.apiOrigin !== "",
);
export { badKey, foreign, info, method, response, unreachable };
`,
  );
  const { default: ts } = await import("typescript");
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
    strict: true,
    noEmit: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  assert.equal(
    diagnostics.length,
    0,
    ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => dir,
      getNewLine: () => "\n",
    }),
  );
});
