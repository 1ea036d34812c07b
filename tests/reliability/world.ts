/**
 * Shared set-up of the reliability suites: the test identity server with
 * unique marker API keys, temporary config dirs, sessions made with real
 * tokens, the discovery cache, and looks at what a run left behind.
 *
 * @module
 */

import { type Idp, type IdpOptions, startIdp } from "../idp/server.ts";
import { serializeSession, type Session } from "../../src/session/session.ts";
import type { FaultProxy } from "./fault_proxy.ts";
import {
  expireAccessToken,
  printedLink,
  refreshWorks,
  revokeAtServer,
  USER,
} from "../e2e/harness.ts";
import { PATHS, REALM } from "../idp/server.ts";

// The user every suite signs in as, and the end-to-end suites' ways to
// expire its token early, ask the server about it or revoke it, and read the
// login link.
export { expireAccessToken, printedLink, refreshWorks, revokeAtServer, USER };
/** The realm path of the test server. */
export const REALM_PATH = `/realms/${REALM}`;
/** The token endpoint, relative to the issuer. */
export const TOKEN_PATH = PATHS.token;

/** A unique API key no other test uses: `pk-MARKER-<random hex>`. */
export function markerKey(): string {
  return `pk-MARKER-${randomHex(12)}`;
}

/** Random lowercase hex of `bytes` bytes. */
function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** Starts the test server with USER and the given API keys (all for USER). */
export function startTestIdp(
  apiKeys: string[],
  options: IdpOptions = {},
): Promise<Idp> {
  return startIdp({
    users: { [USER.username]: USER.password },
    apiKeys: Object.fromEntries(apiKeys.map((key) => [key, USER.username])),
    interval: 0.2,
    ...options,
  });
}

/** The origin of a server's issuer, e.g. `http://127.0.0.1:1234`. */
export function originOf(issuer: string): string {
  return new URL(issuer).origin;
}

/** The realm URL through a proxy: what PILOT_AUTH_URL is set to. */
export function authUrlOf(proxy: FaultProxy): string {
  return `${proxy.origin}${REALM_PATH}`;
}

/** A temporary root for a test's config dirs, removed by `cleanup`. */
export class TempRoot {
  /** The root directory. */
  readonly path: string;
  #n = 0;

  private constructor(path: string) {
    this.path = path;
  }

  /** Makes the root. */
  static async make(prefix: string): Promise<TempRoot> {
    return new TempRoot(await Deno.makeTempDir({ prefix }));
  }

  /** A fresh config dir path under the root, not yet created. */
  dir(name = "config"): string {
    return `${this.path}/${name}-${++this.#n}`;
  }

  /** Removes the root and all under it. */
  async cleanup(): Promise<void> {
    await Deno.remove(this.path, { recursive: true }).catch(() => {});
  }
}

/** The token response of a direct API-key exchange at the server. */
export interface DirectTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  refresh_expires_in?: number;
}

/** Exchanges `apiKey` at the server directly (not through the CLI). */
export async function directTokens(
  idp: Idp,
  apiKey: string,
): Promise<DirectTokens> {
  const response = await fetch(`${idp.issuer}/api-key/${apiKey}`);
  const body = await response.json();
  if (response.status !== 200) {
    throw new Error(`API-key exchange answered ${response.status}`);
  }
  return body;
}

/** What a crafted session looks like. */
export interface CraftOptions {
  /** PILOT_AUTH_URL it was made for. */
  authUrl: string;
  /** Login method; "api-key" sessions keep `apiKey`. */
  method: Session["method"];
  /** Real tokens. */
  tokens: DirectTokens;
  /** The API key, for method "api-key". */
  apiKey?: string;
  /** The access token has expired (needs a refresh). */
  accessExpired?: boolean;
  /** The refresh token has expired (needs a new login, or the key). */
  refreshExpired?: boolean;
}

/**
 * Writes a session as the CLI would have (0700 dir, 0600 file), with real
 * tokens and the expiry times asked for. Returns the file's bytes.
 */
export async function craftSession(
  dir: string,
  options: CraftOptions,
): Promise<Uint8Array> {
  const now = Math.floor(Date.now() / 1000);
  const session: Session = {
    version: 1,
    authUrl: options.authUrl,
    clientId: "cli",
    method: options.method,
    username: USER.username,
    accessToken: options.tokens.access_token,
    accessTokenExpiresAt: options.accessExpired ? now - 100 : now + 300,
    accessTokenIssuedAt: options.accessExpired ? now - 400 : now,
    refreshToken: options.tokens.refresh_token,
    refreshTokenExpiresAt: options.refreshExpired ? now - 10 : now + 1800,
    lastActiveAt: now,
    ...(options.method === "api-key" ? { apiKey: options.apiKey } : {}),
  };
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await Deno.chmod(dir, 0o700);
  const path = `${dir}/session.json`;
  await Deno.writeTextFile(path, serializeSession(session), { mode: 0o600 });
  await Deno.chmod(path, 0o600);
  return await Deno.readFile(path);
}

/**
 * Writes the discovery cache (`discovery.json`) the CLI keeps, with the
 * server's document as seen through `proxy`, so that the next run sends no
 * discovery request.
 */
export async function writeDiscoveryCache(
  dir: string,
  idp: Idp,
  proxy: FaultProxy,
): Promise<void> {
  const response = await fetch(
    `${idp.issuer}/.well-known/openid-configuration`,
  );
  const document = JSON.parse(proxy.rewrite(await response.text()));
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await Deno.chmod(dir, 0o700);
  await Deno.writeTextFile(
    `${dir}/discovery.json`,
    JSON.stringify({ fetchedAt: Math.floor(Date.now() / 1000), document }),
    { mode: 0o600 },
  );
}

/** A file's bytes, or undefined when it does not exist. */
export async function bytesOf(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** Whether two byte arrays (or two absences) are equal. */
export function sameBytes(
  a: Uint8Array | undefined,
  b: Uint8Array | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Leftovers a finished run must not leave: temp files, the lock, its guard. */
const LEFTOVER = /^(session\.json\.[0-9a-f]+\.tmp|session\.lock(\.takeover)?)$/;

/** The names of leftover files in `dir` (none when it does not exist). */
export async function leftovers(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (LEFTOVER.test(entry.name)) names.push(entry.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}

/** Lines of `text` that look like a stack trace. */
export function stackLines(text: string): string[] {
  return text.split("\n").filter((line) => /^\s+at\s/.test(line));
}

/** The non-empty lines of `text`. */
export function linesOf(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

/** Runs `tasks` with at most `limit` at a time; results in order. */
export async function pool<T>(
  limit: number,
  tasks: (() => Promise<T>)[],
): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, worker),
  );
  return results;
}

/** Whether this process runs as root (uid 0); false where there are no uids. */
export function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

/** A deterministic PRNG (mulberry32): the same seed gives the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
