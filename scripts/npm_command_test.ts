import assert from "node:assert/strict";
import { nodeCommand } from "./npm_command.ts";

// Runs on Deno's node:child_process here; the npm package runs it on Node
// (tests/e2e/browser_test.ts opens a browser through it).
class NotFound extends Error {}
const Command = nodeCommand((err, context) =>
  (err as { code?: string }).code === "ENOENT"
    ? new NotFound(`No such file or directory (os error 2): ${context}`)
    : err
);

Deno.test("nodeCommand: exit codes, and no shell between the arguments", async () => {
  const ok = new Command("sh", {
    args: ["-c", 'test "$1" = "a b;c&d"', "sh", "a b;c&d"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  assert.deepEqual(await ok.status, { success: true, code: 0, signal: null });
  const failed = new Command("false", { stdin: "null" }).spawn();
  assert.deepEqual(await failed.status, {
    success: false,
    code: 1,
    signal: null,
  });
});

Deno.test("nodeCommand: a missing program rejects the status with Deno's error", async () => {
  const child = new Command("/nonexistent/program", { stdin: "null" }).spawn();
  await assert.rejects(child.status, (err) => {
    assert.ok(err instanceof NotFound);
    assert.match(err.message, /spawn '\/nonexistent\/program'$/);
    return true;
  });
});

Deno.test("nodeCommand: piped streams are refused, not half-done", () => {
  assert.throws(
    () => new Command("true", { stdout: "piped" as unknown as "null" }).spawn(),
    TypeError,
  );
});
