/**
 * `pilotcli user login` end to end: the CLI as a subprocess with its narrow
 * permissions, against the real test identity server.
 */

import assert from "node:assert/strict";
import { approveInBrowser } from "../idp/person_browser.ts";
import { approveOverHttp } from "../idp/person_http.ts";
import { DEVICE_CODE_GRANT_TYPE, PATHS } from "../idp/server.ts";
import { decode } from "../qr_reader.ts";
import {
  API_KEY_INVALID,
  DEVICE_DENIED,
  DEVICE_EXPIRED,
  TRYING_API_KEY,
  WAITING,
  WELCOME,
} from "../../src/ui/messages.ts";
import {
  API_KEY,
  exists,
  modeOf,
  printedLink,
  USER,
  withWorld,
  type World,
} from "./harness.ts";

const TOKEN = PATHS.token;

/** Asserts a run left a good session for USER, made by `method`. */
async function assertLoggedIn(world: World, method: string) {
  assert.equal(await modeOf(world.configDir), 0o700);
  assert.equal(await modeOf(world.sessionPath), 0o600);
  const session = await world.session();
  assert.equal(session.username, USER.username);
  assert.equal(session.method, method);
  assert.equal(session.authUrl, world.idp.issuer);
  return session;
}

Deno.test("device login approved in a real browser", async () => {
  await withWorld({}, async (world) => {
    const cli = world.spawn(["user", "login", "--no-qr"]);
    await approveInBrowser(await printedLink(cli), USER);
    const result = await cli.result();
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stderr.includes(WELCOME));
    await assertLoggedIn(world, "device-code");
  });
});

Deno.test("the printed QR code reads back as the printed link", async () => {
  await withWorld({ deviceCodeTtl: 3 }, async (world) => {
    const cli = world.spawn(["user", "login"]);
    const link = await printedLink(cli);
    await cli.waitForStderr(new RegExp(WAITING));
    cli.kill("SIGINT");
    const { stderr } = await cli.result();
    const qr = stderr.split("\n").filter((line) => /^[▀▄█ ]+$/.test(line));
    assert.ok(qr.length > 10, "no QR code printed");
    assert.equal(decode(qr.join("\n"), "dark", "dontInvert"), link);
    assert.equal(decode(qr.join("\n"), "light", "attemptBoth"), link);
  });
});

Deno.test("--no-qr prints the link without a QR code", async () => {
  await withWorld({}, async (world) => {
    const cli = world.spawn(["user", "login", "--no-qr"]);
    // Everything before the wait is printed then; Ctrl-C, not the code's end.
    await cli.waitForStderr(new RegExp(WAITING));
    cli.kill("SIGINT");
    const result = await cli.result();
    assert.ok(result.stderr.includes("Open this link to log in: "));
    assert.ok(!/[▀▄█]/.test(result.stderr));
  });
});

Deno.test("a denied device login fails and stores nothing", async () => {
  await withWorld({}, async (world) => {
    const cli = world.spawn(["user", "login", "--no-qr"]);
    await approveOverHttp(await printedLink(cli), { ...USER, deny: true });
    const result = await cli.result();
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split("\n").at(-1), DEVICE_DENIED);
    assert.equal(await exists(world.sessionPath), false);
  });
});

Deno.test("an expired device code fails with the expired line", async () => {
  await withWorld({ deviceCodeTtl: 1 }, async (world) => {
    const result = await world.cli(["user", "login", "--no-qr"]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split("\n").at(-1), DEVICE_EXPIRED);
    assert.equal(await exists(world.sessionPath), false);
  });
});

Deno.test("polling honours the interval: the server never says slow_down", async () => {
  await withWorld({ interval: 1 }, async (world) => {
    const cli = world.spawn(["user", "login", "--no-qr"]);
    const link = await printedLink(cli);
    const polls = () =>
      world.idp.requests.filter((r) =>
        r.path === TOKEN && r.grantType === DEVICE_CODE_GRANT_TYPE
      );
    // Approve once it has polled twice in vain: three polls, two intervals.
    let ended = false;
    cli.result().then(() => ended = true);
    while (polls().length < 2 && !ended) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await approveOverHttp(link, USER);
    const result = await cli.result();
    assert.equal(result.code, 0, result.stderr);
    const seen = polls();
    assert.ok(seen.length >= 3, `only ${seen.length} polls`);
    assert.ok(seen.every((r) => r.error !== "slow_down"));
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i].at - seen[i - 1].at >= 950, "polled too soon");
    }
    // Polling stops the moment the tokens arrive.
    assert.equal(seen.at(-1)!.status, 200);
  });
});

Deno.test("a 5xx answer while polling is survived", async () => {
  await withWorld({}, async (world) => {
    // One 503 proves it survives; repeated ones and the doubling backoff
    // are pollForTokens' unit test (src/auth/device_test.ts).
    world.idp.failNext(TOKEN, {
      count: 1,
      status: 503,
      grantType: DEVICE_CODE_GRANT_TYPE,
    });
    const cli = world.spawn(["user", "login", "--no-qr"]);
    const link = await printedLink(cli);
    await approveOverHttp(link, USER);
    const result = await cli.result();
    assert.equal(result.code, 0, result.stderr);
    const statuses = world.idp.requests
      .filter((r) => r.path === TOKEN).map((r) => r.status);
    assert.equal(statuses[0], 503);
    assert.equal(statuses.at(-1), 200);
    await assertLoggedIn(world, "device-code");
  });
});

Deno.test("API-key login: a key from standard input and from PILOT_API_KEY", async () => {
  await withWorld({}, async (world) => {
    const piped = await world.cli(["user", "login", "--api-key", "-"], {
      stdin: `${API_KEY}\n`,
    });
    assert.equal(piped.code, 0, piped.stderr);
    await assertLoggedIn(world, "api-key");
    await Deno.remove(world.sessionPath);
    const fromEnv = await world.cli(["user", "login"], {
      env: { PILOT_API_KEY: API_KEY },
    });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.ok(fromEnv.stderr.startsWith(TRYING_API_KEY));
    await assertLoggedIn(world, "api-key");
  });
});

Deno.test("API-key login: a bad key fails, prints no key, keeps the old session", async () => {
  await withWorld({}, async (world) => {
    assert.equal(
      (await world.cli(["user", "login", "--api-key", API_KEY])).code,
      0,
    );
    const before = await Deno.readTextFile(world.sessionPath);
    const badKey = "pk-wrong-key-fedcba9876543210";
    for (const debug of ["0", "1"]) {
      const result = await world.cli(["user", "login", "--api-key", badKey], {
        env: { PILOT_DEBUG: debug },
      });
      assert.equal(result.code, 1);
      const lines = result.stderr.split("\n");
      assert.deepEqual(lines.slice(0, 2), [TRYING_API_KEY, API_KEY_INVALID]);
      // PILOT_DEBUG=1 adds the cause and its stack, and still no key.
      assert.equal(lines.length > 3, debug === "1");
      assert.ok(!result.stderr.includes(badKey));
    }
    assert.equal(await Deno.readTextFile(world.sessionPath), before);
  });
});

Deno.test("a session file open to others is refused with the chmod that fixes it", async () => {
  await withWorld({}, async (world) => {
    assert.equal(
      (await world.cli(["user", "login", "--api-key", API_KEY])).code,
      0,
    );
    await Deno.chmod(world.sessionPath, 0o644);
    const result = await world.cli(["user", "login", "--api-key", API_KEY]);
    assert.equal(result.code, 1);
    assert.ok(
      result.stderr.includes(`chmod 600 ${world.sessionPath}`),
      result.stderr,
    );
    assert.equal(result.stderr.trim().split("\n").length, 1);
    assert.equal(await modeOf(world.sessionPath), 0o644);
    await Deno.chmod(world.sessionPath, 0o600);
    await Deno.chmod(world.configDir, 0o755);
    const dirResult = await world.cli(["user", "login", "--api-key", API_KEY]);
    assert.equal(dirResult.code, 1);
    assert.ok(dirResult.stderr.includes(`chmod 700 ${world.configDir}`));
  });
});

Deno.test("a corrupt session file is moved aside and reported", async () => {
  await withWorld({}, async (world) => {
    await Deno.mkdir(world.configDir, { mode: 0o700 });
    await Deno.writeTextFile(world.sessionPath, "{not json", { mode: 0o600 });
    const result = await world.cli(["user", "login", "--api-key", API_KEY]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /was unreadable .* moved to /);
    const aside = [...Deno.readDirSync(world.configDir)]
      .map((e) => e.name).filter((n) => n.startsWith("session.json.corrupt-"));
    assert.equal(aside.length, 1);
    assert.equal(
      await Deno.readTextFile(`${world.configDir}/${aside[0]}`),
      "{not json",
    );
    await assertLoggedIn(world, "api-key");
  });
});
