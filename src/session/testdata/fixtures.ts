/** What the session tests share: a sample session and file helpers. */

import type { Session } from "../session.ts";

/** A token-shaped secret that must never appear in a message. */
export const SECRET = "eyJhbGciOiJSUzI1NiJ9.SECRET-TOKEN-VALUE.sig";

/** A valid session, with `overrides`. */
export function sampleSession(overrides: Partial<Session> = {}): Session {
  return {
    version: 1,
    authUrl: "https://id.example.com/realms/pilot",
    clientId: "pilotcli",
    method: "device-code",
    username: "ada",
    accessToken: SECRET,
    accessTokenExpiresAt: 1_700_000_300,
    accessTokenIssuedAt: 1_700_000_000,
    refreshToken: "refresh-" + SECRET,
    lastActiveAt: 1_700_000_000,
    ...overrides,
  };
}

/** Whether `path` exists (a dangling link counts). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
