/**
 * Shared set-up of the end-to-end suites: a fresh test identity server and
 * a fresh config dir per test, and ways to look at the session file.
 *
 * @module
 */

import assert from "node:assert/strict";
import { TRYING_API_KEY, WELCOME } from "../../src/ui/messages.ts";
import {
  CLIENT_ID,
  type Idp,
  type IdpOptions,
  PATHS,
  startIdp,
} from "../idp/server.ts";
import {
  parseSession,
  serializeSession,
  type Session,
} from "../../src/session/session.ts";
import {
  buildDenoBundle,
  type CliOptions,
  CliProcess,
  type CliResult,
  installNodePackage,
  runCli,
  type Runtime,
} from "./cli.ts";

/** The user every suite signs in as. */
export const USER = { username: "alice", password: "wonderland" };
/** A key the test server knows, for USER. */
export const API_KEY = "pk-test-0123456789abcdef";

/** What a test gets. */
export interface World {
  /** The running test identity server. */
  idp: Idp;
  /** A fresh config dir (PILOT_CONFIG_DIR), not yet created. */
  configDir: string;
  /** Runs the CLI to its end. */
  cli(args: string[], more?: MoreOptions): Promise<CliResult>;
  /** Starts the CLI and returns at once. */
  spawn(args: string[], more?: MoreOptions): CliProcess;
  /** The session file's path. */
  sessionPath: string;
  /** The session file, parsed. */
  session(): Promise<Session>;
}

/** What a run of the CLI may add to the world's settings. */
export type MoreOptions = Omit<
  CliOptions,
  "authUrl" | "configDir" | "runtime"
>;

/** The test server's options, and the runtime of the CLI (default "deno"). */
export interface WorldOptions extends IdpOptions {
  /** Which runtime runs the CLI; default "deno". */
  runtime?: Runtime;
}

/** Runs `fn` with a fresh server and config dir, and cleans both up. */
export async function withWorld(
  { runtime = "deno", ...options }: WorldOptions,
  fn: (world: World) => Promise<void>,
): Promise<void> {
  // Built before the server starts, so a test's timing starts with it.
  if (runtime === "node") await installNodePackage();
  if (runtime === "bundle") await buildDenoBundle();
  const idp = await startIdp({
    users: { [USER.username]: USER.password },
    apiKeys: { [API_KEY]: USER.username },
    interval: 0.2,
    ...options,
  });
  const root = await Deno.makeTempDir({ prefix: "pilotcli-e2e-" });
  const configDir = `${root}/config`;
  // An HTTPS server's CA is trusted as a user would: PILOT_CA_FILE.
  const base = {
    authUrl: idp.issuer,
    configDir,
    runtime,
    caFile: idp.ca?.file,
  };
  try {
    await fn({
      idp,
      configDir,
      sessionPath: `${configDir}/session.json`,
      session: async () =>
        parseSession(await Deno.readTextFile(`${configDir}/session.json`)),
      cli: (args, more = {}) => runCli(args, { ...base, ...more }),
      spawn: (args, more = {}) => new CliProcess(args, { ...base, ...more }),
    });
  } finally {
    await idp.close();
    await Deno.remove(root, { recursive: true });
  }
}

/** The mode bits of a path (permissions only). */
export async function modeOf(path: string): Promise<number> {
  return (await Deno.lstat(path)).mode! & 0o777;
}

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Logs in with API_KEY, asserting the exact lines; returns the session. */
export async function apiKeyLogin(
  world: World,
  more: { umask?: string } = {},
): Promise<Session> {
  const result = await world.cli(["user", "login", "--api-key", API_KEY], more);
  assert.deepEqual(
    { code: result.code, stdout: result.stdout, stderr: result.stderr },
    { code: 0, stdout: "", stderr: `${TRYING_API_KEY}\n${WELCOME}\n` },
  );
  return await world.session();
}

/** The link the CLI printed, waiting for it. */
export async function printedLink(cli: CliProcess): Promise<string> {
  const [, link] = await cli.waitForStderr(/Open this link to log in: (\S+)/);
  return link;
}

/**
 * Rewrites the stored session with `change`, atomically and 0600, as a
 * pilotcli run would; returns the new session.
 */
export async function editSession(
  dir: string,
  change: (session: Session) => Session,
  file = "session.json",
): Promise<Session> {
  const path = `${dir}/${file}`;
  const edited = change(parseSession(await Deno.readTextFile(path)));
  const temp = `${dir}/.test-${crypto.randomUUID()}`;
  await Deno.writeTextFile(temp, serializeSession(edited), { mode: 0o600 });
  await Deno.rename(temp, path);
  return edited;
}

/**
 * Makes the stored access token look expired to the CLI (issued 400 s ago,
 * expired 100 s ago), keeping everything else; the server still takes its
 * refresh token. Written atomically, 0600.
 */
export function expireAccessToken(
  dir: string,
  file?: string,
): Promise<Session> {
  const now = Math.floor(Date.now() / 1000);
  return editSession(dir, (session) => ({
    ...session,
    accessTokenIssuedAt: now - 400,
    accessTokenExpiresAt: now - 100,
  }), file);
}

/**
 * Why this process can not give the CLI a read-only or full config dir,
 * or undefined when it can: that takes a private mount namespace
 * (`unshare -m`) and mounting in it, i.e. root (as in CI). `chmod` would
 * not do: root writes through any mode.
 */
export async function privateMountsUnavailable(): Promise<
  string | undefined
> {
  const dir = await Deno.makeTempDir({ prefix: "pilotcli-mount-probe-" });
  try {
    const { success, stderr } = await new Deno.Command("unshare", {
      args: ["-m", "sh", "-c", 'mount -t tmpfs -o size=4k tmpfs "$0"', dir],
      stdout: "null",
      stderr: "piped",
    }).output();
    return success ? undefined : new TextDecoder().decode(stderr).trim() ||
      "unshare -m failed";
  } catch (err) {
    return `unshare could not run: ${(err as Error).message}`;
  } finally {
    await Deno.remove(dir);
  }
}

/**
 * A wrapper (CliOptions.wrapper) that runs the CLI with `dir` bind-mounted
 * read-only onto itself, in a mount namespace of its own.
 */
export function readOnlyDir(dir: string): string[] {
  return [
    "unshare",
    "-m",
    "sh",
    "-c",
    'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"',
    dir,
  ];
}

/**
 * A wrapper (CliOptions.wrapper) that runs the CLI with a full disk at
 * `dir`: a 16 KiB tmpfs, in a mount namespace of its own, holding a copy of
 * the files of `copyOf` and filled up by a file `fill`.
 */
export function fullDir(dir: string, copyOf: string): string[] {
  return [
    "unshare",
    "-m",
    "sh",
    "-c",
    'mount -t tmpfs -o size=16k,mode=0700 tmpfs "$0" && cp -p "$1"/* "$0"/ && { cat /dev/zero > "$0/fill" 2>/dev/null; true; } && shift && exec "$@"',
    dir,
    copyOf,
  ];
}

/**
 * Revokes `refreshToken` at the test server (RFC 7009), as an administrator
 * would, behind the CLI's back.
 */
export async function revokeAtServer(
  issuer: string,
  refreshToken: string,
): Promise<void> {
  const response = await fetch(`${issuer}${PATHS.revocation}`, {
    method: "POST",
    body: new URLSearchParams({ token: refreshToken, client_id: CLIENT_ID }),
  });
  await response.body?.cancel();
  if (response.status !== 200) {
    throw new Error(`the revocation endpoint answered HTTP ${response.status}`);
  }
}

/** Whether the test server takes `refreshToken` (a refresh uses it up). */
export async function refreshWorks(
  issuer: string,
  refreshToken: string,
): Promise<boolean> {
  const response = await fetch(`${issuer}${PATHS.token}`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: CLIENT_ID,
    }),
  });
  await response.body?.cancel();
  return response.status === 200;
}
