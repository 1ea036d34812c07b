/**
 * Help, version and usage errors, held to the original documentation's
 * help blocks (../shared/seed/pilotcli-user-docs.txt): every line, in order.
 * Spacing may differ, so runs of white space are compared as one space.
 */

import assert from "node:assert/strict";
import { VERSION } from "../../src/version.ts";
import { NO_PROFILE } from "../../src/ui/messages.ts";
import { runCli } from "./cli.ts";

const SEED_HELP: Record<string, string[]> = {
  "user --help": [
    "Usage: pilotcli user [OPTIONS] COMMAND [ARGS]...",
    "Options:",
    "--help Show this message and exit.",
    "Commands:",
    "login For user to login.",
    "logout For user to logout.",
  ],
  "user login --help": [
    "Usage: pilotcli user login [OPTIONS]",
    "For user to login.",
    "Options:",
    "--api-key TEXT Specify API Key for login.",
    "--help Show this message and exit.",
  ],
  "user logout --help": [
    "Usage: pilotcli user logout [OPTIONS]",
    "For user to logout.",
    "Options:",
    // Click wraps at 78 columns, and so does the seed's scrape.
    "-y, --yes Input Y/yes to confirm you want to logout, otherwise input N/no",
    "to remain logged in.",
    "--help Show this message and exit.",
  ],
};

const env = {
  authUrl: "http://127.0.0.1:9/realms/pilot",
  configDir: "/nonexistent/pilotcli",
};

function normalize(text: string): string[] {
  return text.split("\n").map((l) => l.trim().replace(/\s+/g, " "))
    .filter((l) => l !== "");
}

for (const [args, expected] of Object.entries(SEED_HELP)) {
  Deno.test(`pilotcli ${args} prints the seed's help block in order`, async () => {
    const result = await runCli(args.split(" "), env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    const lines = normalize(result.stdout);
    let at = 0;
    for (const line of expected) {
      const found = lines.indexOf(line, at);
      assert.ok(
        found >= 0,
        `missing or out of order: ${line}\n${result.stdout}`,
      );
      at = found + 1;
    }
  });
}

Deno.test("pilotcli --help lists the user command and --version", async () => {
  const result = await runCli(["--help"], env);
  assert.equal(result.code, 0);
  const lines = normalize(result.stdout);
  assert.ok(lines.includes("Usage: pilotcli [OPTIONS] COMMAND [ARGS]..."));
  assert.ok(lines.some((l) => l.startsWith("user ")));
  assert.ok(lines.some((l) => l.startsWith("--version ")));
});

Deno.test("user login --help adds --web after the seed's lines", async () => {
  const result = await runCli(["user", "login", "--help"], env);
  assert.equal(result.code, 0);
  const lines = normalize(result.stdout);
  const web = lines.indexOf(
    "--web Open the device validation link in the web browser.",
  );
  assert.ok(web > lines.indexOf("--api-key TEXT Specify API Key for login."));
  assert.equal(lines.at(-1), "--help Show this message and exit.");
});

Deno.test("pilotcli completions --help shows the shells as Click shows a choice", async () => {
  const result = await runCli(["completions", "--help"], env);
  assert.equal(result.code, 0);
  assert.deepEqual(normalize(result.stdout).slice(0, 2), [
    "Usage: pilotcli completions [OPTIONS] {bash|zsh|fish}",
    "Print the completion script of pilotcli for bash, zsh or fish.",
  ]);
});

Deno.test("pilotcli --version prints the version", async () => {
  const result = await runCli(["--version"], env);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, `pilotcli ${VERSION}\n`);
});

Deno.test("the version is deno.json's", async () => {
  const denoJson = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  assert.equal(VERSION, denoJson.version);
});

for (
  const [args, pointer] of [
    ["user login --bogus", "pilotcli user login --help"],
    ["user login --api-key", "pilotcli user login --help"],
    ["user login stray", "pilotcli user login --help"],
    ["user logout --force", "pilotcli user logout --help"],
    ["user lgoin", "pilotcli user --help"],
  ] as const
) {
  Deno.test(`usage error: pilotcli ${args} exits 2 with one line`, async () => {
    const result = await runCli(args.split(" "), env);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.ok(lines[0].includes(pointer), lines[0]);
  });
}

Deno.test("a mistyped value never echoes back: --api-key=SECRET as unknown flag", async () => {
  const secret = "pk-secret-value-123456789";
  const result = await runCli(["user", "login", `--api-keyy=${secret}`], env);
  assert.equal(result.code, 2);
  assert.ok(!result.stderr.includes(secret), result.stderr);
});

for (const secret of ["--pk-secret-value-123456789", "-SeCrEtVaLuEkEyAbC"]) {
  Deno.test(`a key that starts with a dash never echoes back: --api-key ${secret}`, async () => {
    const result = await runCli(["user", "login", "--api-key", secret], env);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      "Usage error: --api-key needs a value (a value that starts with - goes as --api-key=VALUE). Run `pilotcli user login --help` for usage.\n",
    );
  });
}

Deno.test("without PILOT_AUTH_URL or a profile one line says how to add a profile", async () => {
  const result = await runCli(["user", "login"], {
    ...env,
    env: { PILOT_AUTH_URL: "" },
  });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, `${NO_PROFILE}\n`);
});

// The help of the profile commands and the --profile flag, after the
// seed's lines (held above); spacing as the seed's blocks are compared.
const PROFILE_HELP: Record<string, string[]> = {
  "--help": [
    "profile Configure the Pilot deployments pilotcli logs in to.",
  ],
  "user login --help": [
    "--profile NAME Use this profile (default: PILOT_PROFILE, else",
  ],
  "user logout --help": [
    "-y, --yes Input Y/yes to confirm you want to logout, otherwise input N/no",
    "to remain logged in.",
    "--profile NAME",
    "Use this profile (default: PILOT_PROFILE, else PILOT_AUTH_URL,",
    "else the default profile).",
  ],
  "profile --help": [
    "Usage: pilotcli profile [OPTIONS] COMMAND [ARGS]...",
    "add Add a profile: a Pilot deployment's realm, under a name.",
    "list List the profiles, the default marked with *, and their sessions.",
    "use Make a profile the default.",
    "remove Log out of a profile's session, then remove the profile.",
  ],
  "profile add --help": [
    "Usage: pilotcli profile add [OPTIONS] NAME",
    "Add a profile: a Pilot deployment's realm, under a name.",
    "--auth-url URL The Keycloak realm URL (required).",
    "--no-check Add it without checking the realm's discovery",
  ],
  "profile remove --help": [
    "Usage: pilotcli profile remove [OPTIONS] NAME",
    "-y, --yes Remove it without asking.",
  ],
};

for (const [args, expected] of Object.entries(PROFILE_HELP)) {
  Deno.test(`pilotcli ${args} shows the profile lines`, async () => {
    const result = await runCli(args.split(" "), env);
    assert.equal(result.code, 0, result.stderr);
    const lines = normalize(result.stdout);
    let at = 0;
    for (const line of expected) {
      const found = lines.indexOf(line, at);
      assert.ok(
        found >= 0,
        `missing or out of order: ${line}\n${result.stdout}`,
      );
      at = found + 1;
    }
  });
}
