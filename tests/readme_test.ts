/**
 * The README's command blocks can be copied and run as they stand: each
 * fenced block marked `sh` or `bash` parses with `bash -n` and holds no `$`
 * prompt, every fence says what it holds, and no inline code is split
 * across lines (issue 19).
 */

import assert from "node:assert/strict";

/** A fenced block of a Markdown text. */
export interface FencedBlock {
  /** The block's info string: `sh`, `console`, `text`, ... or "". */
  lang: string;
  /** The 1-based line of its opening fence. */
  line: number;
  /** Its content, without the fences. */
  text: string;
}

/** The languages whose blocks are commands to copy. */
const COMMAND_LANGS = new Set(["sh", "bash"]);

/** Every fenced (```) block of `markdown`, in order. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: { lang: string; line: number; lines: string[] } | undefined;
  markdown.split("\n").forEach((text, index) => {
    const fence = text.match(/^```\s*(\S*)/);
    if (!open) {
      if (fence) open = { lang: fence[1], line: index + 1, lines: [] };
    } else if (fence && fence[1] === "") {
      blocks.push({
        lang: open.lang,
        line: open.line,
        text: open.lines.join("\n"),
      });
      open = undefined;
    } else {
      open.lines.push(text);
    }
  });
  if (open) {
    throw new Error(`README: the block of line ${open.line} is never closed`);
  }
  return blocks;
}

/** The blocks meant to be copied and run. */
export function commandBlocks(markdown: string): FencedBlock[] {
  return fencedBlocks(markdown).filter((block) =>
    COMMAND_LANGS.has(block.lang)
  );
}

/** What `bash -n` says about `script`, or undefined when it parses. */
export async function bashSyntaxError(
  script: string,
): Promise<string | undefined> {
  const child = new Deno.Command("bash", {
    args: ["-n"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(`${script}\n`));
  await writer.close();
  const { code, stderr } = await child.output();
  return code === 0 ? undefined : new TextDecoder().decode(stderr).trim();
}

/** The lines outside fenced blocks whose inline code is left open. */
export function splitInlineCode(markdown: string): number[] {
  const lines: number[] = [];
  let inFence = false;
  markdown.split("\n").forEach((text, index) => {
    if (/^```/.test(text)) {
      inFence = !inFence;
      return;
    }
    if (inFence) return;
    // A span opened on a line and closed on the next leaves each with an odd
    // count of backticks.
    if ((text.match(/`/g) ?? []).length % 2 === 1) lines.push(index + 1);
  });
  return lines;
}

const README = await Deno.readTextFile(
  new URL("../README.md", import.meta.url),
);

Deno.test("README: every sh or bash block parses with bash -n", async () => {
  const blocks = commandBlocks(README);
  // Install, first login, configuration, completions, development at least.
  assert.ok(blocks.length >= 5, `only ${blocks.length} command blocks`);
  for (const block of blocks) {
    const error = await bashSyntaxError(block.text);
    assert.equal(error, undefined, `README line ${block.line}: ${error}`);
  }
});

Deno.test("README: no command block has a $ prompt", () => {
  for (const block of commandBlocks(README)) {
    for (const line of block.text.split("\n")) {
      assert.doesNotMatch(
        line,
        /^\s*\$ /,
        `README block of line ${block.line}`,
      );
    }
  }
});

Deno.test("README: every fenced block says what it holds", () => {
  for (const block of fencedBlocks(README)) {
    assert.notEqual(block.lang, "", `README block of line ${block.line}`);
  }
});

Deno.test("README: no inline code is split across lines", () => {
  assert.deepEqual(splitInlineCode(README), []);
});

Deno.test("README: nothing names the registry or the machine it was built on", () => {
  for (const word of [/\bJSR\b/, /out of reach/i, /\bjsr:/]) {
    assert.doesNotMatch(README, word);
  }
});

const BAD_SAMPLE = [
  "# Sample",
  "",
  "```sh",
  "echo fine",
  "```",
  "",
  "```console",
  '$ echo "a transcript is not checked',
  "```",
  "",
  "```bash",
  'pilotcli user login --api-key "unclosed',
  "if true; then",
  "```",
  "",
  "Copy `echo y | pilotcli user",
  "logout` to log out.",
  "",
].join("\n");

Deno.test("readme test: a broken block fails bash -n, a good one passes", async () => {
  const blocks = commandBlocks(BAD_SAMPLE);
  assert.deepEqual(blocks.map((block) => [block.lang, block.line]), [
    ["sh", 3],
    ["bash", 11],
  ]);
  assert.equal(await bashSyntaxError(blocks[0].text), undefined);
  const error = await bashSyntaxError(blocks[1].text);
  assert.ok(error, "bash -n accepted a broken block");
  assert.match(error, /unexpected end of file|matching/);
});

Deno.test("readme test: inline code split across lines is found", () => {
  assert.deepEqual(splitInlineCode(BAD_SAMPLE), [16, 17]);
  assert.deepEqual(splitInlineCode("one `code` and `more`\n```sh\n`\n```"), []);
});

Deno.test("readme test: an unclosed fence is an error", () => {
  assert.throws(() => fencedBlocks("```sh\necho\n"), /never closed/);
});
