/**
 * Certificates for the test identity server's HTTPS: a CA made at start, and
 * server certificates it issues for 127.0.0.1 and localhost (valid, for
 * another host name, or expired), all with `selfsigned`. Nothing is checked
 * into the repository; the CA's PEM is written to a temporary file, the
 * file a user would name in PILOT_CA_FILE.
 *
 * @module
 */

import { generate } from "selfsigned";

/** Which server certificate to serve. */
export type CertificateKind = "valid" | "wrong-host" | "expired";

/** A certificate and its private key, PEM. */
export interface KeyPair {
  /** The certificate, PEM. */
  cert: string;
  /** Its private key, PEM. */
  key: string;
}

/** The test CA and what it issued. */
export interface TestPki {
  /** The CA certificate, PEM. */
  caPem: string;
  /** A file holding caPem, for PILOT_CA_FILE; it lasts as long as the process. */
  caFile: string;
  /** The server certificate of each kind, issued by the CA. */
  server: Record<CertificateKind, KeyPair>;
}

const DAY_MS = 86_400_000;
/** The names every valid server certificate is for. */
const NAMES = ["127.0.0.1", "localhost"];

let pki: Promise<TestPki> | undefined;

/** The process's test CA and certificates, made on first use. */
export function testPki(): Promise<TestPki> {
  pki ??= makePki();
  return pki;
}

async function makePki(): Promise<TestPki> {
  const now = Date.now();
  const ca = await generate([{ name: "commonName", value: "Pilot Test CA" }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now - DAY_MS),
    notAfterDate: new Date(now + 30 * DAY_MS),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const issue = async (
    names: string[],
    notBefore: number,
    notAfter: number,
  ) => {
    const pair = await generate([{ name: "commonName", value: names[0] }], {
      keySize: 2048,
      algorithm: "sha256",
      notBeforeDate: new Date(notBefore),
      notAfterDate: new Date(notAfter),
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", serverAuth: true },
        {
          name: "subjectAltName",
          altNames: names.map((name) =>
            /^[\d.]+$/.test(name)
              ? { type: 7, ip: name }
              : { type: 2, value: name }
          ),
        },
      ],
    });
    return { cert: pair.cert, key: pair.private };
  };
  const [valid, wrongHost, expired] = await Promise.all([
    issue(NAMES, now - DAY_MS, now + 30 * DAY_MS),
    issue(["pilot.example.org"], now - DAY_MS, now + 30 * DAY_MS),
    issue(NAMES, now - 2 * DAY_MS, now - DAY_MS),
  ]);
  const dir = await Deno.makeTempDir({ prefix: "pilotcli-ca-" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Best effort: it is a temporary directory.
    }
  });
  const caFile = `${dir}/ca.pem`;
  await Deno.writeTextFile(caFile, ca.cert);
  return {
    caPem: ca.cert,
    caFile,
    server: { valid, "wrong-host": wrongHost, expired },
  };
}

/** A fetch that trusts `caPem` besides the system's CAs, until closed. */
export interface TrustingFetch {
  /** Fetches as `fetch` does, trusting the CA. */
  fetch: typeof fetch;
  /** Closes its connections. */
  close(): void;
}

/** A fetch that trusts `caPem` besides the system's CAs. */
export function trustingFetch(caPem: string): TrustingFetch {
  const client = Deno.createHttpClient({ caCerts: [caPem] });
  return {
    fetch: (input, init) => fetch(input, { ...init, client }),
    close: () => client.close(),
  };
}
