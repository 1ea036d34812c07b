/**
 * `pilotcli user token`: a valid access token, refreshed when needed, and
 * nothing else on stdout, for `curl -H "Authorization: Bearer $(...)"`.
 * `--min-ttl SECONDS` refreshes it first when it would expire within that
 * time (a long upload's worth); `--json` adds when it expires.
 *
 * @module
 */

import { CliError, EXIT_USAGE } from "../errors.ts";
import { inertJson } from "../ui/terminal_text.ts";
import { minTtlInvalid } from "../ui/messages.ts";
import { useSession } from "./active_session.ts";
import type { Context } from "./context.ts";
import type { TokenFlags } from "./spec.ts";

/** Prints a fresh access token. */
export async function runToken(
  ctx: Context,
  flags: TokenFlags = {},
): Promise<void> {
  let minTtl: number | undefined;
  if (flags.minTtl !== undefined) {
    minTtl = Number(flags.minTtl);
    if (!/^\d+$/.test(flags.minTtl) || !Number.isSafeInteger(minTtl)) {
      throw new CliError(minTtlInvalid(flags.minTtl), { exitCode: EXIT_USAGE });
    }
  }
  const { session } = await useSession(ctx, {
    fresh: true,
    minTtl,
    profile: flags.profile,
  });
  if (flags.json) {
    const expiresAt = new Date(session.accessTokenExpiresAt * 1000)
      .toISOString();
    ctx.stdout.write(
      `${inertJson({ accessToken: session.accessToken, expiresAt })}\n`,
    );
    return;
  }
  ctx.stdout.write(`${session.accessToken}\n`);
}

/** The entry of `user token` that main runs with the parsed flags. */
export async function tokenCommand(
  this: Context,
  flags: TokenFlags,
): Promise<void> {
  await runToken(this, flags);
}
