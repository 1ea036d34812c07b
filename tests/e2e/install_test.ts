/**
 * `deno install -g` of the program `deno task build` makes, with the narrow
 * permissions the README gives, and the installed `pilotcli` used as a
 * person would; and an install whose --allow-net names another host, which
 * must fail with the line naming the flag to add.
 */

import assert from "node:assert/strict";
import { dirname } from "node:path";
import { approveOverHttp } from "../idp/person_http.ts";
import { ENV_VARS } from "../../src/config.ts";
import { LOGOUT_DONE, WELCOME } from "../../src/ui/messages.ts";
import { buildDenoBundle, permissionFlags } from "./cli.ts";
import { USER, withWorld } from "./harness.ts";

/** Installs pilotcli into `root` with `flags`; returns the program's path. */
async function install(root: string, flags: string[]): Promise<string> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "install",
      "-g",
      "--quiet",
      "--root",
      root,
      "-n",
      "pilotcli",
      "--no-config",
      ...flags,
      await buildDenoBundle(),
    ],
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return `${root}/bin/pilotcli`;
}

/** Runs the installed program; `onStderr` sees its stderr as it grows. */
async function run(
  program: string,
  args: string[],
  env: Record<string, string>,
  onStderr?: (text: string) => void,
) {
  const child = new Deno.Command(program, {
    args,
    clearEnv: true,
    env: {
      // The installed script runs `deno`: the one running these tests.
      PATH: `${dirname(Deno.execPath())}:/usr/bin:/bin`,
      HOME: Deno.env.get("HOME") ?? "/root",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const [status, stdout] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    (async () => {
      for await (
        const text of child.stderr.pipeThrough(new TextDecoderStream())
      ) {
        stderr += text;
        onStderr?.(stderr);
      }
    })(),
  ]);
  return { code: status.code, stdout, stderr };
}

Deno.test("deno install: the installed pilotcli logs in, shows status, logs out", async () => {
  await withWorld({}, async (world) => {
    const root = await Deno.makeTempDir({ prefix: "pilotcli-install-" });
    try {
      const program = await install(
        root,
        permissionFlags(world.idp.issuer, world.configDir),
      );
      const env = {
        PILOT_AUTH_URL: world.idp.issuer,
        PILOT_CONFIG_DIR: world.configDir,
      };
      let approving: Promise<void> | undefined;
      const login = await run(program, ["user", "login"], env, (stderr) => {
        const link = stderr.match(/Open this link to log in: (\S+)/)?.[1];
        if (link && !approving) approving = approveOverHttp(link, USER);
      });
      await approving;
      assert.equal(login.code, 0, login.stderr);
      assert.ok(login.stderr.endsWith(`${WELCOME}\n`));
      const status = await run(program, ["user", "status"], env);
      assert.equal(status.code, 0, status.stderr);
      assert.match(
        status.stdout,
        /^Logged in as alice \(method: device-code\)/,
      );
      const logout = await run(program, ["user", "logout", "-y"], env);
      assert.equal(logout.code, 0, logout.stderr);
      assert.equal(logout.stderr, `${LOGOUT_DONE}\n`);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
});

const ENV_LINE =
  `may not read its environment variables, so it needs --allow-env=${
    ENV_VARS.join(",")
  }`;

/** --allow-env without `name`. */
function envWithout(name: string): (flag: string) => string {
  return (f) =>
    f.startsWith("--allow-env=")
      ? `--allow-env=${ENV_VARS.filter((v) => v !== name).join(",")}`
      : f;
}

const NARROWER: [
  what: string,
  swap: (flag: string) => string,
  need: (host: string, dir: string) => string,
  args: string[],
][] = [
  [
    "--allow-net for another host",
    (f) => f.startsWith("--allow-net=") ? "--allow-net=example.org" : f,
    (host) => `may not connect to ${host}, so it needs --allow-net=${host}`,
    ["user", "login", "--no-qr"],
  ],
  [
    "read and write on another dir",
    (f) => f.replace(/^(--allow-(read|write))=.*/, "$1=/nonexistent"),
    (_, dir) =>
      `may not use its config dir ${dir}, so it needs --allow-read=${dir} --allow-write=${dir}`,
    ["user", "login", "--no-qr"],
  ],
  // Login asks for every variable before it starts: BROWSER is read only
  // once the server has issued a code (--web: to open it at once).
  [
    "--allow-env without BROWSER",
    envWithout("BROWSER"),
    () => ENV_LINE,
    ["user", "login", "--no-qr", "--web"],
  ],
  // Other commands ask for each variable as they first read it.
  [
    "--allow-env without PILOT_IDLE_TIMEOUT",
    envWithout("PILOT_IDLE_TIMEOUT"),
    () => ENV_LINE,
    ["user", "status"],
  ],
];

for (const [what, swap, need, args] of NARROWER) {
  Deno.test(`deno install with ${what}: one line naming the flag`, async () => {
    await withWorld({}, async (world) => {
      const root = await Deno.makeTempDir({ prefix: "pilotcli-install-" });
      try {
        const flags = permissionFlags(world.idp.issuer, world.configDir)
          .map(swap);
        const program = await install(root, flags);
        const host = new URL(world.idp.issuer).host;
        const result = await run(program, args, {
          PILOT_AUTH_URL: world.idp.issuer,
          PILOT_CONFIG_DIR: world.configDir,
        });
        assert.equal(result.code, 1);
        assert.equal(
          result.stderr,
          `pilotcli ${
            need(host, world.configDir)
          }: add it to the \`deno run\` or \`deno install\` line (see the README).\n`,
        );
        assert.equal(world.idp.requests.length, 0);
      } finally {
        await Deno.remove(root, { recursive: true });
      }
    });
  });
}
