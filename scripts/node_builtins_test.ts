import assert from "node:assert/strict";
import { checkLazyImports, requireBuiltinsOnDemand } from "./node_builtins.ts";

/** Runs `code` as an ES module under Node, after `nodeArgs`. */
async function runOnNodeRaw(
  code: string,
  nodeArgs: string[] = [],
): Promise<{ exit: number; stdout: string; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "pilotcli_builtins_" });
  try {
    await Deno.writeTextFile(`${dir}/main.mjs`, code);
    const { code: exit, stdout, stderr } = await new Deno.Command("node", {
      args: [...nodeArgs, `${dir}/main.mjs`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return { exit, stdout: decode(stdout), stderr: decode(stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `code` as an ES module under Node; returns its stdout or throws. */
async function runOnNode(code: string): Promise<string> {
  const { exit, stdout, stderr } = await runOnNodeRaw(code);
  if (exit !== 0) throw new Error(`node exited ${exit}: ${stderr}`);
  return stdout;
}

const BUNDLE = `#!/usr/bin/env node
// a.ts
import * as fs from "node:fs";
import path from "node:path";
import { promisify, inspect as show } from "node:util";
import "node:os";
import { createRequire as __deno_internal_createRequire } from "node:module";
var __require = __deno_internal_createRequire(import.meta.url);
import { Socket, isIP } from "node:net";
import tty from "node:tty";
import { Readable } from "node:stream";
import { default as posix, sep } from "node:path";
import { getHeapStatistics } from "node:v8";
const loaded = (name) => process.moduleLoadList.includes("NativeModule " + name);
const before = { net: loaded("net"), tty: loaded("tty") };
const socket = new Socket();
socket.destroy();
class Sub extends Socket {}
const sub = new Sub();
sub.destroy();
const isatty = tty.isatty(99);
console.log(JSON.stringify({
  before,
  after: { net: loaded("net"), tty: loaded("tty") },
  socket: socket instanceof __require("node:net").Socket,
  instanceOf: socket instanceof Socket,
  subclass: sub instanceof Sub && sub instanceof Socket &&
    typeof sub.write === "function",
  statics: typeof Readable.from,
  has: "isatty" in tty,
  defaultAs: posix.join("a", "b") + sep,
  digits: typeof getHeapStatistics,
  isIP: isIP("127.0.0.1"),
  isatty,
  fs: typeof fs.readFileSync,
  path: path.join("a", "b"),
  util: typeof promisify + " " + show(1),
  missing: (() => { try { __require("left-pad"); } catch (e) { return e.message; } })(),
}));
`;

Deno.test("requireBuiltinsOnDemand: no static import is left, the shebang stays first", () => {
  const { code } = requireBuiltinsOnDemand(BUNDLE, {
    lazy: ["net", "tty"],
    program: true,
  });
  assert.ok(code.startsWith("#!/usr/bin/env node\nif (typeof process"));
  assert.doesNotMatch(code, /^import\s/m);
  assert.doesNotMatch(code, /node:module/);
  // The lookups come before any of the bundle's code.
  assert.ok(
    code.indexOf('getBuiltinModule("node:util")') < code.indexOf("// a.ts"),
  );
});

Deno.test("requireBuiltinsOnDemand: the rewritten bundle runs on Node, lazy built-ins load on first use", async () => {
  const { code, lazyImports } = requireBuiltinsOnDemand(BUNDLE, {
    lazy: ["net", "tty", "stream"],
  });
  assert.deepEqual(lazyImports, [
    { module: "net", name: "Socket" },
    { module: "net", name: "isIP" },
    { module: "stream", name: "Readable" },
  ]);
  assert.deepEqual(JSON.parse(await runOnNode(code)), {
    before: { net: false, tty: false },
    after: { net: true, tty: true },
    socket: true,
    instanceOf: true,
    subclass: true,
    statics: "function",
    has: true,
    defaultAs: "a/b/",
    digits: "function",
    isIP: 4,
    isatty: false,
    fs: "function",
    path: "a/b",
    util: "function 1",
    missing: 'Cannot find module "left-pad"',
  });
});

Deno.test("requireBuiltinsOnDemand: Node builds the namespaces when nothing is rewritten", async () => {
  // The control for the test above: with plain imports, net and tty load at
  // start, so that test can tell a lazy lookup from an eager one.
  const plain = BUNDLE.replace(/^#!.*\n/, "");
  assert.deepEqual(JSON.parse(await runOnNode(plain)).before, {
    net: true,
    tty: true,
  });
});

Deno.test("requireBuiltinsOnDemand: a program on a Node without getBuiltinModule says so in one line", async () => {
  const { code } = requireBuiltinsOnDemand(BUNDLE, { program: true });
  // As on Node before 20.16, which had no process.getBuiltinModule.
  const olderNode = "data:text/javascript,delete process.getBuiltinModule";
  const { exit, stdout, stderr } = await runOnNodeRaw(code, [
    "--import",
    olderNode,
  ]);
  assert.equal(exit, 1);
  assert.equal(stdout, "");
  assert.match(
    stderr,
    /^pilotcli needs Node\.js 20\.16 or later \(for process\.getBuiltinModule\): this is Node\.js v[\d.]+\. Upgrade Node\.js, or use the Deno program \(see the README\)\.\n$/,
  );
});

Deno.test("requireBuiltinsOnDemand: an import it does not know stops the build", () => {
  assert.throws(
    () =>
      requireBuiltinsOnDemand('import fs, { readFileSync } from "node:fs";\n'),
    /cannot rewrite: import fs, \{ readFileSync \} from "node:fs";/,
  );
});

Deno.test("requireBuiltinsOnDemand: code without built-ins is left alone", () => {
  const code = 'import "./b.mjs";\nconsole.log(1);\n';
  assert.deepEqual(requireBuiltinsOnDemand(code), { code, lazyImports: [] });
});

Deno.test("checkLazyImports: only functions and classes can be looked up lazily", async () => {
  await checkLazyImports([{ module: "net", name: "Socket" }]);
  await assert.rejects(
    checkLazyImports([{ module: "fs", name: "constants" }]),
    /node:fs export constants is not a function/,
  );
});
