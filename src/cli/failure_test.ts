import assert from "node:assert/strict";
import { DiscoveryError } from "../auth/discovery.ts";
import { NetworkError, ProtocolError } from "../auth/http.ts";
import { TokenResponseError } from "../auth/tokens.ts";
import { CliError } from "../errors.ts";
import { asCliError } from "./failure.ts";

Deno.test("asCliError turns every server failure into one line starting with the action", () => {
  for (
    const error of [
      new NetworkError("the token endpoint", true),
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
