/**
 * A stored session outside the rules a token response must meet (issue 12,
 * point 5) is a corrupt session, moved aside, on Deno from source, the Deno
 * bundle and Node: an expiry a Date cannot hold made `user status` fail
 * "unexpectedly", and a token with CR/LF was printed by `user token`.
 */

import assert from "node:assert/strict";
import type { Session } from "../../src/session/session.ts";
import { SESSION_INVALID } from "../../src/ui/messages.ts";
import { RUNTIMES } from "./cli.ts";
import { apiKeyLogin, withWorld } from "./harness.ts";

/** Replaces the stored session's `field` with `value`, keeping the rest. */
async function tamper(
  path: string,
  field: keyof Session,
  value: unknown,
): Promise<void> {
  const session = JSON.parse(await Deno.readTextFile(path));
  await Deno.writeTextFile(
    path,
    JSON.stringify({ ...session, [field]: value }, null, 2),
  );
}

const CASES: {
  name: string;
  field: keyof Session;
  value: unknown;
  command: string[];
}[] = [
  {
    name: "a stored expiry of 9e15",
    field: "accessTokenExpiresAt",
    value: 9e15,
    command: ["user", "status"],
  },
  {
    name: "a stored access token with CR/LF",
    field: "accessToken",
    value: "abc\r\nX-Injected: 1",
    command: ["user", "token"],
  },
];

for (const runtime of RUNTIMES) {
  for (const { name, field, value, command } of CASES) {
    Deno.test(`${name} is a corrupt session for \`${command.join(" ")}\`, never printed [${runtime}]`, async () => {
      await withWorld({ runtime }, async (world) => {
        await apiKeyLogin(world);
        await tamper(world.sessionPath, field, value);
        const result = await world.cli(command);
        assert.equal(result.code, 1);
        assert.equal(result.stdout, "");
        assert.ok(
          result.stderr.endsWith(`${SESSION_INVALID}\n`),
          result.stderr,
        );
        assert.ok(
          result.stderr.includes(`"${field}" must be`),
          result.stderr,
        );
        assert.doesNotMatch(result.stderr, /unexpectedly|X-Injected/);
        const names = [...Deno.readDirSync(world.configDir)].map((e) => e.name);
        assert.ok(!names.includes("session.json"), names.join(", "));
        assert.ok(
          names.some((n) => n.startsWith("session.json.corrupt-")),
          names.join(", "),
        );
      });
    });
  }
}
