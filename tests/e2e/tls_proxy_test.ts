/**
 * pilotcli on real networks (issue 15), on Deno from source, the Deno
 * bundle and the npm package on Node: against the test server on HTTPS
 * with its own CA (PILOT_CA_FILE), through a real forward proxy on
 * 127.0.0.1 (the `proxy` package), and each failure a person can meet
 * there, as one line that says what to do. No proxy credential, CA, key or
 * token appears in any output, PILOT_DEBUG=1 included.
 */

import assert from "node:assert/strict";
import { approveOverHttp } from "../idp/person_http.ts";
import {
  caFileUnusable,
  certificateExpired,
  certificateUnknownCa,
  certificateWrongHost,
  connectionFailed,
  LOGOUT_DONE,
  proxyNeedsCredentials,
  proxyTunnelRefused,
  proxyUnreachable,
  TRYING_API_KEY,
  WELCOME,
} from "../../src/ui/messages.ts";
import { type CliResult, runCli, RUNTIMES } from "./cli.ts";
import {
  API_KEY,
  apiKeyLogin,
  exists,
  expireAccessToken,
  printedLink,
  USER,
  withWorld,
  type World,
} from "./harness.ts";
import { closedPort, startProxy } from "./proxy.ts";

const API_KEY_FAILED = 'Failed to log in using "api-key" method';
const API_KEY_ENDPOINT = "the API-key endpoint could not be reached";
const PROXY_USER = "proxy-user";
const PROXY_PASSWORD = "proxy-pass-7f3a9c";

/** The exact output of an API-key login that failed to connect: `why`. */
function connectFailure(why: string) {
  return {
    code: 1,
    stdout: "",
    stderr: `${TRYING_API_KEY}\n${
      connectionFailed(API_KEY_FAILED, API_KEY_ENDPOINT, why)
    }\n`,
  };
}

function outcome({ code, stdout, stderr }: CliResult) {
  return { code, stdout, stderr };
}

/** Nothing secret in what a run printed. */
async function assertNoSecret(world: World, result: CliResult) {
  const output = result.stdout + result.stderr;
  const secrets = [PROXY_PASSWORD, API_KEY, "BEGIN CERTIFICATE"];
  if (await exists(world.sessionPath)) {
    const session = await world.session();
    secrets.push(session.accessToken, session.refreshToken);
  }
  for (const secret of secrets) {
    assert.ok(!output.includes(secret), `output shows ${secret}:\n${output}`);
  }
  assert.ok(!output.includes(PROXY_USER), output);
}

function apiKeyArgs() {
  return ["user", "login", "--api-key", API_KEY];
}

for (const runtime of RUNTIMES) {
  Deno.test(`through a proxy: device login, API-key login, refresh, status and logout [${runtime}]`, async () => {
    await withWorld({ tls: true, runtime }, async (world) => {
      const proxy = await startProxy();
      try {
        const env = { HTTPS_PROXY: proxy.url };
        const server = new URL(world.idp.issuer).host;
        /** Runs `step`, asserting it made the proxy CONNECT to the server. */
        const viaProxy = async (label: string, step: () => Promise<void>) => {
          const before = proxy.connects.length;
          await step();
          const made = proxy.connects.slice(before).map((c) => c.target);
          assert.ok(made.includes(server), `${label}: CONNECTs ${made}`);
        };

        await viaProxy("device login", async () => {
          const cli = world.spawn(["user", "login", "--no-qr"], { env });
          const link = await printedLink(cli);
          await approveOverHttp(link, { ...USER, fetch: world.idp.fetch });
          const result = await cli.result();
          assert.equal(result.code, 0, result.stderr);
          assert.ok(result.stderr.endsWith(`${WELCOME}\n`), result.stderr);
        });
        await viaProxy("API-key login", async () => {
          assert.deepEqual(outcome(await world.cli(apiKeyArgs(), { env })), {
            code: 0,
            stdout: "",
            stderr: `${TRYING_API_KEY}\n${WELCOME}\n`,
          });
        });
        await viaProxy("refresh", async () => {
          const expired = await expireAccessToken(world.configDir);
          const result = await world.cli(["user", "token"], { env });
          assert.equal(result.code, 0, result.stderr);
          const fresh = await world.session();
          assert.notEqual(fresh.accessToken, expired.accessToken);
          assert.equal(result.stdout, `${fresh.accessToken}\n`);
        });
        // Status reads the session only: it needs no request, so no CONNECT.
        const status = await world.cli(["user", "status"], { env });
        assert.equal(status.code, 0, status.stderr);
        assert.match(status.stdout, /^Logged in as alice \(method: api-key\)/);
        await viaProxy("logout", async () => {
          assert.deepEqual(
            outcome(await world.cli(["user", "logout", "-y"], { env })),
            { code: 0, stdout: "", stderr: `${LOGOUT_DONE}\n` },
          );
        });
        assert.deepEqual(
          proxy.connects.filter((c) => c.target !== server),
          [],
        );
      } finally {
        await proxy.close();
      }
    });
  });

  Deno.test(`NO_PROXY and proxy credentials [${runtime}]`, async () => {
    await withWorld({ tls: true, runtime }, async (world) => {
      const open = await startProxy();
      const guarded = await startProxy({
        credentials: { username: PROXY_USER, password: PROXY_PASSWORD },
      });
      try {
        const port = new URL(world.idp.issuer).port;
        const refusing = `http://127.0.0.1:${closedPort()}`;
        const withCredentials =
          `http://${PROXY_USER}:${PROXY_PASSWORD}@${guarded.host}`;
        const runs = await Promise.all([
          // curl's rules: a host, a host with its port, `*`. Through the
          // proxy, which refuses every connection, these would fail.
          ...["127.0.0.1", `localhost,127.0.0.1:${port}`, "*"].map((noProxy) =>
            world.cli(apiKeyArgs(), {
              env: { HTTPS_PROXY: refusing, NO_PROXY: noProxy },
            })
          ),
          // Lowercase names, and a port that is not the server's.
          world.cli(apiKeyArgs(), {
            env: { https_proxy: open.url, no_proxy: "127.0.0.1:1" },
          }),
        ]);
        // Alone: it shares the session lock, and a debug run that waits for
        // it says so.
        runs.push(
          await world.cli(apiKeyArgs(), {
            env: { HTTPS_PROXY: withCredentials, PILOT_DEBUG: "1" },
          }),
        );
        for (const result of runs) {
          assert.deepEqual(outcome(result), {
            code: 0,
            stdout: "",
            stderr: `${TRYING_API_KEY}\n${WELCOME}\n`,
          });
          await assertNoSecret(world, result);
        }
        assert.ok(open.connects.length > 0, "the port did not match");
        assert.ok(guarded.connects.length > 0);
        assert.ok(guarded.connects.every((c) => c.authorized));
      } finally {
        await open.close();
        await guarded.close();
      }
    });
  });

  Deno.test(`failures on the way to the server: one line each, exit 1 [${runtime}]`, async () => {
    const server = (world: World) => new URL(world.idp.issuer).host;
    const refusing = `127.0.0.1:${closedPort()}`;
    const guarded = await startProxy({
      credentials: { username: PROXY_USER, password: PROXY_PASSWORD },
    });
    const open = await startProxy();
    try {
      await Promise.all([
        (async () => {
          // The proxy cannot reach the server: it answers CONNECT with 500.
          const nowhere = `127.0.0.1:${closedPort()}`;
          const configDir = await Deno.makeTempDir();
          try {
            const result = await runCli(apiKeyArgs(), {
              authUrl: `https://${nowhere}/realms/pilot`,
              configDir,
              runtime,
              env: { HTTPS_PROXY: open.url },
            });
            assert.deepEqual(
              outcome(result),
              connectFailure(
                proxyTunnelRefused(open.host, "HTTPS_PROXY", nowhere),
              ),
            );
            assert.deepEqual(open.connects.map((c) => c.target), [nowhere]);
          } finally {
            await Deno.remove(configDir, { recursive: true });
          }
        })(),
        withWorld({ tls: true, runtime }, async (world) => {
          // No PILOT_CA_FILE: the test CA is unknown.
          const result = await world.cli(apiKeyArgs(), { caFile: undefined });
          assert.deepEqual(
            outcome(result),
            connectFailure(certificateUnknownCa(server(world))),
          );
          assert.equal(await exists(world.sessionPath), false);
        }),
        withWorld({ tls: "wrong-host", runtime }, async (world) => {
          assert.deepEqual(
            outcome(await world.cli(apiKeyArgs())),
            connectFailure(certificateWrongHost(server(world))),
          );
        }),
        withWorld({ tls: "expired", runtime }, async (world) => {
          assert.deepEqual(
            outcome(await world.cli(apiKeyArgs())),
            connectFailure(certificateExpired(server(world))),
          );
        }),
        withWorld({ tls: true, runtime }, async (world) => {
          const session = await apiKeyLogin(world);
          const before = await Deno.readTextFile(world.sessionPath);
          const cases: { env: Record<string, string>; why: string }[] = [
            {
              env: {
                HTTPS_PROXY:
                  `http://${PROXY_USER}:${PROXY_PASSWORD}@${refusing}`,
              },
              why: proxyUnreachable(refusing, "HTTPS_PROXY"),
            },
            {
              env: { https_proxy: `http://${guarded.host}` },
              why: proxyNeedsCredentials(guarded.host, "https_proxy"),
            },
            {
              env: {
                HTTPS_PROXY:
                  `http://${PROXY_USER}:wrong-${PROXY_PASSWORD}@${guarded.host}`,
              },
              why: proxyNeedsCredentials(guarded.host, "HTTPS_PROXY"),
            },
          ];
          for (const { env, why } of cases) {
            // One after the other: they share the session lock, and a debug
            // run that waits for it says so first.
            const plain = await world.cli(apiKeyArgs(), { env });
            const debug = await world.cli(apiKeyArgs(), {
              env: { ...env, PILOT_DEBUG: "1" },
            });
            assert.deepEqual(outcome(plain), connectFailure(why));
            assert.equal(debug.code, 1);
            assert.ok(debug.stderr.startsWith(plain.stderr), debug.stderr);
            for (const result of [plain, debug]) {
              await assertNoSecret(world, result);
            }
          }
          // The session that was there is untouched.
          assert.equal(await Deno.readTextFile(world.sessionPath), before);
          assert.equal((await world.session()).apiKey, session.apiKey);
        }),
      ]);
    } finally {
      await guarded.close();
      await open.close();
    }
  });

  Deno.test(`PILOT_CA_FILE that cannot be used: one line before any request [${runtime}]`, async () => {
    await withWorld({ tls: true, runtime }, async (world) => {
      const notPem = `${world.configDir}.txt`;
      await Deno.writeTextFile(notPem, "not a certificate\n");
      try {
        const [missing, wrong, unreadable] = await Promise.all([
          world.cli(apiKeyArgs(), { caFile: `${notPem}.none` }),
          world.cli(apiKeyArgs(), { caFile: notPem }),
          // Set, but not given to --allow-read (Deno only).
          world.cli(apiKeyArgs(), {
            caFile: undefined,
            env: { PILOT_CA_FILE: world.idp.ca!.file },
          }),
        ]);
        assert.deepEqual(outcome(missing), {
          code: 1,
          stdout: "",
          stderr: `${
            caFileUnusable(`${notPem}.none`, "there is no such file")
          }\n`,
        });
        assert.deepEqual(outcome(wrong), {
          code: 1,
          stdout: "",
          stderr: `${
            caFileUnusable(
              notPem,
              "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            )
          }\n`,
        });
        const file = world.idp.ca!.file;
        assert.deepEqual(
          outcome(unreadable),
          runtime === "node"
            ? { code: 0, stdout: "", stderr: `${TRYING_API_KEY}\n${WELCOME}\n` }
            : {
              code: 1,
              stdout: "",
              stderr:
                `pilotcli may not read PILOT_CA_FILE ${file}, so it needs --allow-read=${world.configDir},${file}: add it to the \`deno run\` or \`deno install\` line (see the README).\n`,
            },
        );
        // Only Node's login, which has no permissions to miss, reached it.
        assert.equal(world.idp.requests.length > 0, runtime === "node");
      } finally {
        await Deno.remove(notPem);
      }
    });
  });
}
