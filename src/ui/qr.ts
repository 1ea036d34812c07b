/**
 * Terminal QR code renderer used by the OAuth device flow login.
 *
 * The caller loads this module lazily (`await import("./qr.ts")`), and the
 * module loads the QR encoder on first use, so that neither is pulled in
 * before a code is actually shown. The module is self-contained: no `node:`
 * imports, no Deno APIs, no ANSI escapes, just a string-in, string-out
 * function (async only for that first load).
 *
 * ## Theme decision
 *
 * A terminal draws glyphs in its foreground color on its background color, and
 * we cannot know which of the two is the light one. Rather than forcing colors
 * with ANSI escapes (which must be disabled for `NO_COLOR` and non-TTY output,
 * and which themes routinely remap, e.g. "white" rendered as grey or even
 * swapped by a light palette), the output is plain text:
 *
 * - By default the QR code's *light* modules, including the quiet zone, are
 *   drawn as block glyphs and its *dark* modules are left as spaces (terminal
 *   background). On a dark theme (light foreground on a dark background, the
 *   common developer setup) this is a correctly polarized code: dark modules on
 *   a light square.
 * - On a light theme the same text shows up as a polarity-inverted code (light
 *   modules on a dark square). The mainstream phone scanners (the built-in
 *   iOS and Android camera apps, Google Lens) and libraries such as jsQR
 *   (`inversionAttempts`) also read inverted codes, so the default output is
 *   scannable in both themes; only the dark theme is guaranteed to work with a
 *   reader that does not try inversion.
 * - `invert: true` swaps which modules are glyphs, giving correct polarity on
 *   light themes (dark foreground) for callers that know or are told (e.g. a
 *   CLI flag, or `COLORFGBG`) that the terminal is light.
 *
 * Because the quiet zone is drawn explicitly in the "light" kind, the code is
 * always framed by a contrasting ring, whatever surrounds it on screen.
 *
 * ## Quiet zone
 *
 * ISO/IEC 18004 specifies a 4-module quiet zone, but it is written for print,
 * where the surroundings are unknown. Here the ring is drawn by us with full
 * contrast, and in practice decoders locate the finder patterns reliably with
 * 2 modules (the tests check this with jsQR). The default is therefore 2 modules,
 * which is exactly one text line above the code and keeps a typical
 * `verification_uri_complete` (version 4, 33 modules) at 37 columns by 19 lines,
 * so it fits on an 80x24 terminal together with the link and the user code.
 * Callers can ask for more (e.g. `quietZone: 4` for strict ISO compliance);
 * fewer than 2 modules is rejected.
 *
 * ## Glyphs
 *
 * Each character cell covers one module horizontally and two modules
 * vertically: `█` (U+2588) both halves light, `▀` (U+2580) top half only,
 * `▄` (U+2584) bottom half only, and a space for neither. QR symbols have an
 * odd number of modules per side, so the half row past the bottom quiet zone
 * is treated as light too (the bottom quiet zone is one module taller).
 *
 * @module
 */

import type QrCodeFactory from "qrcode-generator";

/** Options for {@linkcode renderQr}. */
export interface RenderQrOptions {
  /**
   * Width of the quiet zone around the code, in modules. Must be an integer of
   * at least 2.
   *
   * @default {2}
   */
  quietZone?: number;
  /**
   * Draw the *dark* modules as glyphs instead of the light ones (and leave the
   * quiet zone as spaces). Use this for terminals with a light background and
   * a dark foreground to get correct, non-inverted polarity there.
   *
   * @default {false}
   */
  invert?: boolean;
}

/** The text does not fit in the largest QR code (version 40, level M). */
export class QrTooLongError extends RangeError {
  /** @param length the text's length in characters */
  constructor(length: number, options?: ErrorOptions) {
    super(`Text is too long for a QR code (${length} characters)`, options);
    this.name = "QrTooLongError";
  }
}

/** Default quiet zone, in modules (see the module documentation). */
const DEFAULT_QUIET_ZONE = 2;

/** Minimum accepted quiet zone, in modules. */
const MIN_QUIET_ZONE = 2;

/**
 * Render `text` as a QR code for a terminal.
 *
 * Two modules are packed per character cell using the half block characters
 * `▀`, `▄`, `█` and space, surrounded by a quiet zone of `quietZone` modules
 * (default 2). Lines are joined with `"\n"` and there is no trailing newline.
 *
 * By default light modules (and the quiet zone) are drawn as glyphs, which is
 * correct polarity on dark terminal themes and an inverted, still scannable,
 * code on light themes; `invert: true` draws dark modules as glyphs instead.
 *
 * The text is encoded as UTF-8 in byte mode with error correction level M and
 * the smallest QR version that fits.
 *
 * @example Usage
 * ```ts ignore
 * const { renderQr } = await import("./qr.ts");
 * console.log(await renderQr("https://example.com/device?user_code=WDJB-MJHT"));
 * ```
 *
 * @param text The text (typically a URL) to encode.
 * @param options Rendering options.
 * @returns The QR code as lines of text joined with `"\n"`; it rejects with a
 * RangeError if `quietZone` is not an integer of at least 2, and with a
 * QrTooLongError (a RangeError) if `text` is too long to fit in a QR code.
 */
export async function renderQr(
  text: string,
  options: RenderQrOptions = {},
): Promise<string> {
  const quietZone = options.quietZone ?? DEFAULT_QUIET_ZONE;
  const invert = options.invert ?? false;
  if (!Number.isInteger(quietZone) || quietZone < MIN_QUIET_ZONE) {
    throw new RangeError(
      `quietZone must be an integer >= ${MIN_QUIET_ZONE}, got ${quietZone}`,
    );
  }

  // Loaded here, not with the module: the npm build keeps the encoder in a
  // file of its own (scripts/build_npm.ts).
  const qrcode: typeof QrCodeFactory =
    (await import("qrcode-generator")).default;
  const qr = qrcode(0, "M");
  // qrcode-generator's byte mode keeps only the low 8 bits of each UTF-16
  // code unit, so hand it the UTF-8 bytes as a "binary string".
  qr.addData(toBinaryString(new TextEncoder().encode(text)), "Byte");
  try {
    qr.make();
  } catch (error) {
    // The library throws plain strings such as "code length overflow. (…)".
    throw new QrTooLongError(text.length, { cause: error });
  }

  const count = qr.getModuleCount();
  const size = count + 2 * quietZone;
  /** Whether the module at (row, col) of the padded symbol is drawn. */
  const isGlyph = (row: number, col: number): boolean => {
    const r = row - quietZone;
    const c = col - quietZone;
    const inCode = r >= 0 && r < count && c >= 0 && c < count;
    const light = !inCode || !qr.isDark(r, c);
    return light !== invert;
  };

  const lines: string[] = [];
  for (let row = 0; row < size; row += 2) {
    let line = "";
    for (let col = 0; col < size; col++) {
      const top = isGlyph(row, col);
      // `row + 1 === size` on the last line of an odd-sized symbol: that
      // half row lies outside the symbol and is treated as quiet zone.
      const bottom = isGlyph(row + 1, col);
      line += top ? (bottom ? "█" : "▀") : (bottom ? "▄" : " ");
    }
    lines.push(line);
  }
  return lines.join("\n");
}

/** Map each byte to the UTF-16 code unit of the same value. */
function toBinaryString(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}
