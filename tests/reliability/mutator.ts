/**
 * A small seeded mutator for JSON documents: the same seed gives the same
 * cases, always. It drops, replaces, adds and swaps fields, gives them
 * values of the wrong type, huge strings, odd Unicode, deep nesting and
 * numbers such as NaN, -1 and 1e309, and cuts, splices and corrupts the
 * JSON text.
 *
 * @module
 */

import { prng } from "./world.ts";

/** A JSON-ish value: what JSON.parse gives, plus NaN and ±Infinity. */
export type Value =
  | null
  | boolean
  | number
  | string
  | Value[]
  | { [key: string]: Value };

/** What one mutated case is. */
export type Case =
  | { kind: "object"; value: Record<string, Value>; steps: string[] }
  | { kind: "text"; text: string; steps: string[] };

const NUMBERS = [
  Number.NaN,
  Infinity,
  -Infinity,
  -1,
  -0,
  0,
  1,
  0.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 53 + 1,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  4102444800, // 2100-01-01
];

/** Text that stands in for a number in a JSON text (much of it invalid). */
const NUMBER_TEXTS = [
  "NaN",
  "Infinity",
  "-Infinity",
  "-1",
  "1e309",
  "-1e309",
  "1e-400",
  "00",
  "0x10",
  "+1",
  ".5",
  "1.",
  "-",
  "1e",
  "9".repeat(400),
];

const ODD_STRINGS = [
  "",
  " ",
  "\u0000",
  "\ud800", // a lone surrogate
  "\udfff\ud800",
  "\ufeff", // byte order mark
  "\u2028\u2029",
  "e\u0301\u0301\u0301", // combining marks
  "\u202eevil\u202c", // right-to-left override
  "😀👩‍👩‍👧‍👦🏳️‍🌈",
  "𝕡𝕚𝕝𝕠𝕥",
  "null",
  "true",
  "0",
  "-1",
  "NaN",
  "1e309",
  "300",
  "Bearer",
  "bearer",
  "BEARER",
  "Bearer ",
  " Bearer",
  "Bearer\u0000",
  "DPoP",
  "http://",
  "https://",
  "http://[::1",
  "https://evil.example/realms/pilot",
  "http://127.0.0.1:99999/x",
  "javascript:alert(1)",
  "file:///etc/passwd",
  "data:text/plain,x",
  "ftp://127.0.0.1/x",
  "//no-scheme.example/x",
  "https://user:pass@iam.example/realms/pilot",
  "eyJ.eyJ.",
  "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.",
  "eyJhbGciOiJub25lIn0.bm90IGpzb24.",
  "a.b.c.d",
  "%00%ff",
  "'; DROP TABLE sessions; --",
];

const ODD_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "",
  " ",
  "\u0000",
  "😀",
];

/** The mutator of one seed. */
export class Mutator {
  readonly #random: () => number;

  /** @param seed the seed: the same seed, the same cases */
  constructor(seed: number) {
    this.#random = prng(seed);
  }

  /** A number in [0, n). */
  int(n: number): number {
    return Math.floor(this.#random() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.#random() < p;
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /**
   * A case made from one of `seeds`: one to four object mutations, then,
   * half of the time, the JSON text of the result with zero to two text
   * mutations. `keys` are the field names the parser knows: they are
   * dropped, replaced and misspelled more often than others.
   */
  next(seeds: readonly Record<string, Value>[], keys: readonly string[]): Case {
    const value = structuredClone(this.pick(seeds)) as Record<string, Value>;
    const steps: string[] = [];
    const rounds = 1 + this.int(4);
    for (let i = 0; i < rounds; i++) this.#mutateObject(value, keys, steps);
    if (this.chance(0.5)) return { kind: "object", value, steps };
    let text = this.chance(0.2)
      ? JSON.stringify(value, null, 2)
      : JSON.stringify(value);
    const textRounds = this.int(3);
    for (let i = 0; i < textRounds; i++) text = this.#mutateText(text, steps);
    return { kind: "text", text, steps };
  }

  /** A value of any type, often an odd one. */
  value(depth = 0): Value {
    switch (this.int(depth > 2 ? 6 : 9)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick(NUMBERS);
      case 3:
        return this.int(2 ** 31) * (this.chance(0.5) ? 1 : -1);
      case 4:
        return this.pick(ODD_STRINGS);
      case 5:
        return this.#string();
      case 6:
        return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      case 7:
        return Object.fromEntries(
          Array.from(
            { length: this.int(4) },
            () => [this.pick(ODD_KEYS), this.value(depth + 1)],
          ),
        );
      default:
        return this.#nested();
    }
  }

  #string(): string {
    const n = this.chance(0.05) ? 10_000 + this.int(1 << 20) : this.int(64);
    const alphabet = this.pick([
      "abcdefghijklmnopqrstuvwxyz0123456789-_.",
      '\u0000\u0001\u001f\u007f"\\/\n\r\t',
      "éüßøæ€漢字😀\u0301\u200b\u202e",
    ]);
    const chars = Array.from(alphabet);
    if (n > 1000) return chars[this.int(chars.length)].repeat(n);
    return Array.from({ length: n }, () => this.pick(chars)).join("");
  }

  #nested(): Value {
    const depth = 1 + this.int(200);
    let v: Value = this.pick(ODD_STRINGS);
    for (let i = 0; i < depth; i++) v = this.chance(0.5) ? [v] : { a: v };
    return v;
  }

  #mutateObject(
    value: Record<string, Value>,
    keys: readonly string[],
    steps: string[],
  ): void {
    const present = Object.keys(value);
    const key = this.chance(0.8) && present.length
      ? this.pick(present)
      : this.pick(keys);
    switch (this.int(10)) {
      case 0:
        delete value[key];
        steps.push(`drop ${key}`);
        return;
      case 1:
      case 2:
        value[key] = this.value();
        steps.push(`replace ${key}`);
        return;
      case 3: {
        const other = this.pick(present.length ? present : keys);
        [value[key], value[other]] = [value[other] ?? null, value[key] ?? null];
        steps.push(`swap ${key} ${other}`);
        return;
      }
      case 4: {
        const odd = this.chance(0.5)
          ? this.pick(ODD_KEYS)
          : this.#misspell(this.pick(keys));
        Object.defineProperty(value, odd, {
          value: this.value(),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        steps.push(`add ${JSON.stringify(odd)}`);
        return;
      }
      case 5: {
        const v = value[key];
        if (typeof v === "string") value[key] = this.#editString(v);
        else value[key] = this.pick(ODD_STRINGS);
        steps.push(`edit string ${key}`);
        return;
      }
      case 6: {
        const v = value[key];
        value[key] = typeof v === "number"
          ? this.pick([-v, v * 1e300, v + 0.5, v - 1e9, String(v), Number.NaN])
          : this.pick(NUMBERS);
        steps.push(`edit number ${key}`);
        return;
      }
      case 7:
        value[key] = [value[key] ?? null];
        steps.push(`wrap ${key}`);
        return;
      case 8:
        value[key] = this.#nested();
        steps.push(`nest ${key}`);
        return;
      default:
        value[key] = value[this.pick(present.length ? present : keys)] ?? null;
        steps.push(`copy into ${key}`);
    }
  }

  #misspell(key: string): string {
    return this.pick([
      key.toUpperCase(),
      key.replace(/_/g, "-"),
      `${key} `,
      ` ${key}`,
      key.slice(0, -1),
      `${key}\u0000`,
      key.replace(/([a-z])/, (c) => c.toUpperCase()),
    ]);
  }

  #editString(s: string): string {
    const at = this.int(s.length + 1);
    return this.pick([
      () => s.slice(0, at),
      () => s.slice(at),
      () => `${s.slice(0, at)}${this.pick(ODD_STRINGS)}${s.slice(at)}`,
      () => s.repeat(2 + this.int(3)),
      () => s.toUpperCase(),
      () => ` ${s} `,
      () => s.replace(/./gu, (c) => c === "." ? "" : c),
    ])();
  }

  #mutateText(text: string, steps: string[]): string {
    const at = this.int(text.length + 1);
    switch (this.int(9)) {
      case 0:
        steps.push(`truncate at ${at}`);
        return text.slice(0, at);
      case 1: {
        const junk = this.pick([
          ",",
          "}",
          "]",
          "{",
          "[",
          '"',
          ":",
          "\\",
          "\u0000",
          "\ud800",
          "/*",
          "\n",
        ]);
        steps.push(`insert ${JSON.stringify(junk)}`);
        return text.slice(0, at) + junk + text.slice(at);
      }
      case 2: {
        const end = Math.min(text.length, at + 1 + this.int(20));
        steps.push(`cut ${at}..${end}`);
        return text.slice(0, at) + text.slice(end);
      }
      case 3: {
        const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
        if (!numbers.length) return text;
        const m = this.pick(numbers);
        const replacement = this.pick(NUMBER_TEXTS);
        steps.push(`number ${m[0]} -> ${replacement}`);
        return text.slice(0, m.index) + replacement +
          text.slice(m.index! + m[0].length);
      }
      case 4: {
        const depth = 1 + this.int(this.chance(0.1) ? 100_000 : 1000);
        steps.push(`nest the text ${depth} deep`);
        return "[".repeat(depth) + text + "]".repeat(depth);
      }
      case 5: {
        const wrapped = this.pick([
          `\ufeff${text}`,
          `${text}}`,
          `${text},`,
          `${text}\u0000`,
          ` \n\t${text} \n`,
          text.replace(/}\s*$/, ",}"),
          text.replaceAll('"', "'"),
        ]);
        steps.push("wrap the text");
        return wrapped;
      }
      case 6: {
        // A duplicate key: JSON.parse keeps the last one.
        const key = [...text.matchAll(/"([^"\\]{1,40})"\s*:/g)];
        if (!key.length) return text;
        const k = this.pick(key)[1];
        const v = JSON.stringify(this.value()) ?? "null";
        steps.push(`duplicate ${k}`);
        return text.replace(/}\s*$/, `,"${k}":${v}}`);
      }
      case 7: {
        const whole = this.pick([
          "",
          "null",
          "[]",
          "1",
          '"x"',
          "{}",
          "true",
          "[{}]",
          "{",
          "}",
        ]);
        steps.push(`replace the text with ${JSON.stringify(whole)}`);
        return whole;
      }
      default: {
        const bytes = new TextEncoder().encode(text);
        if (!bytes.length) return text;
        bytes[this.int(bytes.length)] = this.int(256);
        steps.push("flip a byte");
        return new TextDecoder().decode(bytes);
      }
    }
  }
}

/** Every string value in `value` of at least `min` characters (the first 1000). */
export function stringsIn(value: unknown, min = 8): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (out.length >= 1000 || depth > 300) return;
    if (typeof v === "string") {
      if (v.length >= min) out.push(v);
    } else if (Array.isArray(v)) {
      for (const item of v) walk(item, depth + 1);
    } else if (typeof v === "object" && v !== null) {
      for (const item of Object.values(v)) walk(item, depth + 1);
    }
  };
  walk(value, 0);
  return out;
}
