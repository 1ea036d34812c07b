import assert from "node:assert/strict";
import { CliError, EXIT_USAGE } from "../errors.ts";
import { completionsShellUnknown } from "../ui/messages.ts";
import { completionsCommand, completionScript } from "./completions.ts";
import type { Context } from "./context.ts";
import { type GroupSpec, SHELLS } from "./spec.ts";

/** A tree with a command, flags and a value option the real one lacks. */
const TREE: GroupSpec = {
  brief: "root",
  routes: {
    project: {
      brief: "Projects.",
      routes: {
        list: {
          brief: "List the projects.",
          flags: {
            ownerName: { kind: "parsed", placeholder: "NAME", brief: "Whose." },
            all: { kind: "boolean", brief: "Every one." },
          },
          aliases: { a: "all" },
        },
      },
    },
  },
};

Deno.test("completionScript: every shell's script comes from the spec", () => {
  for (const shell of SHELLS) {
    const script = completionScript(shell, TREE);
    const words = shell === "fish"
      ? ["-a 'project'", "-a 'list'", "-l owner-name -r", "-s a -l all"]
      : ["'project", "list", "--owner-name", "--all", "-a", "--help"];
    for (const word of words) {
      assert.ok(script.includes(word), `${shell}: ${word}`);
    }
    // The value option's value is skipped, wherever the option is.
    assert.match(
      script,
      /--owner-name\)? skip=1|'--owner-name'\n\s+set skip 1/,
    );
    for (const word of ["login", "api-key", "logout"]) {
      assert.ok(!script.includes(word), `${shell}: ${word}`);
    }
  }
});

Deno.test("completionScript: help lines are quoted for the shell", () => {
  const tree: GroupSpec = {
    brief: "root",
    routes: { go: { brief: "It's \\ here.", flags: {} } },
  };
  assert.ok(completionScript("zsh", tree).includes(`-- It'\\''s \\ here.'`));
  assert.ok(completionScript("fish", tree).includes(`-d 'It\\'s \\\\ here.'`));
});

Deno.test("completionsCommand: a shell it does not know is a usage error", async () => {
  let stdout = "";
  const ctx = { stdout: { write: (t: string) => void (stdout += t) } };
  for (const shell of [undefined, "tcsh", "Bash"]) {
    await assert.rejects(
      async () =>
        await completionsCommand.call(ctx as unknown as Context, {}, shell),
      (error) =>
        error instanceof CliError && error.exitCode === EXIT_USAGE &&
        error.message === completionsShellUnknown(SHELLS),
    );
  }
  await completionsCommand.call(ctx as unknown as Context, {}, "fish");
  assert.equal(stdout, completionScript("fish"));
});
