/**
 * The npm build's clients (src/auth/transport.ts's ClientFactory), on Node:
 * undici's own fetch with undici's dispatchers. Node 20's fetch knows no
 * proxy and no per-request CA, and npm undici's dispatchers must not be
 * given to Node's built-in fetch (a different undici inside), so both come
 * from the same npm undici, bundled into `lib/undici.cjs` and loaded only
 * when a client is made: when PILOT_CA_FILE or a proxy variable is set.
 *
 * The proxy is the one src/auth/transport.ts chose by curl's NO_PROXY rules,
 * so undici's ProxyAgent (or, without one, its Agent) is used, not its
 * EnvHttpProxyAgent, whose own NO_PROXY matching differs. It is not part of
 * the Deno program.
 *
 * @module
 */

import type { ClientOptions } from "../src/auth/transport.ts";

interface TlsModule {
  rootCertificates: readonly string[];
  getCACertificates?: (type: string) => string[];
}

/** Makes the fetch of one client with npm undici. */
export async function nodeClient(
  { caCerts, proxy }: ClientOptions,
): Promise<typeof fetch> {
  const undici = await import("undici");
  let ca: string[] | undefined;
  if (caCerts.length > 0) {
    // A `ca` replaces Node's trust store: keep it (with NODE_EXTRA_CA_CERTS
    // where Node can say which those are) and add PILOT_CA_FILE's.
    const tls = process.getBuiltinModule("node:tls") as TlsModule;
    const system = tls.getCACertificates?.("default") ??
      [...tls.rootCertificates];
    ca = [...system, ...caCerts];
  }
  const dispatcher = proxy
    ? new undici.ProxyAgent({
      uri: proxy,
      // The server's TLS, and an https:// proxy's own.
      requestTls: ca ? { ca } : {},
      proxyTls: ca ? { ca } : {},
    })
    : new undici.Agent({ connect: ca ? { ca } : {} });
  return (input, init) =>
    undici.fetch(
      input as Parameters<typeof undici.fetch>[0],
      { ...init, dispatcher } as Parameters<typeof undici.fetch>[1],
    ) as unknown as Promise<Response>;
}
