/**
 * The CLI of the npm package, bundled by `scripts/build_npm.ts` into
 * `npm/lib/cli.mjs`, which the program `npm/bin/pilotcli.mjs`
 * (`scripts/npm_bin.ts`) loads for everything but help. Its `Deno` is
 * scripts/node_deno.ts's, bound by the bundler; nothing is set on
 * `globalThis`. It is not part of the Deno program.
 *
 * @module
 */

import { setClientFactory } from "../src/auth/transport.ts";
import { main } from "../src/cli/main.ts";
import { nodeClient } from "./node_transport.ts";

// Requests with a CA file or a proxy go through undici (lib/undici.mjs,
// loaded only then).
setClientFactory(nodeClient);
// pilotcli writes through Deno.stdout/stderr.writeSync, which is synchronous:
// nothing is left queued at exit. No top-level await: lib/cold.mjs imports
// lib/cli.mjs (scripts/build_npm.ts), and that import would wait for the end
// of an await here.
main(process.argv.slice(2)).then((code) => process.exit(code));
