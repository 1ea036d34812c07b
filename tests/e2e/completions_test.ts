/**
 * `pilotcli completions bash|zsh|fish`: each script, as the CLI prints it,
 * loaded in the real shell, asked what completing a command line offers.
 *
 * - bash: the script is sourced, COMP_WORDS and COMP_CWORD are set as
 *   readline sets them, the completion function is called, COMPREPLY read.
 * - zsh: the script is sourced with compinit's `compdef` stubbed, `words`,
 *   `CURRENT` and `PREFIX` are set as the completion system sets them, and
 *   `compadd` is replaced by a function that prints the words it is given
 *   that start with the word being completed (what the real compadd would
 *   match).
 * - fish: the script is sourced and `complete -C` asked, as fish itself
 *   does on Tab.
 *
 * The shells come from Debian (`apt-get install zsh fish`; .ci/run installs
 * them when missing).
 */

import assert from "node:assert/strict";
import { completionsShellUnknown } from "../../src/ui/messages.ts";
import { runCli } from "./cli.ts";

const env = {
  authUrl: "http://127.0.0.1:9/realms/pilot",
  configDir: "/nonexistent/pilotcli",
};

/** Command lines, with what completing their last word must offer. */
const CASES: [line: string, offered: string[]][] = [
  ["pilotcli user l", ["login", "logout"]],
  ["pilotcli user login --", [
    "--api-key",
    "--no-qr",
    "--web",
    "--profile",
    "--help",
  ]],
  ["pilotcli user logout --", ["--yes", "--profile", "--help"]],
  ["pilotcli user s", ["status"]],
  ["pilotcli comp", ["completions"]],
  ["pilotcli completions ", ["bash", "zsh", "fish"]],
  ["pilotcli ", ["user", "profile", "api", "completions"]],
  ["pilotcli profile ", ["add", "list", "use", "remove"]],
  // The profiles' names, from `pilotcli profile list --names` (stubbed).
  ["pilotcli user token --profile ", ["alpha", "beta"]],
  ["pilotcli user status --profile a", ["alpha"]],
  ["pilotcli profile use ", ["alpha", "beta"]],
  ["pilotcli profile remove -y b", ["beta"]],
  ["pilotcli -", ["--version", "--help"]],
  // The value of --api-key is the person's: nothing is offered.
  ["pilotcli user login --api-key ", []],
  ["pilotcli user login --api-key x --n", ["--no-qr"]],
  ["pilotcli user token --", ["--min-ttl", "--json", "--profile", "--help"]],
  ["pilotcli nope ", []],
];

/** `pilotcli profile list --names` as the scripts call it, for bash and zsh. */
const STUB = "pilotcli() { printf '%s\\n' alpha beta; }";

async function script(shell: string): Promise<string> {
  const result = await runCli(["completions", shell], env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  return result.stdout;
}

/** Runs `shell args...`, failing with the install hint when it is missing. */
async function run(shell: string, args: string[]): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(shell, {
      args,
      stdin: "null",
      env: { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" },
    }).output();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Error(
      `${shell} is not installed: apt-get install ${shell} (.ci/run does)`,
    );
  }
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `${shell}: ${stderr}`);
  assert.equal(stderr, "", shell);
  return new TextDecoder().decode(output.stdout);
}

/** Words split as the shell splits the line; a trailing space starts a new one. */
function words(line: string): string[] {
  return line.split(" ");
}

/** A shell's words as a single-quoted list. */
function quoted(list: string[]): string {
  return list.map((w) => `'${w}'`).join(" ");
}

async function withScript(
  shell: string,
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pilotcli-completions-" });
  try {
    const path = `${dir}/pilotcli.${shell}`;
    await Deno.writeTextFile(path, await script(shell));
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("bash: the script completes commands and options", async () => {
  await withScript("bash", async (path) => {
    // One shell for every case: each prints its offers on one line.
    const program = [
      `source '${path}'`,
      STUB,
      ...CASES.map(([line]) =>
        `COMP_WORDS=(${
          quoted(words(line))
        }); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _pilotcli; echo "\${COMPREPLY[*]}"`
      ),
      // The function is what bash calls for pilotcli.
      "complete -p pilotcli",
    ].join("\n");
    const lines = (await run("bash", ["--norc", "--noprofile", "-c", program]))
      .split("\n");
    for (const [i, [line, offered]] of CASES.entries()) {
      assert.deepEqual(lines[i].split(" ").filter(Boolean), offered, line);
    }
    assert.equal(lines[CASES.length], "complete -F _pilotcli pilotcli");
  });
});

Deno.test("zsh: the script completes commands and options", async () => {
  await withScript("zsh", async (path) => {
    const program = [
      "compdef() { print -r -- compdef $@ }",
      `source '${path}'`,
      STUB,
      // The words compadd is given (-a: the array named last) that match.
      "compadd() { local -a given=(${(P)${@[-1]}}); print -r -- ${(M)given:#${PREFIX}*} }",
      ...CASES.map(([line]) =>
        `words=(${
          quoted(words(line))
        }); CURRENT=\${#words}; PREFIX=\${words[CURRENT]}; _pilotcli; print -- ---`
      ),
    ].join("\n");
    const lines = (await run("zsh", ["-f", "-c", program])).split("\n");
    assert.equal(lines[0], "compdef _pilotcli pilotcli");
    // A case prints what it offers, then a line "---".
    const offers = lines.slice(1).join("\n").split("---\n")
      .map((text) => text.split(/\s+/).filter(Boolean));
    for (const [i, [line, offered]] of CASES.entries()) {
      assert.deepEqual(offers[i], offered, line);
    }
  });
});

Deno.test("fish: the script completes commands and options", async () => {
  await withScript("fish", async (path) => {
    const program = [
      `source '${path}'`,
      "function pilotcli; printf '%s\\n' alpha beta; end",
      ...CASES.map(([line]) => `complete -C ${quoted([line])}; echo ---`),
    ].join("\n");
    const output = await run("fish", ["--no-config", "-c", program]);
    const offers = output.split("---\n").map((text) =>
      text.split("\n").filter(Boolean).map((entry) => entry.split("\t")[0])
    );
    for (const [i, [line, offered]] of CASES.entries()) {
      // fish sorts what it offers, and shows -y and --yes as it likes.
      assert.deepEqual(
        offers[i].filter((w) => w !== "-y").sort(),
        [...offered].sort(),
        line,
      );
    }
  });
});

Deno.test("pilotcli completions without a shell it knows is a usage error", async () => {
  for (const args of [["completions"], ["completions", "tcsh"]]) {
    const result = await runCli(args, env);
    assert.deepEqual(
      { code: result.code, stdout: result.stdout, stderr: result.stderr },
      {
        code: 2,
        stdout: "",
        stderr: `${completionsShellUnknown(["bash", "zsh", "fish"])}\n`,
      },
    );
  }
});
