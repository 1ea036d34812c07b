/**
 * pilotcli: the command-line client of the Pilot research data platform,
 * whose identity server is Keycloak.
 *
 * As a program, `pilotcli user login` logs in with a device validation link
 * and QR code (RFC 8628) or an API key, `pilotcli user logout` ends the
 * session, and an idle session ends by itself.
 *
 * As a library, it reads the same session:
 *
 * ```ts
 * import { getAccessToken } from "@pilot/pilotcli";
 *
 * const token = await getAccessToken();
 * await fetch("https://pilot.example.org/api/projects", {
 *   headers: { authorization: `Bearer ${token}` },
 * });
 * ```
 *
 * or, with the token refreshed as needed and sent only to the API,
 * `await authFetch("/v1/projects")`.
 *
 * @module
 */

import { main } from "./src/cli/main.ts";

export * from "./src/lib.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
