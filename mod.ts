/**
 * pilotcli: the command-line client of the Pilot research data platform.
 * Run it as a program (`pilotcli user login`, `pilotcli user logout`).
 *
 * @module
 */

import { main } from "./src/cli/main.ts";

export { main };

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
