import assert from "node:assert/strict";
import { checkDenoCalls } from "./build_npm.ts";

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
