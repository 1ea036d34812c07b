import assert from "node:assert/strict";
import {
  InvalidValueError,
  MissingValueError,
  parseArgs,
  RepeatedFlagError,
  UnexpectedArgumentError,
  UnknownCommandError,
  UnknownOptionError,
  usageLines,
  ValueLooksLikeOptionError,
} from "./parse.ts";
import { COMPLETIONS, LOGIN, ROOT, USER } from "./spec.ts";

Deno.test("parseArgs: a command's flags, in every form the parser takes", () => {
  for (
    const args of [
      ["--api-key", "k", "--no-qr"],
      ["--api-key=k", "--noQr"],
      ["--apiKey", "k", "--no-qr=true"],
      ["--api-Key=k", "--no-qr=YES"],
    ]
  ) {
    assert.deepEqual(parseArgs(["user", "login", ...args]), {
      kind: "run",
      route: "user login",
      flags: { apiKey: "k", noQr: true },
      positional: [],
    }, args.join(" "));
  }
  // A value may be anything that is no option: "-" reads standard input.
  assert.deepEqual(parseArgs(["user", "login", "--api-key", "-"]), {
    kind: "run",
    route: "user login",
    flags: { apiKey: "-" },
    positional: [],
  });
  for (const args of [["-y"], ["--yes"], ["-y=1"], ["--yes=on"]]) {
    assert.deepEqual(parseArgs(["user", "logout", ...args]), {
      kind: "run",
      route: "user logout",
      flags: { yes: true },
      positional: [],
    }, args.join(" "));
  }
  assert.deepEqual(parseArgs(["user", "logout", "-y=no"]), {
    kind: "run",
    route: "user logout",
    flags: { yes: false },
    positional: [],
  });
  assert.deepEqual(parseArgs(["completions", "zsh"]), {
    kind: "run",
    route: "completions",
    flags: {},
    positional: ["zsh"],
  });
  // The shell is checked by the command, which names the choices.
  assert.deepEqual(parseArgs(["completions"]), {
    kind: "run",
    route: "completions",
    flags: {},
    positional: [],
  });
});

Deno.test("parseArgs: help and version", () => {
  assert.deepEqual(parseArgs([]), {
    kind: "help",
    target: ROOT,
    prefix: ["pilotcli"],
  });
  assert.deepEqual(parseArgs(["user"]), {
    kind: "help",
    target: USER,
    prefix: ["pilotcli", "user"],
  });
  // --help wins wherever it stands after the route, before it too.
  for (
    const args of [
      ["user", "login", "--help"],
      ["user", "login", "--api-key", "--help"],
      ["user", "login", "extra", "--nope", "--help"],
    ]
  ) {
    assert.deepEqual(parseArgs(args), {
      kind: "help",
      target: LOGIN,
      prefix: ["pilotcli", "user", "login"],
    }, args.join(" "));
  }
  assert.deepEqual(parseArgs(["--help", "completions"]), {
    kind: "help",
    target: ROOT,
    prefix: ["pilotcli"],
  });
  assert.deepEqual(parseArgs(["completions", "bash", "--help"]), {
    kind: "help",
    target: COMPLETIONS,
    prefix: ["pilotcli", "completions"],
  });
  assert.deepEqual(parseArgs(["--version"]), { kind: "version" });
  assert.deepEqual(parseArgs(["--version", "user"]), { kind: "version" });
});

Deno.test("parseArgs: each usage error, typed, with its line", () => {
  const cases: [string[], new (...args: never[]) => Error, string][] = [
    [
      ["user", "lgoin", "--help"],
      UnknownCommandError,
      'unknown command "lgoin"',
    ],
    [["user", "--version"], UnknownCommandError, 'unknown command "--version"'],
    [
      ["user", "login", "--apikey=s3cret"],
      UnknownOptionError,
      "unknown option --apikey",
    ],
    [
      ["user", "login", "--version"],
      UnknownOptionError,
      "unknown option --version",
    ],
    [
      ["user", "login", "--no-web"],
      UnknownOptionError,
      "unknown option --no-web",
    ],
    [["user", "logout", "-yk"], UnknownOptionError, "unknown option -k"],
    [["user", "logout", "-Y"], UnknownOptionError, "unknown option -Y"],
    [
      ["user", "login", "--api-key"],
      MissingValueError,
      "--api-key needs a value",
    ],
    [
      ["user", "login", "--api-key", "--web"],
      MissingValueError,
      "--api-key needs a value",
    ],
    [
      ["user", "login", "--api-key", "--x1Y2"],
      ValueLooksLikeOptionError,
      "--api-key needs a value (a value that starts with - goes as --api-key=VALUE)",
    ],
    [
      ["user", "status", "--json", "--json=1"],
      RepeatedFlagError,
      "--json was given more than once",
    ],
    [
      ["user", "token", "extra"],
      UnexpectedArgumentError,
      "this command takes no arguments",
    ],
    [
      ["completions", "bash", "zsh"],
      UnexpectedArgumentError,
      "this command takes no arguments",
    ],
    [
      ["user", "status", "--json=maybe"],
      InvalidValueError,
      "the arguments are not valid",
    ],
  ];
  for (const [args, type, detail] of cases) {
    const parsed = parseArgs(args);
    assert.equal(parsed.kind, "usage", args.join(" "));
    if (parsed.kind !== "usage") continue;
    assert.equal(parsed.errors.length, 1, args.join(" "));
    assert.ok(parsed.errors[0] instanceof type, args.join(" "));
    assert.equal(parsed.errors[0].detail, detail);
  }
});

Deno.test("usageLines: one line per error, pointing at the right --help, inert and without values", () => {
  const args = ["user", "login", "--web=maybe", "--no-qr=perhaps"];
  const parsed = parseArgs(args);
  assert.equal(parsed.kind, "usage");
  if (parsed.kind !== "usage") return;
  assert.equal(
    usageLines(parsed.errors, args),
    "Usage error: the arguments are not valid. Run `pilotcli user login --help` for usage.\n"
      .repeat(2),
  );
  const hostile = ["user", "\x1b[2J"];
  const unknown = parseArgs(hostile);
  assert.equal(unknown.kind, "usage");
  if (unknown.kind !== "usage") return;
  assert.equal(
    usageLines(unknown.errors, hostile),
    'Usage error: unknown command "\\u001b[2J". Run `pilotcli user --help` for usage.\n',
  );
});

Deno.test("parseArgs: api takes any PATH and repeatable -H and -f, in order", () => {
  assert.deepEqual(
    parseArgs([
      "api",
      "/v1/x?a=1",
      "-H",
      "A: 1",
      "--header=B: 2",
      "-f",
      "k=v",
      "-X",
      "PUT",
      "-i",
    ]),
    {
      kind: "run",
      route: "api",
      flags: {
        method: "PUT",
        header: ["A: 1", "B: 2"],
        field: ["k=v"],
        include: true,
      },
      positional: ["/v1/x?a=1"],
    },
  );
  // Flags that are not repeatable still are not.
  assert.deepEqual(parseArgs(["api", "/x", "-X", "GET", "-X", "PUT"]), {
    kind: "usage",
    errors: [new RepeatedFlagError("--method")],
  });
  assert.deepEqual(parseArgs(["api", "/x", "/y"]), {
    kind: "usage",
    errors: [new UnexpectedArgumentError()],
  });
});
