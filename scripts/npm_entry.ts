/**
 * The CLI of the npm package, bundled by `scripts/build_npm.ts` into the
 * script `npm/lib/cli.js`, which the program `npm/bin/pilotcli.cjs`
 * (`scripts/npm_bin.ts`) runs for everything but help. Its `Deno` is
 * scripts/node_deno.ts's, bound by the bundler; nothing is set on
 * `globalThis`. It is not part of the Deno program.
 *
 * @module
 */

import { setClientFactory } from "../src/auth/transport.ts";
import { main } from "../src/cli/main.ts";
import { nodeClient } from "./node_transport.ts";

// Requests with a CA file or a proxy go through undici (lib/undici.cjs,
// loaded only then).
setClientFactory(nodeClient);
// pilotcli writes through Deno.stdout/stderr.writeSync, which is synchronous:
// nothing is left queued at exit. No top-level await: a script has none.
main(process.argv.slice(2)).then((code) => process.exit(code));
