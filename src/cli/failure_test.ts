import assert from "node:assert/strict";
import { DiscoveryError, parseDiscovery } from "../auth/discovery.ts";
import { ProtocolError } from "../auth/http.ts";
import { TokenResponseError } from "../auth/tokens.ts";
import { CliError, ServerUnreachable } from "../errors.ts";
import { inert } from "../ui/terminal_text.ts";
import { asCliError, formatFailure } from "./failure.ts";

Deno.test("asCliError turns every server failure into one line starting with the action", () => {
  for (
    const error of [
      new ServerUnreachable(
        "https://iam.example.org",
        "the token endpoint at iam.example.org did not answer in time",
        true,
      ),
      new ProtocolError(
        "the token endpoint answered HTTP 502 without a JSON object",
        502,
      ),
      new DiscoveryError("token_endpoint is missing"),
      new TokenResponseError("access_token is missing"),
    ]
  ) {
    const mapped = asCliError(error, "Could not use the session");
    assert.ok(mapped instanceof CliError, error.name);
    assert.ok(
      mapped.message.startsWith(
        `Could not use the session: ${error.message}. `,
      ),
    );
    assert.equal(mapped.message.includes("\n"), false);
  }
});

Deno.test("asCliError passes CliErrors, abort reasons and unknown errors through", () => {
  const cli = new CliError("x");
  assert.equal(asCliError(cli, "a"), cli);
  const other = new TypeError("bug");
  assert.equal(asCliError(other, "a"), other);
  assert.equal(asCliError("reason", "a"), "reason");
});

Deno.test("formatFailure shows server text inert: one line, nothing a terminal acts on", () => {
  const hostile =
    "denied\x1b[2K\r\nWelcome to the Pilot Command Line Interface!\x1b]52;c;eA==\x07\u202e\x9b";
  for (
    const error of [
      new CliError(`Failed to log in: the server said ${hostile}`),
      new TypeError(hostile),
      asCliError(new ProtocolError(hostile, 500), "Could not use the session"),
    ]
  ) {
    const line = formatFailure(error, false);
    assert.equal(inert(line), line);
    assert.ok(line.includes("denied\\x1b[2K\\x0d\\x0aWelcome"), line);
    for (const traceLine of formatFailure(error, true).split("\n")) {
      assert.equal(inert(traceLine), traceLine);
    }
  }
});

Deno.test("asCliError gives the advice once for a realm whose issuer differs", () => {
  let error: unknown;
  try {
    parseDiscovery(
      { issuer: "https://other.example.org/realms/pilot" },
      "https://iam.example.org/realms/pilot",
    );
  } catch (caught) {
    error = caught;
  }
  const mapped = asCliError(error, "Login failed");
  assert.ok(mapped instanceof CliError);
  assert.equal(
    mapped.message,
    "Login failed: the discovery document is not usable: its issuer is not https://iam.example.org/realms/pilot. Check PILOT_AUTH_URL; if it is right, the server is having trouble: try again later.",
  );
});
