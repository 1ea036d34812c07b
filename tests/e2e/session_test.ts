/**
 * Using a session end to end, on Deno from source: logout and its question,
 * idle logout, refresh, renewal with the API key, `user status` and
 * `user token`. What runtimes_test.ts checks on every runtime (status and
 * token output, logout without a session, concurrent refreshes) is not
 * repeated here; the session core's decisions are its unit tests'.
 */

import assert from "node:assert/strict";
import { PATHS } from "../idp/server.ts";
import { parseSession, type Session } from "../../src/session/session.ts";
import {
  LOGOUT_CANCELLED,
  LOGOUT_DONE,
  LOGOUT_INVALID_ANSWER,
  LOGOUT_NO_ANSWER,
  LOGOUT_PROMPT,
  LOGOUT_SERVER_UNREACHABLE,
  SESSION_INVALID,
} from "../../src/ui/messages.ts";
import {
  apiKeyLogin,
  editSession,
  exists,
  expireAccessToken,
  refreshWorks,
  revokeAtServer,
  withWorld,
  type World,
} from "./harness.ts";

const TOKEN = PATHS.token;

/**
 * A device-code session with the server's real tokens, without waiting out
 * the device flow's poll interval (1 s at least): an API-key login whose
 * session is then made a device-code one, so it has no key to fall back on.
 * The device flow itself is login_test.ts's and runtimes_test.ts's.
 */
async function deviceSession(world: World): Promise<Session> {
  await apiKeyLogin(world);
  return await editSession(world.configDir, ({ apiKey: _, ...s }) => ({
    ...s,
    method: "device-code",
  }));
}

function refreshes(world: World) {
  return world.idp.requests.filter((r) =>
    r.path === TOKEN && r.grantType === "refresh_token"
  );
}

const ANSWERS: [
  name: string,
  stdin: string,
  outcome: "out" | "kept",
  prompts: number,
][] = [
  ["y", "y\n", "out", 1],
  ["yes", "yes\n", "out", 1],
  ["YES in capitals", "YES\n", "out", 1],
  ["n", "n\n", "kept", 1],
  ["no", "no\n", "kept", 1],
  ["an empty line", "\n", "kept", 1],
  ["other input, then y", "maybe\ny\n", "out", 2],
];

Deno.test("logout says an answer is neither yes nor no, as Click did, and asks again", async () => {
  await withWorld({}, async (world) => {
    await apiKeyLogin(world);
    const result = await world.cli(["user", "logout"], { stdin: "maybe\nn\n" });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stderr,
      `${LOGOUT_PROMPT}${LOGOUT_INVALID_ANSWER}\n${LOGOUT_PROMPT}${LOGOUT_CANCELLED}\n`,
    );
  });
});

for (const [name, stdin, outcome, prompts] of ANSWERS) {
  Deno.test(`logout answered with ${name}`, async () => {
    await withWorld({}, async (world) => {
      await apiKeyLogin(world);
      const result = await world.cli(["user", "logout"], { stdin });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr.split(LOGOUT_PROMPT).length - 1, prompts);
      const last = result.stderr.split("\n").at(-2);
      assert.equal(
        last?.endsWith(outcome === "out" ? LOGOUT_DONE : LOGOUT_CANCELLED),
        true,
        result.stderr,
      );
      assert.equal(await exists(world.sessionPath), outcome === "kept");
    });
  });
}

Deno.test("logout at end of input cancels, hints at -y, exits 1", async () => {
  await withWorld({}, async (world) => {
    await apiKeyLogin(world);
    const result = await world.cli(["user", "logout"], { stdin: "" });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes(LOGOUT_CANCELLED));
    assert.ok(result.stderr.trim().endsWith(LOGOUT_NO_ANSWER));
    assert.equal(await exists(world.sessionPath), true);
  });
});

Deno.test("logout -y and --yes skip the question and end the session at the server", async () => {
  await withWorld({}, async (world) => {
    for (const flag of ["-y", "--yes"]) {
      const session = await deviceSession(world);
      const result = await world.cli(["user", "logout", flag]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, `${LOGOUT_DONE}\n`);
      assert.equal(await exists(world.sessionPath), false);
      assert.equal(
        await refreshWorks(world.idp.issuer, session.refreshToken),
        false,
      );
    }
  });
});

Deno.test("logout with the server down warns, removes the session, exits 0", async () => {
  await withWorld({}, async (world) => {
    await apiKeyLogin(world);
    await world.idp.close();
    const result = await world.cli(["user", "logout", "-y"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stderr,
      `${LOGOUT_SERVER_UNREACHABLE}\n${LOGOUT_DONE}\n`,
    );
    assert.equal(await exists(world.sessionPath), false);
  });
});

for (
  const command of [["user", "status"], ["user", "token"], [
    "user",
    "logout",
    "-y",
  ]]
) {
  Deno.test(`an idle session ends: ${command.join(" ")}`, async () => {
    await withWorld({}, async (world) => {
      const session = await deviceSession(world);
      // Last used two idle times ago (the default idle time is 1 h): the
      // clock's part is the unit tests' (the idle boundary), not a sleep's.
      await editSession(world.configDir, (s) => ({
        ...s,
        lastActiveAt: s.lastActiveAt - 7200,
      }));
      const result = await world.cli(command);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      assert.equal(result.stderr, `${SESSION_INVALID}\n`);
      assert.equal(await exists(world.sessionPath), false);
      // The server was told too.
      assert.equal(
        await refreshWorks(world.idp.issuer, session.refreshToken),
        false,
      );
    });
  });
}

Deno.test("using the session restarts its idle time", async () => {
  await withWorld({}, async (world) => {
    await apiKeyLogin(world);
    // Ten seconds before its idle end: a use now must move the end an idle
    // time (1 h) ahead of this moment.
    await editSession(world.configDir, (s) => ({
      ...s,
      lastActiveAt: Math.floor(Date.now() / 1000) - 3590,
    }));
    const before = Math.floor(Date.now() / 1000);
    const used = await world.cli(["user", "status"]);
    assert.equal(used.code, 0, used.stderr);
    assert.ok((await world.session()).lastActiveAt >= before);
    const json = await world.cli(["user", "status", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const { idleLogoutIn } = JSON.parse(json.stdout);
    assert.ok(idleLogoutIn > 3600 - 60, `idle end in ${idleLogoutIn} s`);
  });
});

/** Past the refresh token's lifetime, and the access token's. */
function refreshTokenRunOut(world: World): Promise<Session> {
  const now = Math.floor(Date.now() / 1000);
  return editSession(world.configDir, (s) => ({
    ...s,
    accessTokenIssuedAt: now - 400,
    accessTokenExpiresAt: now - 100,
    refreshTokenExpiresAt: now - 1,
  }));
}

Deno.test("the refresh token's lifetime running out ends a device session", async () => {
  await withWorld({}, async (world) => {
    const session = await deviceSession(world);
    assert.ok(session.refreshTokenExpiresAt, "the server gave a lifetime");
    await refreshTokenRunOut(world);
    const result = await world.cli(["user", "token"]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `${SESSION_INVALID}\n`);
    assert.equal(await exists(world.sessionPath), false);
  });
});

Deno.test("an API-key session renews itself with its key when the refresh token is gone", async () => {
  await withWorld({}, async (world) => {
    const before = await apiKeyLogin(world);
    await refreshTokenRunOut(world);
    const result = await world.cli(["user", "token"]);
    assert.equal(result.code, 0, result.stderr);
    const after = await world.session();
    assert.equal(after.method, "api-key");
    assert.notEqual(after.refreshToken, before.refreshToken);
    assert.equal(result.stdout, `${after.accessToken}\n`);
    // Renewed with the key, not with the expired refresh token.
    assert.deepEqual(refreshes(world), []);
  });
});

Deno.test("user token: exactly one refresh when the access token has expired", async () => {
  await withWorld({}, async (world) => {
    const session = await deviceSession(world);
    await expireAccessToken(world.configDir);
    const before = refreshes(world).length;
    const result = await world.cli(["user", "token"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.split("\n").length, 2);
    assert.notEqual(result.stdout, `${session.accessToken}\n`);
    assert.equal(refreshes(world).length - before, 1);
  });
});

Deno.test("user status of an expired access token says so, and refreshes nothing", async () => {
  await withWorld({}, async (world) => {
    await deviceSession(world);
    await expireAccessToken(world.configDir);
    const before = refreshes(world).length;
    const result = await world.cli(["user", "status"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout.split("\n")[2],
      "Access token expired; it is refreshed on next use",
    );
    assert.equal(refreshes(world).length, before);
  });
});

Deno.test("a refresh token the server rejects ends the session", async () => {
  await withWorld({}, async (world) => {
    const session = await deviceSession(world);
    // Revoked behind the CLI's back (RFC 7009), as an administrator would.
    await revokeAtServer(world.idp.issuer, session.refreshToken);
    await expireAccessToken(world.configDir);
    const result = await world.cli(["user", "token"]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `${SESSION_INVALID}\n`);
    assert.equal(await exists(world.sessionPath), false);
    const rejected = refreshes(world).at(-1);
    assert.equal(rejected?.error, "invalid_grant");
  });
});

Deno.test("user status without a session exits 1", async () => {
  await withWorld({}, async (world) => {
    const result = await world.cli(["user", "status"]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `${SESSION_INVALID}\n`);
  });
});

Deno.test("activity is written at most once a minute with the default idle time", async () => {
  await withWorld({}, async (world) => {
    await apiKeyLogin(world);
    const before = await Deno.readTextFile(world.sessionPath);
    const session = parseSession(before);
    // As if the last use was 50 s ago: still within the 60 s step, no write.
    // (Not 59: the login and this run may be a second or more apart.)
    const recent = {
      ...session,
      lastActiveAt: Math.floor(Date.now() / 1000) - 50,
    };
    await Deno.writeTextFile(world.sessionPath, JSON.stringify(recent));
    assert.equal((await world.cli(["user", "status"])).code, 0);
    assert.equal(
      (await world.session()).lastActiveAt,
      recent.lastActiveAt,
    );
    // 61 s ago: past the step, the use is recorded.
    const older = { ...session, lastActiveAt: session.lastActiveAt - 61 };
    await Deno.writeTextFile(world.sessionPath, JSON.stringify(older));
    assert.equal((await world.cli(["user", "status"])).code, 0);
    const after = await world.session();
    assert.ok(after.lastActiveAt >= session.lastActiveAt);
  });
});

Deno.test("logging in again ends the replaced session at the server", async () => {
  await withWorld({}, async (world) => {
    const first = await deviceSession(world);
    const second = await apiKeyLogin(world);
    assert.equal(
      await refreshWorks(world.idp.issuer, first.refreshToken),
      false,
    );
    assert.equal(
      await refreshWorks(world.idp.issuer, second.refreshToken),
      true,
    );
  });
});

Deno.test("a session made for another server or client counts as absent and is left alone", async () => {
  await withWorld({}, async (world) => {
    await apiKeyLogin(world);
    const before = await Deno.readTextFile(world.sessionPath);
    const result = await world.cli(["user", "status"], {
      env: { PILOT_CLIENT_ID: "other-cli" },
    });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `The stored session belongs to ${world.idp.issuer} (client cli), not to PILOT_AUTH_URL's server.\n${SESSION_INVALID}\n`,
    );
    assert.equal(await Deno.readTextFile(world.sessionPath), before);
  });
});
