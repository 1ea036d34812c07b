/**
 * Concurrency: 32 `pilotcli user token` processes started together on an
 * expired access token, 6 rounds. Every round: every process succeeds and
 * prints the same token, the server sees exactly one refresh, and the
 * session afterwards is whole, 0600, and its access token works at the
 * server. At the end its refresh token still works.
 *
 * The access token is made expired by moving its stored issue and expiry
 * times into the past (`expireAccessToken`), not by waiting for a short
 * server TTL: pilotcli refreshes a token once it is within half its
 * lifetime of expiry (and 60 s at most), counted in whole seconds, so with a
 * 1-2 s TTL the token just refreshed is due again within a second, and a
 * round of 32 processes on 2 cores takes longer than that: a second,
 * legitimate refresh would follow. With the server's 300 s TTL the token
 * refreshed in a round stays fresh for the rest of it.
 */

import assert from "node:assert/strict";
import { approveOverHttp } from "../idp/person_http.ts";
import { parseSession } from "../../src/session/session.ts";
import { Cli, runCli } from "./cli_runner.ts";
import {
  expireAccessToken,
  leftovers,
  printedLink,
  refreshWorks,
  startTestIdp,
  TempRoot,
  TOKEN_PATH,
  USER,
} from "./world.ts";

const PROCESSES = 32;
const ROUNDS = 6;

Deno.test(`concurrency: ${PROCESSES} × user token on an expired access token, ${ROUNDS} rounds, one refresh each`, async () => {
  const idp = await startTestIdp([]);
  const root = await TempRoot.make("pilotcli-concurrency-");
  const dir = root.dir();
  const options = { authUrl: idp.issuer, configDir: dir };
  const refreshes = () =>
    idp.requests.filter((r) =>
      r.path === TOKEN_PATH && r.grantType === "refresh_token"
    );
  try {
    // A device-code session: a rejected refresh has no API key to fall back on.
    const login = new Cli(["user", "login", "--no-qr"], options);
    const link = await printedLink(login);
    await approveOverHttp(link, USER);
    assert.equal((await login.result()).code, 0);

    let previous = parseSession(await Deno.readTextFile(`${dir}/session.json`));
    const problems: string[] = [];
    const roundMs: number[] = [];
    let slowestProcessMs = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      await expireAccessToken(dir);
      const before = refreshes().length;
      const begin = performance.now();
      const clis = Array.from(
        { length: PROCESSES },
        () => new Cli(["user", "token"], options),
      );
      const runs = await Promise.all(clis.map((c) => c.result()));
      roundMs.push(performance.now() - begin);
      slowestProcessMs = Math.max(slowestProcessMs, ...runs.map((r) => r.ms));
      const say = (problem: string) =>
        problems.push(`round ${round}: ${problem}`);
      const failed = runs.filter((r) => r.code !== 0 || r.stderr !== "");
      if (failed.length) {
        say(
          `${failed.length} of ${PROCESSES} failed, e.g. exit ${
            failed[0].code
          }: ${failed[0].stderr.trim()}`,
        );
      }
      const outputs = new Set(runs.map((r) => r.stdout));
      if (outputs.size !== 1) say(`${outputs.size} different outputs`);
      const round_refreshes = refreshes().slice(before);
      if (round_refreshes.length !== 1) {
        say(
          `${round_refreshes.length} refreshes at the server (statuses ${
            round_refreshes.map((r) => r.status).join(", ")
          }), not 1`,
        );
      } else if (round_refreshes[0].status !== 200) {
        say(`the refresh answered ${round_refreshes[0].status}`);
      }
      let session;
      try {
        session = parseSession(await Deno.readTextFile(`${dir}/session.json`));
      } catch (err) {
        say(`no valid session after the round: ${err}`);
        break;
      }
      if (runs[0].stdout !== `${session.accessToken}\n`) {
        say("the printed token is not the stored one");
      }
      if (session.accessToken === previous.accessToken) {
        say("the access token was not refreshed");
      }
      if (((await Deno.stat(`${dir}/session.json`)).mode! & 0o777) !== 0o600) {
        say("session.json is not 0600");
      }
      const left = await leftovers(dir);
      if (left.length) say(`left behind: ${left.join(", ")}`);
      if (!await accessWorks(idp.issuer, session.accessToken)) {
        say("the new access token does not work at the server");
      }
      previous = session;
      if (problems.length) break;
    }
    assert.deepEqual(problems, [], "concurrent token runs went wrong");
    // Still a live session at the server: its refresh token works.
    const last = await runCli(["user", "token"], options);
    assert.equal(last.code, 0, last.stderr);
    assert.ok(await refreshWorks(idp.issuer, previous.refreshToken));
    const total = roundMs.reduce((a, b) => a + b, 0);
    console.log(
      `figures: ${ROUNDS} rounds × ${PROCESSES} processes = ${
        ROUNDS * PROCESSES
      } runs, ${ROUNDS} refreshes at the server; rounds ${
        (Math.min(...roundMs) / 1000).toFixed(2)
      }-${(Math.max(...roundMs) / 1000).toFixed(2)} s (total ${
        (total / 1000).toFixed(1)
      } s), slowest process ${(slowestProcessMs / 1000).toFixed(2)} s`,
    );
  } finally {
    await idp.close();
    await root.cleanup();
  }
});

/** Whether the server's userinfo endpoint takes the access token. */
async function accessWorks(issuer: string, token: string): Promise<boolean> {
  const response = await fetch(`${issuer}/protocol/openid-connect/userinfo`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.body?.cancel();
  return response.status === 200;
}
