/**
 * A standalone test identity server for trying pilotcli by hand:
 * `deno task idp`. Listens on 127.0.0.1, port PILOT_IDP_PORT (default 8400),
 * until Ctrl-C, with Pilot's API (tests/idp/resource_server.ts) on the
 * next port when plain http. Any username signs in, with any password. `deno task idp
 * --tls` serves HTTPS, with a certificate from a CA made at start, and
 * prints the CA file to trust (PILOT_CA_FILE).
 *
 * @module
 */

import { type ResourceServer, startResourceServer } from "./resource_server.ts";
import { CLIENT_ID, startIdp } from "./server.ts";

/** The demo user (any other username signs in too). */
export const DEMO_USER = "demo";
/** The demo API key, standing for {@linkcode DEMO_USER}. */
export const DEMO_API_KEY = "demo-api-key-0123456789";
/** The port when PILOT_IDP_PORT is unset. */
export const DEFAULT_PORT = 8400;

/** Starts the server, prints how to use it, and runs until interrupted. */
export async function main(args: string[] = Deno.args): Promise<void> {
  const unknown = args.filter((arg) => arg !== "--tls");
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown[0]}: the only option is --tls`);
    Deno.exit(2);
  }
  const tls = args.includes("--tls");
  const raw = Deno.env.get("PILOT_IDP_PORT");
  const port = raw === undefined || raw === "" ? DEFAULT_PORT : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PILOT_IDP_PORT must be a port number, got "${raw}"`);
    Deno.exit(2);
  }
  let idp;
  try {
    idp = await startIdp({
      port,
      apiKeys: { [DEMO_API_KEY]: DEMO_USER },
      tls,
    });
  } catch (err) {
    console.error(
      `cannot listen on 127.0.0.1:${port}: ${(err as Error).message}` +
        " (set PILOT_IDP_PORT to another port)",
    );
    Deno.exit(1);
  }
  let api: ResourceServer | undefined;
  if (!tls) {
    try {
      api = await startResourceServer(idp.issuer, port === 0 ? 0 : port + 1);
    } catch (err) {
      console.error(
        `cannot listen on 127.0.0.1:${port + 1}: ${(err as Error).message}` +
          " (set PILOT_IDP_PORT to another port)",
      );
      Deno.exit(1);
    }
  }
  console.log(`pilot test identity server (oidc-provider, shaped like Keycloak)

  issuer        ${idp.issuer}
  client id     ${CLIENT_ID} (public: device code, refresh token, API key)
  demo user     ${DEMO_USER} / ${DEMO_USER}  (any username signs in, with any password)
  demo API key  ${DEMO_API_KEY}  (user "${DEMO_USER}")${
    idp.ca ? `\n  CA to trust   ${idp.ca.file}` : ""
  }${
    api
      ? `\n  API           ${api.url}  (/v1/me, /v1/echo, /v1/download?bytes=N)`
      : ""
  }

Point the CLI at it:

  export PILOT_AUTH_URL=${idp.issuer}${
    idp.ca ? `\n  export PILOT_CA_FILE=${idp.ca.file}` : ""
  }${api ? `\n  export PILOT_API_URL=${api.url}` : ""}

Press Ctrl-C to stop.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await api?.close();
    await idp?.close();
    console.log("stopped");
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
}

if (import.meta.main) await main();
