/**
 * The network side of a hostile or broken realm (issue 12), one case per
 * behaviour, each on Deno from source, the Deno bundle and Node (the npm
 * package): endpoints off the realm's origin get no secret, a verification
 * link off it is never shown, an endless answer stops at 1 MiB with the
 * memory bounded, a trickled answer ends on PILOT_HTTP_TIMEOUT (also on
 * Node 20, whose fetch ignores an abort once headers are in), and Ctrl-C
 * during a trickled answer exits 130; a token with CR/LF is refused. The realm is a small fake on
 * loopback; tests/reliability/ holds the full hostile-server suite.
 */

import assert from "node:assert/strict";
import { serializeSession } from "../../src/session/session.ts";
import { TRYING_API_KEY, TRYING_DEVICE_CODE } from "../../src/ui/messages.ts";
import {
  buildDenoBundle,
  type CliResult,
  installNodePackage,
  METER,
  runCli,
  type Runtime,
  RUNTIMES,
} from "./cli.ts";
import { CliProcess } from "./cli.ts";

const REALM_PATH = "/realms/pilot";
const DEVICE = 'Failed to log in using "device-code" method';
const KEY = 'Failed to log in using "api-key" method';
const SERVER_TROUBLE =
  "Check PILOT_AUTH_URL; if it is right, the server is having trouble: try again later.";
const NETWORK_TROUBLE =
  "Check your network connection and PILOT_AUTH_URL, then try again.";

/** What a fake realm answers on one path; undefined: 404. */
type Answer = (path: string, realm: FakeRealm) => Response | undefined;

/** A scriptable realm on loopback that records what it was asked. */
interface FakeRealm {
  /** The realm URL (PILOT_AUTH_URL). */
  url: string;
  /** Its origin. */
  origin: string;
  /** Its host:port. */
  host: string;
  /** The paths asked, in order. */
  paths: string[];
  /** The discovery document a well-behaved realm serves. */
  document: Record<string, string>;
  /** Stops the server. */
  close(): Promise<void>;
}

function startFakeRealm(answer: Answer): FakeRealm {
  const paths: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      const path = new URL(request.url).pathname;
      paths.push(path);
      return answer(path, realm) ?? new Response("{}", { status: 404 });
    },
  );
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const url = `${origin}${REALM_PATH}`;
  const oidc = `${url}/protocol/openid-connect`;
  const realm: FakeRealm = {
    url,
    origin,
    host: `127.0.0.1:${server.addr.port}`,
    paths,
    document: {
      issuer: url,
      token_endpoint: `${oidc}/token`,
      device_authorization_endpoint: `${oidc}/auth/device`,
      revocation_endpoint: `${oidc}/revoke`,
      end_session_endpoint: `${oidc}/logout`,
    },
    close: () => server.shutdown(),
  };
  return realm;
}

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), {
    headers: { "content-type": "application/json" },
  });
}

/** The discovery document, with `changes`, on the well-known path. */
function discovery(changes: Record<string, string> = {}): Answer {
  return (path, realm) =>
    path === `${REALM_PATH}/.well-known/openid-configuration`
      ? json({ ...realm.document, ...changes })
      : undefined;
}

/** A body that starts a JSON object, then sends a byte every 50 ms for ever. */
function trickle(onByte?: () => void): ReadableStream<Uint8Array> {
  let timer: ReturnType<typeof setInterval> | undefined;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"a":"'));
      timer = setInterval(() => {
        try {
          controller.enqueue(new TextEncoder().encode("x"));
          onByte?.();
        } catch {
          clearInterval(timer);
        }
      }, 50);
    },
    cancel: () => clearInterval(timer),
  });
}

/** A JSON-looking body of 64 KiB chunks without end. */
function endless(): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
  let first = true;
  return new ReadableStream({
    pull(controller) {
      controller.enqueue(first ? new TextEncoder().encode("{") : chunk);
      first = false;
    },
  });
}

/** A fresh config dir, removed after `fn`. */
async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "pilotcli-net-" });
  try {
    await fn(`${root}/config`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** What a run showed the person. */
function outcome({ code, stdout, stderr }: CliResult) {
  return { code, stdout, stderr };
}

/** Runs `fn` once per runtime, the program built first so timing is the CLI's. */
async function onEveryRuntime(
  t: Deno.TestContext,
  fn: (runtime: Runtime) => Promise<void>,
): Promise<void> {
  for (const runtime of RUNTIMES) {
    if (runtime === "node") await installNodePackage();
    if (runtime === "bundle") await buildDenoBundle();
    await t.step(runtime, () => fn(runtime));
  }
}

Deno.test("an endpoint off the realm's origin (port or scheme) is refused before any secret is sent", async (t) => {
  await onEveryRuntime(t, async (runtime) => {
    const elsewhere = startFakeRealm(() => json({}));
    try {
      for (
        const [name, url] of [
          // Another port of the same host: --allow-net=HOST would let it by.
          ["token_endpoint", `${elsewhere.origin}/token`],
          ["device_authorization_endpoint", `${elsewhere.origin}/device`],
          // Another scheme on the same host and port.
          ["token_endpoint", "https://127.0.0.1/token"],
        ]
      ) {
        const realm = startFakeRealm(discovery({ [name]: url }));
        try {
          await withDir(async (configDir) => {
            const result = await runCli(["user", "login", "--no-qr"], {
              authUrl: realm.url,
              configDir,
              runtime,
            });
            assert.deepEqual(outcome(result), {
              code: 1,
              stdout: "",
              stderr:
                `${TRYING_DEVICE_CODE}\n${DEVICE}: the discovery document is not usable: ${name} must be on ${realm.origin}, the realm's origin. ${SERVER_TROUBLE}\n`,
            }, url);
            assert.deepEqual(realm.paths, [
              `${REALM_PATH}/.well-known/openid-configuration`,
            ]);
          });
        } finally {
          await realm.close();
        }
      }
      assert.deepEqual(elsewhere.paths, []);
    } finally {
      await elsewhere.close();
    }
  });
});

Deno.test("a verification link off the realm's origin fails the login before anything is shown", async (t) => {
  await onEveryRuntime(t, async (runtime) => {
    const hostile = "javascript:alert(1)";
    const realm = startFakeRealm((path, realm) =>
      path.endsWith("/auth/device")
        ? json({
          device_code: "device-code-1",
          user_code: "WDJB-MJHT",
          verification_uri: `${realm.url}/device`,
          verification_uri_complete: hostile,
          expires_in: 600,
          interval: 5,
        })
        : discovery()(path, realm)
    );
    try {
      await withDir(async (configDir) => {
        const result = await runCli(["user", "login"], {
          authUrl: realm.url,
          configDir,
          runtime,
        });
        assert.deepEqual(outcome(result), {
          code: 1,
          stdout: "",
          stderr:
            `${TRYING_DEVICE_CODE}\n${DEVICE}: the device authorization response is not usable: verification_uri_complete must be a link on ${realm.origin}, the realm's origin. ${SERVER_TROUBLE}\n`,
        });
        // Never polled: the person was never shown where to go.
        assert.ok(!realm.paths.some((p) => p.endsWith("/token")));
      });
    } finally {
      await realm.close();
    }
  });
});

Deno.test("an endless answer stops at 1 MiB with one line, in under 150 MB", async (t) => {
  await onEveryRuntime(t, async (runtime) => {
    const realm = startFakeRealm((path) =>
      path.endsWith("/openid-configuration")
        ? new Response(endless(), {
          headers: { "content-type": "application/json" },
        })
        : undefined
    );
    try {
      await withDir(async (configDir) => {
        const meter = await Deno.makeTempFile({ prefix: "pilotcli-rss-" });
        try {
          const result = await runCli(["user", "login", "--no-qr"], {
            authUrl: realm.url,
            configDir,
            runtime,
            wrapper: [...METER, meter],
          });
          assert.deepEqual(outcome(result), {
            code: 1,
            stdout: "",
            stderr:
              `${TRYING_DEVICE_CODE}\n${DEVICE}: the discovery document at ${realm.host} sent an answer larger than 1 MiB. ${SERVER_TROUBLE}\n`,
          });
          // ru_maxrss is in KiB on Linux.
          const peakMb = Number(await Deno.readTextFile(meter)) / 1024;
          assert.ok(peakMb > 0 && peakMb < 150, `peak ${peakMb} MB`);
          console.log(`${runtime}: peak memory ${peakMb.toFixed(0)} MB`);
        } finally {
          await Deno.remove(meter);
        }
      });
    } finally {
      await realm.close();
    }
  });
});

Deno.test("a trickled answer ends on PILOT_HTTP_TIMEOUT with one line naming the host", async (t) => {
  await onEveryRuntime(t, async (runtime) => {
    const realm = startFakeRealm((path) =>
      path.endsWith("/openid-configuration")
        ? new Response(trickle(), {
          headers: { "content-type": "application/json" },
        })
        : undefined
    );
    try {
      await withDir(async (configDir) => {
        const result = await runCli(["user", "login", "--no-qr"], {
          authUrl: realm.url,
          configDir,
          runtime,
          env: { PILOT_HTTP_TIMEOUT: "1" },
        });
        assert.deepEqual(outcome(result), {
          code: 1,
          stdout: "",
          stderr:
            `${TRYING_DEVICE_CODE}\n${DEVICE}: the discovery document at ${realm.host} did not send its whole answer within 1 s (PILOT_HTTP_TIMEOUT). ${NETWORK_TROUBLE}\n`,
        });
      });
    } finally {
      await realm.close();
    }
  });
});

Deno.test("Ctrl-C while a refresh answer trickles in exits 130 and leaves the session as it was", async (t) => {
  await onEveryRuntime(t, async (runtime) => {
    let streaming = () => {};
    const started = new Promise<void>((resolve) => streaming = resolve);
    const realm = startFakeRealm((path, realm) =>
      path.endsWith("/token")
        ? new Response(trickle(streaming), {
          headers: { "content-type": "application/json" },
        })
        : discovery()(path, realm)
    );
    try {
      await withDir(async (configDir) => {
        await Deno.mkdir(configDir, { mode: 0o700 });
        const now = Math.floor(Date.now() / 1000);
        const text = serializeSession({
          version: 1,
          authUrl: realm.url,
          clientId: "cli",
          method: "device-code",
          username: "alice",
          accessToken: "expired-access-token",
          accessTokenIssuedAt: now - 400,
          accessTokenExpiresAt: now - 100,
          refreshToken: "refresh-token-value",
          lastActiveAt: now,
        });
        await Deno.writeTextFile(`${configDir}/session.json`, text, {
          mode: 0o600,
        });
        const cli = new CliProcess(["user", "token"], {
          authUrl: realm.url,
          configDir,
          runtime,
        });
        // The token endpoint has sent its headers and is sending the body.
        await started;
        cli.kill("SIGINT");
        assert.deepEqual(outcome(await cli.result()), {
          code: 130,
          stdout: "",
          stderr: "\n",
        });
        assert.equal(
          await Deno.readTextFile(`${configDir}/session.json`),
          text,
        );
      });
    } finally {
      await realm.close();
    }
  });
});

Deno.test("a token with CR/LF in a token response fails the login and is never stored", async (t) => {
  await onEveryRuntime(t, async (runtime) => {
    const realm = startFakeRealm((path) =>
      path.startsWith(`${REALM_PATH}/api-key/`)
        ? json({
          access_token: "access\r\nX-Injected: 1",
          refresh_token: "refresh-token-value",
          token_type: "Bearer",
          expires_in: 300,
        })
        : undefined
    );
    try {
      await withDir(async (configDir) => {
        const result = await runCli(
          ["user", "login", "--api-key", "pk-test-0123456789"],
          { authUrl: realm.url, configDir, runtime },
        );
        assert.deepEqual(outcome(result), {
          code: 1,
          stdout: "",
          stderr:
            `${TRYING_API_KEY}\n${KEY}: the token response is not usable: access_token is not a token (RFC 6750 characters, at most 16 KiB). ${SERVER_TROUBLE}\n`,
        });
        const names = await Array.fromAsync(
          Deno.readDir(configDir),
          (e) => e.name,
        ).catch((): string[] => []);
        assert.ok(!names.includes("session.json"), names.join(", "));
      });
    } finally {
      await realm.close();
    }
  });
});
