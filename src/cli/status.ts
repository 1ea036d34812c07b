/**
 * `pilotcli user status`: who is logged in, how, where, and for how long.
 * It uses the session (idle time restarts) but needs no network while the
 * session is valid.
 *
 * @module
 */

import type { StatusFlags } from "./spec.ts";
import { useSession } from "./active_session.ts";
import type { Context } from "./context.ts";
import { inert, inertJson } from "../ui/terminal_text.ts";
import { statusProfileLine } from "../ui/messages.ts";

/** A span of seconds for people: "4 min 10 s", "1 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Prints the status of the session. */
export async function runStatus(
  ctx: Context,
  options: StatusFlags,
): Promise<void> {
  const { session, idleTimeout, profile } = await useSession(ctx, {
    fresh: false,
    reportCorrupt: true,
    profile: options.profile,
  });
  const now = Math.floor(ctx.clock.now() / 1000);
  const idleLogoutAt = session.lastActiveAt + idleTimeout;
  const status = {
    loggedIn: true,
    username: session.username,
    method: session.method,
    authUrl: session.authUrl,
    clientId: session.clientId,
    accessTokenExpiresAt: new Date(session.accessTokenExpiresAt * 1000)
      .toISOString(),
    accessTokenExpiresIn: Math.max(0, session.accessTokenExpiresAt - now),
    idleLogoutAt: new Date(idleLogoutAt * 1000).toISOString(),
    idleLogoutIn: idleLogoutAt - now,
    // Null: PILOT_AUTH_URL's session, as before profiles.
    profile,
  };
  if (options.json) {
    // Exact values, every control character \u-escaped.
    ctx.stdout.write(`${inertJson(status)}\n`);
    return;
  }
  const tokenLine = status.accessTokenExpiresIn > 0
    ? `Access token expires in ${
      formatDuration(status.accessTokenExpiresIn)
    } (${status.accessTokenExpiresAt})`
    : "Access token expired; it is refreshed on next use";
  // The user name comes from the token, so from the server; the rest from
  // the session file. None of it may act on the terminal.
  ctx.stdout.write(
    [
      ...(profile === null ? [] : [statusProfileLine(profile)]),
      `Logged in as ${inert(session.username)} (method: ${
        inert(session.method)
      })`,
      `Auth server: ${inert(session.authUrl)} (client ${
        inert(session.clientId)
      })`,
      tokenLine,
      `Idle logout in ${
        formatDuration(status.idleLogoutIn)
      } unless pilotcli is used again`,
    ].join("\n") + "\n",
  );
}

/** The entry of `user status` that main runs with the parsed flags. */
export async function statusCommand(
  this: Context,
  flags: StatusFlags,
): Promise<void> {
  await runStatus(this, flags);
}
