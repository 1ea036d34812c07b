/**
 * Makes text from a server or a token inert before it reaches a terminal:
 * no escape sequence, carriage return or newline in it can draw, move the
 * cursor, write the clipboard or add a line, and no bidirectional control
 * can make it read in another order.
 *
 * @module
 */

/**
 * What a terminal may act on: C0 controls (TAB, LF, CR and ESC included) and
 * DEL, C1 controls (U+0080–U+009F, CSI and OSC among them), the Arabic letter
 * mark, the left-to-right and right-to-left marks, the line and paragraph
 * separators, and the bidirectional embeddings, overrides and isolates.
 */
const ACTIVE =
  // deno-lint-ignore no-control-regex -- matching controls is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** ACTIVE but the C0 controls, which JSON.stringify escapes in strings itself. */
const ACTIVE_IN_JSON =
  /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `char` as the escape JavaScript writes it: `\x1b`, `\u202e`. */
function escaped(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * `text` for one line of a terminal: every character a terminal acts on
 * (see ACTIVE above: C0 controls including TAB, CR and LF, DEL, C1
 * controls, and the bidirectional controls U+061C, U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069, and U+2028, U+2029) is replaced by its
 * visible escape as JavaScript writes it, `\x1b` or `\u202e`, so nothing is
 * hidden from the person and nothing acts (U+FFFD would hide what the
 * server sent). Everything else, non-ASCII
 * letters included, is kept as it is.
 *
 * @example
 * ```ts
 * import { inert } from "./terminal_text.ts";
 *
 * inert("ABCD\x1b[2J\rWXYZ"); // "ABCD\\x1b[2J\\x0dWXYZ"
 * ```
 */
export function inert(text: string): string {
  return text.replace(ACTIVE, escaped);
}

/**
 * `value` as indented JSON whose exact strings are kept, with every
 * character a terminal acts on written as a `\u` escape: JSON.stringify
 * escapes the C0 controls only, and would write DEL, C1 and bidirectional
 * controls raw. JSON.parse gives back the exact values.
 */
export function inertJson(value: unknown): string {
  // Outside strings JSON.stringify writes printable ASCII and newlines
  // only, so every match is inside a string, where a \u escape means the
  // same character.
  return JSON.stringify(value, null, 2).replace(
    ACTIVE_IN_JSON,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
