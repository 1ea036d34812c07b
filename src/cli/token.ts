/**
 * `pilotcli user token`: a valid access token, refreshed when needed, and
 * nothing else on stdout, for `curl -H "Authorization: Bearer $(...)"`.
 *
 * @module
 */

import { useSession } from "./active_session.ts";
import type { Context } from "./context.ts";
import type { TokenFlags } from "./spec.ts";

/** Prints a fresh access token. */
export async function runToken(
  ctx: Context,
  options: TokenFlags = {},
): Promise<void> {
  const { session } = await useSession(ctx, {
    fresh: true,
    profile: options.profile,
  });
  ctx.stdout.write(`${session.accessToken}\n`);
}

/** The entry of `user token` that main runs with the parsed flags. */
export async function tokenCommand(
  this: Context,
  flags: TokenFlags,
): Promise<void> {
  await runToken(this, flags);
}
