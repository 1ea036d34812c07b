import assert from "node:assert/strict";
import { verificationLines } from "./messages.ts";
import { inert } from "./terminal_text.ts";

Deno.test("verificationLines: an ordinary link and code are shown as they are", () => {
  const link = "https://iam.example.org/realms/pilot/device";
  assert.deepEqual(
    verificationLines(`${link}?user_code=WDJB-MJHT`, undefined),
    [
      `Open this link to log in: ${link}?user_code=WDJB-MJHT`,
    ],
  );
  assert.deepEqual(verificationLines(link, "WDJB-MJHT"), [
    `Open this link to log in: ${link}`,
    "and enter the code: WDJB-MJHT",
  ]);
});

Deno.test("verificationLines: a hostile link and code cannot act on the terminal", () => {
  // A fake clickable link (OSC 8), the clipboard (OSC 52), a line rewritten.
  const link =
    "https://iam.example.org/d\x1b]8;;https://evil.example/\x07x\x1b]8;;\x07\x1b]52;c;eA==\x07";
  const code =
    "ABCD\r\x1b[2KWelcome to the Pilot Command Line Interface!\n\u202e";
  const lines = verificationLines(link, code);
  assert.equal(lines.length, 2);
  for (const line of lines) assert.equal(inert(line), line);
  assert.equal(
    lines[1],
    "and enter the code: ABCD\\x0d\\x1b[2KWelcome to the Pilot Command Line Interface!\\x0a\\u202e",
  );
});
