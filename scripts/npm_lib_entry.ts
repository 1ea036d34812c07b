/**
 * The Node.js entry of the npm package's library, bundled by
 * `scripts/build_npm.ts` into `npm/lib/mod.mjs`: the API of mod.ts, for
 *
 * ```js
 * import { getAccessToken } from "@pilot/pilotcli";
 * ```
 *
 * It exports all of `src/lib.ts`, which is the library API and nothing
 * else. Its types are `scripts/npm_lib.d.ts`, copied to `npm/lib/mod.d.ts`
 * (`tests/e2e/npm_library_test.ts` holds that file's types equal to
 * src/lib.ts's). It is not part of the Deno program.
 *
 * @module
 */

// First: ES modules run in the order they are imported, so the Deno
// namespace exists before src/lib.ts, or anything it loads, is evaluated.
import "./npm_lib_shim.ts";

export * from "../src/lib.ts";
