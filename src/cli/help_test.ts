import assert from "node:assert/strict";
import type { Context } from "./context.ts";
import { quickAnswer } from "./help.ts";
import { main } from "./main.ts";
import { LOGIN, LOGOUT } from "./spec.ts";

/** Runs main with a context that records stdout and stderr. */
async function capture(args: string[]) {
  let stdout = "";
  let stderr = "";
  const out = { write: (text: string) => void (stdout += text) };
  const err = { write: (text: string) => void (stderr += text) };
  const code = await main(args, ({ signal }) =>
    ({
      stdout: out,
      stderr: err,
      stdin: { release() {} },
      env: { get: () => undefined },
      os: "linux",
      signal,
    }) as unknown as Context);
  return { code, stdout, stderr };
}

Deno.test("main's help is quickAnswer's help, for every route, also after flags", async () => {
  for (
    const route of [[], ["user"], ["user", "login"], ["user", "logout"], [
      "user",
      "status",
    ], ["user", "token"]]
  ) {
    const quick = quickAnswer([...route, "--help"]);
    assert.ok(quick?.startsWith(`Usage: ${["pilotcli", ...route].join(" ")} `));
    // --help wins over whatever comes before it, even a flag missing its value.
    const extra =
      ({ login: ["--api-key"], logout: ["-y"], status: ["--json"] } as Record<
        string,
        string[]
      >)[route.at(-1) ?? ""] ?? [];
    for (const args of [[...route, "--help"], [...route, ...extra, "--help"]]) {
      assert.deepEqual(await capture(args), {
        code: 0,
        stdout: quick,
        stderr: "",
      });
    }
  }
});

Deno.test("help shows every flag of the spec with its brief", () => {
  for (const [route, spec] of [["login", LOGIN], ["logout", LOGOUT]] as const) {
    // A long brief is wrapped onto more lines.
    const help = quickAnswer(["user", route, "--help"])!.replace(/\s+/g, " ");
    for (const flag of Object.values(spec.flags)) {
      assert.ok(help.includes(flag.brief), flag.brief);
    }
  }
  assert.match(quickAnswer(["user", "logout", "--help"])!, /-y, --yes /);
});

Deno.test("help wraps at 78 columns as Click does, under the brief's column", () => {
  for (const route of [[], ["user"], ["user", "login"], ["user", "logout"]]) {
    const help = quickAnswer([...route, "--help"])!;
    for (const line of help.split("\n")) assert.ok(line.length <= 78, line);
  }
  assert.match(
    quickAnswer(["user", "logout", "--help"])!,
    /\n {2}-y, --yes {2}Input Y\/yes to confirm you want to logout, otherwise input N\/no\n {13}to remain logged in\.\n/,
  );
});

Deno.test("quickAnswer leaves anything but help and version to main", () => {
  for (
    const args of [
      ["user", "login"],
      ["user", "login", "--api-key", "-"],
      ["user", "lgoin", "--help"],
      ["--help", "extra"],
      ["user", "--version"],
    ]
  ) {
    assert.equal(quickAnswer(args), undefined, args.join(" "));
  }
});

Deno.test("usage errors name a short option as typed: -k, not --k", async () => {
  for (
    const [args, shown] of [
      [["user", "logout", "-k"], "-k"],
      [["user", "logout", "-yk"], "-k"],
      [["user", "login", "--nope=s3cret"], "--nope"],
    ] as const
  ) {
    const route = args.slice(0, 2).join(" ");
    assert.deepEqual(await capture([...args]), {
      code: 2,
      stdout: "",
      stderr:
        `Usage error: unknown option ${shown}. Run \`pilotcli ${route} --help\` for usage.\n`,
    });
  }
});

Deno.test("a usage error echoes what was typed inert", async () => {
  const { code, stderr } = await capture(["user", "\x1b[2J\u202e\x9b"]);
  assert.equal(code, 2);
  assert.equal(
    stderr,
    'Usage error: unknown command "\\u001b[2J\\u202e\\x9b". Run `pilotcli user --help` for usage.\n',
  );
});
