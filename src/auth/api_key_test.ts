import assert from "node:assert/strict";
import { redact } from "../redact.ts";
import { exchangeApiKey } from "./api_key.ts";

Deno.test("exchangeApiKey: the key's path segment holds unreserved characters and escapes only", async () => {
  let requested = "";
  const fetch = (input: string | URL | Request) => {
    requested = String(input);
    return Promise.resolve(new Response("{}", { status: 404 }));
  };
  // Short, so it is not registered as a secret, and with the characters
  // encodeURIComponent leaves that end redact()'s URL match.
  const key = "a'b(c)d!e*";
  await assert.rejects(
    exchangeApiKey("https://iam.example.org/realms/pilot", key, {
      fetch,
      nowSeconds: () => 0,
    }),
  );
  const segment = requested.slice(requested.lastIndexOf("/") + 1);
  assert.match(segment, /^[A-Za-z0-9%._~-]+$/);
  assert.equal(decodeURIComponent(segment), key);
  assert.equal(
    redact(`error sending request for url (${requested})`),
    "error sending request for url (https://iam.example.org/realms/pilot/api-key/[redacted])",
  );
});
