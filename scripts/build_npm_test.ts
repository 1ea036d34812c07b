import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import { relative as relativeTo } from "node:path";
import { checkDenoCalls, importedNames, reexports } from "./build_npm.ts";
import { rootPath } from "./bundle.ts";

Deno.test("npm build: a Deno call the Node runtime lacks fails the build", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const uses = async (code: string) => {
      const file = `${dir}/uses.ts`;
      await Deno.writeTextFile(file, code);
      return file;
    };
    // What the runtime has, types, and what is left out on purpose: fine.
    await checkDenoCalls([
      await uses(
        `const i: Deno.FileInfo = Deno.lstatSync("/");
Deno.stdout.writeSync(new Uint8Array());
if (typeof Deno.permissions?.querySync === "function") {}
new Deno.errors.NotFound();`,
      ),
    ]);
    await assert.rejects(
      async () =>
        await checkDenoCalls([await uses(`Deno.chmodSync("/x", 0o600);`)]),
      /lacks what src\/ uses: .*Deno\.chmodSync/,
    );
    await assert.rejects(
      async () => await checkDenoCalls([await uses(`Deno.stdin.close();`)]),
      /Deno\.stdin\.close/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("npm build: lib/cold.js re-exports the names of the cold modules once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const write = async (name: string, code: string) => {
      await Deno.writeTextFile(`${dir}/${name}`, code);
      return `${dir}/${name}`;
    };
    const a = await write("a.ts", "export const one = 1;\nexport class Two {}");
    const b = await write("b.ts", "export function three() {}");
    const c = await write("c.ts", "export const one = 2;");
    const text = await reexports([a, b]);
    assert.match(text, /^export \{ Two, one \} from "[^"]*a\.ts";$/m);
    assert.match(text, /^export \{ three \} from "[^"]*b\.ts";$/m);
    await assert.rejects(
      async () => await reexports([a, c]),
      /more than one exports one/,
    );
  } finally {
    await esbuild.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("npm build: what lib/cold.js requires of lib/cli.js, name by name", async () => {
  // Relative to the repository, as the build's module paths are.
  const dir = await Deno.makeTempDir({ dir: rootPath(".") });
  const at = relativeTo(rootPath("."), dir);
  try {
    const files: Record<string, string> = {
      "held.ts": "export const a = 1, b = 2, c = 3;\nexport type T = number;",
      "whole.ts": "export const x = 1, y = 2;",
      "lazy.ts": "export const z = 1;",
      "cold.ts": [
        'import { a, type T } from "./held.ts";',
        'import type { b } from "./held.ts";',
        'export { c as see } from "./held.ts";',
        'import * as whole from "./whole.ts";',
        'import { other } from "./elsewhere.ts";',
        'export const use = async () => (await import("./lazy.ts")).z;',
      ].join("\n"),
    };
    for (const [name, code] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, code);
    }
    const all = new Map([
      [`${at}/held.ts`, ["a", "b", "c"]],
      [`${at}/whole.ts`, ["x", "y"]],
      [`${at}/lazy.ts`, ["z"]],
    ]);
    const used = await importedNames([`${at}/cold.ts`], all);
    assert.deepEqual(
      Object.fromEntries([...used].map(([file, names]) => [file, [...names]])),
      {
        [`${at}/held.ts`]: ["a", "c"],
        [`${at}/whole.ts`]: ["x", "y"],
        [`${at}/lazy.ts`]: ["z"],
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
