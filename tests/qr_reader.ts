/**
 * Reads a QR code drawn in terminal half blocks back into its text: the
 * text is rasterized as a terminal in a dark or light theme shows it, and a
 * real QR decoder (jsQR) reads the picture.
 *
 * @module
 */

import jsQRModule from "jsqr";

// jsqr is a CommonJS bundle whose typings declare an ES `export default`, so
// Deno types the default import as the whole `module.exports`; the function
// is also exposed (at runtime and in the typings) as its `default` property.
const jsQR = jsQRModule.default;

/** Pixels per module side when rasterizing. */
const SCALE = 4;
/** Terminal background drawn around the rendered text, in modules. */
const SCREEN_MARGIN = 6;

/** How the terminal shows glyphs: white on black, or black on white. */
export type Theme = "dark" | "light";
/** jsQR's inversion option. */
export type Inversion = "dontInvert" | "attemptBoth";

/**
 * Turn rendered text back into a module grid: `true` where the terminal draws
 * a glyph (foreground), `false` where it shows the background.
 */
export function toModules(rendered: string): boolean[][] {
  const lines = rendered.split("\n");
  const rows: boolean[][] = [];
  for (const line of lines) {
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (const ch of line) {
      top.push(ch === "▀" || ch === "█");
      bottom.push(ch === "▄" || ch === "█");
    }
    rows.push(top, bottom);
  }
  return rows;
}

/**
 * Rasterize rendered text as a terminal with the given theme would show it:
 * on a dark theme glyphs are white on black, on a light theme black on white.
 * The text is surrounded by a margin of terminal background.
 */
export function rasterize(
  rendered: string,
  theme: Theme,
): { data: Uint8ClampedArray; width: number; height: number } {
  const modules = toModules(rendered);
  const cols = modules[0].length;
  const width = (cols + 2 * SCREEN_MARGIN) * SCALE;
  const height = (modules.length + 2 * SCREEN_MARGIN) * SCALE;
  const fg = theme === "dark" ? 255 : 0;
  const bg = 255 - fg;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const row = Math.floor(y / SCALE) - SCREEN_MARGIN;
      const col = Math.floor(x / SCALE) - SCREEN_MARGIN;
      const glyph = modules[row]?.[col] ?? false;
      const value = glyph ? fg : bg;
      const i = (y * width + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = value;
      data[i + 3] = 255;
    }
  }
  return { data, width, height };
}

/** Decodes a QR code drawn in terminal half blocks, as a phone would read the screen. */
export function decode(
  rendered: string,
  theme: Theme,
  inversionAttempts: Inversion,
): string | null {
  const { data, width, height } = rasterize(rendered, theme);
  return jsQR(data, width, height, { inversionAttempts })?.data ?? null;
}
