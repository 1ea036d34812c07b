import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import { checkDenoCalls, reexports } from "./build_npm.ts";

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

Deno.test("npm build: lib/cli.mjs and lib/cold.mjs re-export every name once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const write = async (name: string, code: string) => {
      await Deno.writeTextFile(`${dir}/${name}`, code);
      return `${dir}/${name}`;
    };
    const a = await write("a.ts", "export const one = 1;\nexport class Two {}");
    const b = await write("b.ts", "export function three() {}");
    const c = await write("c.ts", "export const one = 2;");
    const text = await reexports([a, b], "scripts/npm_entry.ts");
    assert.match(text, /^export \{ Two, one \} from "[^"]*a\.ts";$/m);
    assert.match(text, /^export \{ three \} from "[^"]*b\.ts";$/m);
    // The entry runs after the modules it re-exports.
    assert.match(text, /\nimport "\.\/scripts\/npm_entry\.ts";$/);
    await assert.rejects(
      async () => await reexports([a, c]),
      /more than one exports one/,
    );
  } finally {
    await esbuild.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
