/**
 * What reaches the terminal, on Deno from source, bundled, and on Node:
 * server text is shown inert (a hostile user name, a hostile user code), a
 * link too long for a QR code is shown without one and the login goes on, a
 * closed stdout ends quietly, and PILOT_AUTH_URL and usage errors are
 * echoed as typed, without credentials.
 */

import assert from "node:assert/strict";
import { approveOverHttp } from "../idp/person_http.ts";
import {
  authUrlNotUsable,
  authUrlNotValid,
  DEVICE_DENIED,
  QR_LEFT_OUT,
  TRYING_DEVICE_CODE,
  WAITING,
  WELCOME,
} from "../../src/ui/messages.ts";
import { inert } from "../../src/ui/terminal_text.ts";
import { type CliResult, runCli, RUNTIMES } from "./cli.ts";
import { API_KEY, apiKeyLogin, exists, USER, withWorld } from "./harness.ts";

/** What a run showed the person: exit code and output, not its timing. */
function outcome({ code, stdout, stderr }: CliResult) {
  return { code, stdout, stderr };
}

/** Every line of `text` is inert: no character in it acts on a terminal. */
function assertInert(text: string): void {
  for (const line of text.split("\n")) assert.equal(inert(line), line);
}

/**
 * Clears the screen, writes the success line over it, sets the clipboard
 * (OSC 52), draws a fake link (OSC 8), hides what follows, turns the text
 * right to left, and adds a line.
 */
const HOSTILE = "\x1b[2J\x1b[H\r" + WELCOME +
  "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]8;;https://evil.example/\x07here\x1b]8;;\x07" +
  "\x1b[8m\u202e\x9b2K\x7f\nLogged in as root";

/** The device authorization answer the server really made. */
interface RealAnswer {
  verification_uri: string;
  verification_uri_complete: string;
  user_code: string;
}

for (const runtime of RUNTIMES) {
  Deno.test(`user status shows a hostile user name inert; --json keeps it exact [${runtime}]`, async () => {
    const name = `alice${HOSTILE}`;
    await withWorld(
      { runtime, apiKeys: { [API_KEY]: name } },
      async (world) => {
        const session = await apiKeyLogin(world);
        assert.equal(session.username, name);
        const text = await world.cli(["user", "status"]);
        assert.equal(text.code, 0, text.stderr);
        assert.equal(text.stderr, "");
        assertInert(text.stdout);
        const lines = text.stdout.split("\n");
        assert.equal(lines.length, 5, text.stdout);
        assert.equal(lines[0], `Logged in as ${inert(name)} (method: api-key)`);
        assert.ok(
          lines[0].startsWith("Logged in as alice\\x1b[2J\\x1b[H\\x0d"),
        );

        const json = await world.cli(["user", "status", "--json"]);
        assert.equal(json.code, 0, json.stderr);
        assert.equal(JSON.parse(json.stdout).username, name);
        // Newlines only between the JSON's own lines.
        assertInert(json.stdout);
        assert.ok(json.stdout.includes("\\u202e\\u009b2K\\u007f\\nLogged"));
      },
    );
  });

  Deno.test(`a hostile user code is shown inert and a failed login ends on its error line [${runtime}]`, async () => {
    let real: RealAnswer | undefined;
    await withWorld({
      runtime,
      rewriteDeviceAuthorization(body) {
        real = body as unknown as RealAnswer;
        const { verification_uri_complete: _, ...rest } = body;
        return { ...rest, user_code: HOSTILE };
      },
    }, async (world) => {
      const cli = world.spawn(["user", "login", "--no-qr"]);
      await cli.waitForStderr(new RegExp(WAITING));
      assert.ok(real);
      await approveOverHttp(real.verification_uri, {
        ...USER,
        userCode: real.user_code,
        deny: true,
      });
      const result = await cli.result();
      assert.deepEqual(outcome(result), {
        code: 1,
        stdout: "",
        stderr: [
          TRYING_DEVICE_CODE,
          `Open this link to log in: ${real.verification_uri}`,
          `and enter the code: ${inert(HOSTILE)}`,
          WAITING,
          DEVICE_DENIED,
          "",
        ].join("\n"),
      });
      assertInert(result.stderr);
      assert.equal(await exists(world.sessionPath), false);
    });
  });

  Deno.test(`a link too long for a QR code is shown without one, and the login goes on [${runtime}]`, async () => {
    let real: RealAnswer | undefined;
    let long = "";
    await withWorld({
      runtime,
      rewriteDeviceAuthorization(body) {
        real = body as unknown as RealAnswer;
        // Over the 2331 bytes of the largest QR code at level M.
        long = `${real.verification_uri_complete}&pad=${"x".repeat(2400)}`;
        return { ...body, verification_uri_complete: long };
      },
    }, async (world) => {
      const cli = world.spawn(["user", "login"]);
      await cli.waitForStderr(new RegExp(WAITING));
      assert.ok(real);
      await approveOverHttp(real.verification_uri_complete, USER);
      assert.deepEqual(outcome(await cli.result()), {
        code: 0,
        stdout: "",
        stderr: [
          TRYING_DEVICE_CODE,
          `Open this link to log in: ${long}`,
          QR_LEFT_OUT,
          WAITING,
          WELCOME,
          "",
        ].join("\n"),
      });
      assert.equal((await world.session()).method, "device-code");
    });
  });

  Deno.test(`a closed stdout ends quietly, exit 0 [${runtime}]`, async () => {
    await withWorld({ runtime }, async (world) => {
      await apiKeyLogin(world);
      for (
        const args of [
          ["user", "status"],
          ["user", "status", "--json"],
          ["user", "token"],
          ["--help"],
        ]
      ) {
        const result = await world.cli(args, { closeStdout: true });
        assert.deepEqual(
          outcome(result),
          { code: 0, stdout: "", stderr: "" },
          args.join(" "),
        );
      }
    });
  });

  Deno.test(`PILOT_AUTH_URL and usage errors are echoed as typed, without credentials [${runtime}]`, async () => {
    const options = {
      authUrl: "http://127.0.0.1:9/realms/pilot",
      configDir: "/nonexistent/pilotcli",
      runtime,
    };
    const cases: [string[], Record<string, string>, number, string][] = [
      [
        ["user", "status"],
        {
          PILOT_AUTH_URL:
            "https://alice:s3cret@iam.example.org:99999/realms/pilot",
        },
        1,
        authUrlNotValid(
          "https://[redacted]@iam.example.org:99999/realms/pilot",
        ),
      ],
      [
        ["user", "token"],
        { PILOT_AUTH_URL: "javascript:alert(1)" },
        1,
        authUrlNotUsable("javascript:alert(1)"),
      ],
      [
        ["user", "logout", "-k"],
        {},
        2,
        "Usage error: unknown option -k. Run `pilotcli user logout --help` for usage.",
      ],
    ];
    for (const [args, env, code, line] of cases) {
      const result = await runCli(args, { ...options, env });
      assert.deepEqual(outcome(result), {
        code,
        stdout: "",
        stderr: `${line}\n`,
      });
    }
  });
}
