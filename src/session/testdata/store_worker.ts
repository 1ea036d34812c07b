/**
 * A separate pilotcli-like process for the store tests, run with only
 * `--allow-read=<dir> --allow-write=<dir>`, as the CLI runs.
 *
 * - `increment <dir> <times>`: add 1 to `lastActiveAt` under the lock, `times` times
 * - `save <dir>`: save a sample session
 * - `touch <dir>`: find the session, then add 1 to its `lastActiveAt`;
 *   prints what was found and how the update ended, as JSON
 *
 * @module
 */

import type { Session } from "../session.ts";
import { asCliError } from "../../cli/failure.ts";
import { SessionNotSaved } from "../../errors.ts";
import { FileSessionStore } from "../store.ts";

/** The session the worker saves, and starts counting from. */
export const WORKER_SESSION: Session = {
  version: 1,
  authUrl: "https://id.example.com/realms/pilot",
  clientId: "pilotcli",
  method: "device-code",
  username: "worker",
  accessToken: "access-token",
  accessTokenExpiresAt: 1_700_000_300,
  accessTokenIssuedAt: 1_700_000_000,
  refreshToken: "refresh-token",
  lastActiveAt: 0,
};

if (import.meta.main) {
  const [command, dir, times] = Deno.args;
  const store = new FileSessionStore(dir, { lock: { timeoutMs: 60_000 } });
  if (command === "increment") {
    for (let i = 0; i < Number(times); i++) {
      await store.update(async (current) => {
        const seen = current?.lastActiveAt ?? 0;
        // Give the others a chance to interleave, as a network call would.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        return { ...(current ?? WORKER_SESSION), lastActiveAt: seen + 1 };
      });
    }
  } else if (command === "save") {
    await store.save(WORKER_SESSION);
  } else if (command === "touch") {
    const found = await store.readLocked();
    let outcome: unknown;
    try {
      await store.update((current) =>
        Promise.resolve(
          current && { ...current, lastActiveAt: current.lastActiveAt + 1 },
        )
      );
      outcome = "saved";
    } catch (err) {
      outcome = err instanceof SessionNotSaved
        ? {
          // The CLI's line for it.
          message: (asCliError(err, "") as Error).message,
          lastActiveAt: err.session?.lastActiveAt,
        }
        : String(err);
    }
    console.log(JSON.stringify({ found: found?.username, outcome }));
  } else {
    throw new Error(`store_worker: unknown command ${command}`);
  }
}
