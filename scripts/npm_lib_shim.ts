/**
 * Sets the Deno namespace for the npm package's library, where there is none
 * (Node); where there is one (Deno importing the package), pilotcli runs on
 * it. `scripts/npm_lib_entry.ts` imports this module first, so that it runs
 * before any pilotcli module is evaluated. It is not part of the Deno program.
 *
 * @module
 */

import { setClientFactory } from "../src/auth/transport.ts";
import { nodeClient } from "./node_transport.ts";
import { installDenoShim } from "./npm_shim.ts";

// On Node, requests with a CA file or a proxy go through undici; on Deno
// (importing the package), through Deno's own client.
if (installDenoShim({ replace: false })) setClientFactory(nodeClient);
