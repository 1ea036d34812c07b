/**
 * `deno task demo`: pilotcli's main job on a machine of your own. It starts
 * the test identity server (oidc-provider shaped like a Keycloak realm) on
 * 127.0.0.1, points the CLI at it with a throwaway config dir, and runs
 * `pilotcli user login` exactly as a user would: `deno run` with the narrow
 * permissions it ships with. Open the printed link in a browser and sign in
 * with any user name, or pass --approve to have this script approve as the
 * demo user over HTTP. Then it shows `user status` and logs out.
 *
 * @module
 */

import { approveOverHttp } from "../tests/idp/person_http.ts";
import { startIdp } from "../tests/idp/server.ts";
import { DEMO_API_KEY, DEMO_USER } from "../tests/idp/main.ts";
import { permissionFlags } from "../tests/e2e/cli.ts";
import { rootPath } from "./bundle.ts";

const MOD = rootPath("mod.ts");
const approve = Deno.args.includes("--approve");

const idp = await startIdp({
  apiKeys: { [DEMO_API_KEY]: DEMO_USER },
  interval: 2,
});
const configDir = await Deno.makeTempDir({ prefix: "pilotcli-demo-" });
const env = { PILOT_AUTH_URL: idp.issuer, PILOT_CONFIG_DIR: configDir };
const encoder = new TextEncoder();
const say = (text: string) =>
  Deno.stderr.writeSync(encoder.encode(`${text}\n`));

/** Runs pilotcli, echoing its output, and calls `onStderr` with all stderr so far. */
async function pilotcli(
  args: string[],
  onStderr?: (text: string) => void,
): Promise<number> {
  const flags = permissionFlags(idp.issuer, configDir).join(" ");
  say(`\n$ deno run ${flags} mod.ts ${args.join(" ")}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...permissionFlags(idp.issuer, configDir),
      MOD,
      ...args,
    ],
    env,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "piped",
  }).spawn();
  let seen = "";
  for await (const chunk of child.stderr) {
    Deno.stderr.writeSync(chunk);
    seen += new TextDecoder().decode(chunk);
    onStderr?.(seen);
  }
  return (await child.status).code;
}

say(`Test identity server: ${idp.issuer}`);
say(`Throwaway config dir: ${configDir}`);
say(
  approve
    ? `--approve: this script will approve the login itself, over HTTP, as user "${DEMO_USER}". No browser needed.`
    : "Open the link below in a browser on this machine and sign in with any user name and password (or rerun with --approve).",
);

let approving: Promise<void> | undefined;
let code: number;
try {
  code = await pilotcli(["user", "login"], (stderr) => {
    const link = stderr.match(/Open this link to log in: (\S+)/)?.[1];
    if (approve && link && !approving) {
      say(`[demo] approving as "${DEMO_USER}" in the browser's place...`);
      approving = approveOverHttp(link, { username: DEMO_USER });
    }
  });
  await approving;
  if (code === 0) {
    await pilotcli(["user", "status"]);
    await pilotcli(["user", "logout", "--yes"]);
  }
} finally {
  await idp.close();
  await Deno.remove(configDir, { recursive: true });
}
// After the clean-up: Deno.exit would skip it.
Deno.exit(code);
