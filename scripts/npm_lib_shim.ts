/**
 * Sets the Deno namespace for the npm package's library, where there is none
 * (Node); where there is one (Deno importing the package), pilotcli runs on
 * it. `scripts/npm_lib_entry.ts` imports this module first, so that it runs
 * before any pilotcli module is evaluated. It is not part of the Deno program.
 *
 * @module
 */

import { installDenoShim } from "./npm_shim.ts";

installDenoShim({ replace: false });
