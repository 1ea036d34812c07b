/**
 * The Node.js entry of the npm package's library, bundled by
 * `scripts/build_npm.ts` into `npm/lib/mod.mjs`: the API of mod.ts, for
 *
 * ```js
 * import { getAccessToken } from "@pilot/pilotcli";
 * ```
 *
 * Its types are `scripts/npm_lib.d.ts`, copied to `npm/lib/mod.d.ts`; when
 * this list changes, that file changes with it (`tests/e2e/npm_library_test.ts`
 * type-checks one against the other). It is not part of the Deno program.
 *
 * @module
 */

// First: ES modules run in the order they are imported, so the Deno
// namespace exists before src/lib.ts, or anything it loads, is evaluated.
import "./npm_lib_shim.ts";

export {
  getAccessToken,
  loginWithApiKey,
  PilotError,
  type PilotOptions,
  readSession,
  type SessionInfo,
} from "../src/lib.ts";
