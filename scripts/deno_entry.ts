/**
 * The program Deno users install, bundled by `scripts/build_deno.ts` into
 * `dist/pilotcli.js`: the CLI alone. mod.ts, the JSR package's entry, also
 * exports the library, whose modules load lazily (`import()`); in a bundle
 * that wraps each of them, and every module they import, in an initializer
 * that V8 compiles anew on every run (docs/benchmarks.md). It is not part of
 * the npm package (scripts/npm_entry.ts is its CLI).
 *
 * @module
 */

import { main } from "../src/cli/main.ts";

Deno.exit(await main(Deno.args));
