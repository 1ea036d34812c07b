/**
 * The library API of mod.ts, used in-process as other Deno code would,
 * against the test identity server.
 */

import assert from "node:assert/strict";
import {
  getAccessToken,
  loginWithApiKey,
  PilotError,
  readSession,
} from "../../mod.ts";
import { parseSession } from "../../src/session/session.ts";
import { API_KEY, USER, withWorld } from "./harness.ts";

Deno.test("library: log in with an API key, read the session, get its token", async () => {
  await withWorld({}, async (world) => {
    const options = {
      env: {
        PILOT_AUTH_URL: world.idp.issuer,
        PILOT_CONFIG_DIR: world.configDir,
      },
    };
    await assert.rejects(readSession(options), PilotError);
    const info = await loginWithApiKey(API_KEY, options);
    assert.equal(info.username, USER.username);
    assert.equal(info.method, "api-key");
    assert.equal(info.authUrl, world.idp.issuer);
    assert.ok(!JSON.stringify(info).includes(API_KEY));
    const session = parseSession(await Deno.readTextFile(world.sessionPath));
    assert.equal(await getAccessToken(options), session.accessToken);
    assert.equal((await readSession(options)).username, USER.username);
  });
});

Deno.test("library: a bad key is a PilotError with the CLI's line", async () => {
  await withWorld({}, async (world) => {
    await assert.rejects(
      loginWithApiKey("pk-not-a-key-123456", {
        env: {
          PILOT_AUTH_URL: world.idp.issuer,
          PILOT_CONFIG_DIR: world.configDir,
        },
      }),
      (error) =>
        error instanceof PilotError &&
        error.message.startsWith('Failed to log in using "api-key" method'),
    );
  });
});
