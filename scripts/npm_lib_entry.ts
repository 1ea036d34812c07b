/**
 * The Node.js entry of the npm package's library, bundled by
 * `scripts/build_npm.ts` into `npm/lib/mod.mjs`: the API of src/lib.ts, for
 *
 * ```js
 * import { getAccessToken } from "@pilot/pilotcli";
 * ```
 *
 * Its types are generated from src/lib.ts (scripts/npm_types.ts). Its `Deno`
 * is scripts/node_deno.ts's, bound by the bundler: importing it sets nothing
 * on `globalThis`, and a host's own `Deno` (Deno itself, or a shim) is never
 * used. It is not part of the Deno program.
 *
 * @module
 */

import { setClientFactory } from "../src/auth/transport.ts";
import { nodeClient } from "./node_transport.ts";

// Requests with a CA file or a proxy go through undici (lib/undici.cjs,
// loaded only then), as in the CLI.
setClientFactory(nodeClient);

export * from "../src/lib.ts";
