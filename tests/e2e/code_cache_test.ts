/**
 * The npm package's code cache on Node (scripts/npm_loader.ts), as a user
 * meets it: the installed program run by `node`, with XDG_CACHE_HOME set.
 * Written by the first run, owner-only; used as it is by the next (not
 * rewritten: a cache V8 rejected, or one pilotcli refused, is written
 * again); replaced when unsafe, corrupt or made from another script; never
 * a reason for the CLI to fail.
 */

import assert from "node:assert/strict";
import { SESSION_INVALID } from "../../src/ui/messages.ts";
import { installNodePackage, processTempDir } from "./cli.ts";
import { exists, modeOf } from "./harness.ts";

/** What `user status` prints without a session: no request, no prompt. */
const NO_SESSION = { code: 1, stdout: "", stderr: `${SESSION_INVALID}\n` };

/** Runs `node <program> user status` with the code cache under `cacheHome`. */
async function status(
  program: string,
  cacheHome: string,
  env: Record<string, string> = {},
) {
  const configDir = await processTempDir("pilotcli-cache-config-");
  const { code, stdout, stderr } = await new Deno.Command("node", {
    args: [program, "user", "status"],
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: "/nonexistent",
      PILOT_AUTH_URL: "http://127.0.0.1:9/realms/pilot",
      PILOT_CONFIG_DIR: configDir,
      XDG_CACHE_HOME: cacheHome,
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

/** The cache files in `dir`, each with what identifies its version. */
async function cacheFiles(dir: string) {
  const files = [];
  for await (const entry of Deno.readDir(dir)) {
    const info = await Deno.lstat(`${dir}/${entry.name}`);
    files.push({
      name: entry.name,
      ino: info.ino,
      mtime: info.mtime?.getTime(),
      mode: info.mode! & 0o777,
      uid: info.uid,
    });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The installed program run once with a cache home of its own: the cache
 * dir, and the one file that run wrote.
 */
async function firstCache() {
  const { bin } = await installNodePackage();
  const home = await processTempDir("pilotcli-cache-home-");
  const dir = `${home}/pilotcli`;
  await status(bin, home);
  const [file] = await cacheFiles(dir);
  return { bin, home, dir, file, path: `${dir}/${file.name}` };
}

/** A copy of the installed package of its own; returns its program. */
async function packageCopy(): Promise<string> {
  const { bin } = await installNodePackage();
  const installed = (await Deno.realPath(bin)).replace(/\/bin\/[^/]+$/, "");
  const copy = `${await processTempDir("pilotcli-cache-copy-")}/pilotcli`;
  const cp = await new Deno.Command("cp", { args: ["-r", installed, copy] })
    .output();
  assert.ok(cp.success);
  return `${copy}/bin/pilotcli.cjs`;
}

Deno.test("code cache: written by the first run, owner-only, used as it is by the next", async () => {
  const { bin } = await installNodePackage();
  const home = await processTempDir("pilotcli-cache-home-");
  const dir = `${home}/pilotcli`;
  assert.deepEqual(await status(bin, home), NO_SESSION);
  assert.equal(await modeOf(dir), 0o700);
  const written = await cacheFiles(dir);
  assert.deepEqual(
    written.map(({ name }) => name.replace(/[0-9a-f]{8}/, "H")),
    [
      "cli-H.v8",
    ],
  );
  assert.equal(written[0].mode, 0o600);
  const firstLine = (await Deno.readTextFile(`${dir}/${written[0].name}`))
    .split("\n")[0];
  assert.match(firstLine, /^pilotcli-code-cache-1 v\d+\.\d+\.\d+ \S+ \d+:\d+ /);
  assert.ok(firstLine.endsWith("/lib/cli.js"), firstLine);
  // Read and accepted: neither refused by pilotcli nor rejected by V8,
  // either of which writes it anew.
  assert.deepEqual(await status(bin, home), NO_SESSION);
  assert.deepEqual(await cacheFiles(dir), written);
});

Deno.test("code cache: one open to others, or another user's, is not used but replaced", async () => {
  const { bin, home, dir, file, path } = await firstCache();
  const unsafe: Array<[string, () => Promise<void>]> = [
    ["group and others may write it", () => Deno.chmod(path, 0o666)],
    ["others may read it", () => Deno.chmod(path, 0o604)],
  ];
  // Only root can give a file to another user.
  if (Deno.uid() === 0) {
    unsafe.push(["another user's", () => Deno.chown(path, 65534, 65534)]);
  }
  for (const [what, make] of unsafe) {
    const before = (await cacheFiles(dir))[0];
    await make();
    assert.deepEqual(await status(bin, home), NO_SESSION, what);
    const [after] = await cacheFiles(dir);
    assert.equal(after.name, file.name, what);
    assert.notEqual(after.ino, before.ino, `${what}: not replaced`);
    assert.equal(after.mode, 0o600, what);
    assert.equal(after.uid, Deno.uid(), what);
  }
});

Deno.test("code cache: a corrupt one changes nothing but is replaced", async () => {
  const { bin, home, dir, file, path } = await firstCache();
  // Its first line kept, V8's data garbled: V8 must reject it.
  const data = await Deno.readFile(path);
  const body = data.indexOf(10) + 1;
  data.fill(0x5a, body);
  await Deno.writeFile(path, data);
  assert.deepEqual(await status(bin, home), NO_SESSION);
  const [after] = await cacheFiles(dir);
  assert.notEqual(after.ino, file.ino, "not replaced");
  assert.notDeepEqual(await Deno.readFile(path), data);
});

Deno.test("code cache: a changed or removed install's cache is removed", async () => {
  const { bin } = await installNodePackage();
  const home = await processTempDir("pilotcli-cache-home-");
  const dir = `${home}/pilotcli`;
  const copy = await packageCopy();
  await status(copy, home);
  const [ofCopy] = await cacheFiles(dir);
  // An upgrade, in effect: the same script written anew.
  const cli = copy.replace(/bin\/pilotcli\.cjs$/, "lib/cli.js");
  await Deno.writeFile(cli, await Deno.readFile(cli));
  assert.deepEqual(await status(copy, home), NO_SESSION);
  const [upgraded] = await cacheFiles(dir);
  assert.notEqual(upgraded.name, ofCopy.name);
  // The copy removed: another install's first run drops its cache.
  await Deno.remove(copy.replace(/\/bin\/pilotcli\.cjs$/, ""), {
    recursive: true,
  });
  assert.deepEqual(await status(bin, home), NO_SESSION);
  const files = await cacheFiles(dir);
  assert.equal(files.length, 1);
  assert.notEqual(files[0].name, upgraded.name);
});

Deno.test("code cache: none with NODE_DISABLE_COMPILE_CACHE, or where none can be written", async () => {
  const { bin } = await installNodePackage();
  const home = await processTempDir("pilotcli-cache-home-");
  assert.deepEqual(
    await status(bin, home, { NODE_DISABLE_COMPILE_CACHE: "1" }),
    NO_SESSION,
  );
  assert.equal(await exists(`${home}/pilotcli`), false);
  // XDG_CACHE_HOME a file: no directory can be made under it.
  const file = `${home}/a-file`;
  await Deno.writeTextFile(file, "");
  assert.deepEqual(await status(bin, file), NO_SESSION);
  assert.equal(await Deno.readTextFile(file), "");
});
