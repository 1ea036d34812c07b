import assert from "node:assert/strict";
import { decode, type Theme, toModules } from "../../tests/qr_reader.ts";
import { QrTooLongError, renderQr } from "./qr.ts";

/** Realistic `verification_uri_complete` from the local test IdP. */
const DEVICE_URL =
  "http://127.0.0.1:43123/realms/pilot/device?user_code=WDJB-MJHT";
/** A long (~120 characters) https URL. */
const LONG_URL = "https://login.pilot.example.com/realms/pilot-production" +
  "/protocol/openid-connect/auth/device?user_code=WDJB-MJHT&lang=en-US";

const GLYPHS = new Set(["▀", "▄", "█", " "]);

/** Characters of `line` (code points, not UTF-16 units). */
function chars(line: string): string[] {
  return [...line];
}

// Which theme shows each variant with correct polarity (dark modules dark),
// so it must decode without inversion; the other theme relies on inversion.
const CASES: { invert: boolean; native: Theme; inverted: Theme }[] = [
  { invert: false, native: "dark", inverted: "light" },
  { invert: true, native: "light", inverted: "dark" },
];

for (
  const [name, url] of [["device URL", DEVICE_URL], ["long URL", LONG_URL]]
) {
  for (const { invert, native, inverted } of CASES) {
    Deno.test(`renderQr() ${name}, invert=${invert}: ${native} theme decodes without inversion`, async () => {
      const rendered = await renderQr(url, { invert });
      assert.equal(decode(rendered, native, "dontInvert"), url);
    });

    Deno.test(`renderQr() ${name}, invert=${invert}: ${inverted} theme decodes with inversion`, async () => {
      const rendered = await renderQr(url, { invert });
      assert.equal(decode(rendered, inverted, "attemptBoth"), url);
      // Sanity check of the harness: this theme really is the inverted one.
      assert.equal(decode(rendered, inverted, "dontInvert"), null);
    });
  }
}

Deno.test("renderQr() test URLs have the intended lengths", () => {
  assert.ok(
    LONG_URL.length >= 115 && LONG_URL.length <= 130,
    `${LONG_URL.length}`,
  );
});

Deno.test("renderQr() uses only half blocks and spaces, in a rectangle", async () => {
  for (const invert of [false, true]) {
    const rendered = await renderQr(LONG_URL, { invert });
    assert.ok(!rendered.endsWith("\n"));
    assert.ok(!rendered.includes("\r"));
    const lines = rendered.split("\n");
    const width = chars(lines[0]).length;
    for (const line of lines) {
      assert.equal(chars(line).length, width);
      for (const ch of chars(line)) {
        assert.ok(GLYPHS.has(ch), `unexpected character ${JSON.stringify(ch)}`);
      }
    }
    // Two modules per line: lines = ceil(width / 2) for a square symbol.
    assert.equal(lines.length, Math.ceil(width / 2));
  }
});

Deno.test("renderQr() draws the default 2-module quiet zone", async () => {
  // Version 4 (33 modules) + 2 * 2 quiet modules = 37 columns, 19 lines.
  const rendered = await renderQr(DEVICE_URL);
  const lines = rendered.split("\n").map(chars);
  assert.equal(lines[0].length, 37);
  assert.equal(lines.length, 19);
  // Light modules are glyphs by default, so the quiet zone is all █.
  assert.ok(lines[0].every((ch) => ch === "█"));
  assert.ok(lines.at(-1)!.every((ch) => ch === "█"));
  for (const line of lines) {
    assert.deepEqual(line.slice(0, 2), ["█", "█"]);
    assert.deepEqual(line.slice(-2), ["█", "█"]);
  }
  // The code starts right after it: line 1 holds module rows 2-3, i.e. the
  // top edge of the top-left finder pattern (dark, so background) over its
  // second row (dark ends, light inside).
  assert.deepEqual(lines[1].slice(2, 9), [" ", "▄", "▄", "▄", "▄", "▄", " "]);
});

Deno.test("renderQr() quiet zone is the light kind on every side", async () => {
  for (const quietZone of [2, 3, 4]) {
    for (const invert of [false, true]) {
      const light = !invert; // glyph == light module unless inverted
      const modules = toModules(
        await renderQr(DEVICE_URL, { quietZone, invert }),
      );
      const size = modules[0].length;
      assert.equal(size, 33 + 2 * quietZone);
      for (let r = 0; r < modules.length; r++) {
        for (let c = 0; c < size; c++) {
          const inZone = r < quietZone || r >= size - quietZone ||
            c < quietZone || c >= size - quietZone;
          if (inZone) {
            assert.equal(
              modules[r][c],
              light,
              `module ${r},${c} q=${quietZone}`,
            );
          }
        }
      }
      // Finder pattern corner is dark right inside the quiet zone.
      assert.equal(modules[quietZone][quietZone], !light);
      assert.equal(modules[size - quietZone - 1][quietZone], !light);
      assert.equal(modules[quietZone][size - quietZone - 1], !light);
    }
  }
});

Deno.test("renderQr() invert=true leaves the quiet zone blank", async () => {
  const lines = (await renderQr(DEVICE_URL, { invert: true })).split("\n").map(
    chars,
  );
  assert.ok(lines[0].every((ch) => ch === " "));
  assert.ok(lines.at(-1)!.every((ch) => ch === " "));
  for (const line of lines) {
    assert.equal(line[0], " ");
    assert.equal(line.at(-1), " ");
  }
});

Deno.test("renderQr() invert flips every glyph", async () => {
  const flip: Record<string, string> = {
    "█": " ",
    " ": "█",
    "▀": "▄",
    "▄": "▀",
  };
  const normal = await renderQr(LONG_URL);
  const inverted = await renderQr(LONG_URL, { invert: true });
  assert.equal(chars(normal).map((ch) => flip[ch] ?? ch).join(""), inverted);
});

Deno.test("renderQr() larger quiet zone still decodes", async () => {
  const rendered = await renderQr(DEVICE_URL, { quietZone: 4 });
  assert.equal(decode(rendered, "dark", "dontInvert"), DEVICE_URL);
});

Deno.test("renderQr() encodes non-ASCII text as UTF-8", async () => {
  const url = "https://example.com/gerät?name=Zoë&city=東京";
  assert.equal(decode(await renderQr(url), "dark", "dontInvert"), url);
});

Deno.test("renderQr() rejects a quiet zone below 2 modules", async () => {
  for (const quietZone of [-1, 0, 1, 2.5, Number.NaN]) {
    await assert.rejects(renderQr(DEVICE_URL, { quietZone }), RangeError);
  }
});

Deno.test("renderQr() rejects text too long for a QR code", async () => {
  await assert.rejects(renderQr("x".repeat(3000)), QrTooLongError);
  await assert.rejects(renderQr("x".repeat(3000)), RangeError);
});
