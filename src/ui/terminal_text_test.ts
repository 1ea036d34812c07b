import assert from "node:assert/strict";
import { inert, inertJson } from "./terminal_text.ts";

/** Every character a terminal acts on, by the list. */
const ACTIVE = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  0x7f,
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x061c,
  0x200e,
  0x200f,
  0x2028,
  0x2029,
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e,
  0x2066,
  0x2067,
  0x2068,
  0x2069,
].map((code) => String.fromCharCode(code));

Deno.test("inert writes every control and bidirectional character as its escape", () => {
  for (const char of ACTIVE) {
    const out = inert(`a${char}b`);
    assert.match(
      out,
      /^a\\(x[0-9a-f]{2}|u[0-9a-f]{4})b$/,
      JSON.stringify(char),
    );
  }
  assert.equal(inert("\x1b[2J\rWelcome"), "\\x1b[2J\\x0dWelcome");
  assert.equal(inert("a\tb\nc"), "a\\x09b\\x0ac");
  assert.equal(inert("\x9b31m\x7f"), "\\x9b31m\\x7f");
  assert.equal(inert("abc\u202Egnp.exe"), "abc\\u202egnp.exe");
  // OSC 52 (write the clipboard) and OSC 8 (a link) lose their ESC and BEL.
  assert.equal(
    inert("\x1b]52;c;cm0gLXJm\x07"),
    "\\x1b]52;c;cm0gLXJm\\x07",
  );
});

Deno.test("inert keeps ordinary text, non-ASCII letters included", () => {
  for (
    const text of [
      "https://iam.example.org/realms/pilot/device?user_code=WDJB-MJHT",
      "WDJB-MJHT",
      "Zoë Ångström",
      "名前",
      "emoji 🙂",
      "",
    ]
  ) {
    assert.equal(inert(text), text);
  }
});

Deno.test("inert output holds no character a terminal acts on", () => {
  const all = ACTIVE.join("");
  const out = inert(`x${all}y`);
  for (const char of ACTIVE) assert.equal(out.includes(char), false);
});

Deno.test("inertJson keeps exact values and escapes every control", () => {
  const value = {
    username: "alice\x1b[2K\nroot\u202E\x85\x7f",
    n: 1,
    list: ["\u2066x\u2069"],
  };
  const text = inertJson(value);
  assert.deepEqual(JSON.parse(text), value);
  // Newlines only between the lines of the indented output.
  assert.equal(
    text.split("\n").length,
    JSON.stringify(value, null, 2).split("\n").length,
  );
  for (const char of ACTIVE.filter((c) => c !== "\n")) {
    assert.equal(text.includes(char), false, JSON.stringify(char));
  }
  assert.match(text, /\\u202e\\u0085\\u007f/);
  // Without such characters it is JSON.stringify's indented output.
  const plain = { a: "b", c: [1, 2] };
  assert.equal(inertJson(plain), JSON.stringify(plain, null, 2));
});
