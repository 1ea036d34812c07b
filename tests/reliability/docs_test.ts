/**
 * docs/reliability.md shows what the reliability tests assert: the whole
 * fault matrix and its lines, as fault_cases.ts renders them, the exact
 * line of every file attack, and the hostile-server table, as
 * hostile_cases.ts renders it. (`deno fmt` pads Markdown tables and wraps
 * long lines: the comparison ignores layout.)
 */

import assert from "node:assert/strict";
import { SESSION_INVALID } from "../../src/ui/messages.ts";
import { matrixMarkdown } from "./fault_cases.ts";
import { ATTACKS } from "./file_attack_cases.ts";
import { EXAMPLE_DIR, hostileMarkdown } from "./hostile_cases.ts";

const DOC = new URL("../../docs/reliability.md", import.meta.url);

/** Markdown with its layout gone: `deno fmt` pads tables and wraps lines. */
function normal(markdown: string): string {
  return markdown.replace(/-{3,}/g, "---").replace(/\s+/g, " ").trim();
}

Deno.test("docs/reliability.md shows the fault matrix the tests assert", async () => {
  const doc = normal(await Deno.readTextFile(DOC));
  const matrix = normal(matrixMarkdown());
  assert.ok(
    doc.includes(matrix),
    "docs/reliability.md does not show the fault matrix of fault_cases.ts: " +
      "paste the output of `deno run tests/reliability/fault_cases.ts`",
  );
});

Deno.test("docs/reliability.md shows the line of every file attack", async () => {
  const doc = normal(await Deno.readTextFile(DOC));
  for (const attack of ATTACKS) {
    const line = attack.line(EXAMPLE_DIR, `${EXAMPLE_DIR}/session.json`);
    assert.ok(doc.includes(normal(line)), `missing: ${line}`);
  }
  assert.ok(doc.includes(SESSION_INVALID));
});

Deno.test("docs/reliability.md shows the hostile-server table the tests assert", async () => {
  const doc = normal(await Deno.readTextFile(DOC));
  assert.ok(
    doc.includes(normal(hostileMarkdown())),
    "docs/reliability.md does not show the table of hostile_cases.ts: " +
      "paste the output of `deno run tests/reliability/hostile_cases.ts`",
  );
});
