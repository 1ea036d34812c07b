/**
 * `pilotcli user logout`: asks [y/N] (or takes -y), ends the session at the
 * server as far as it can, and always removes the local session.
 *
 * @module
 */

import { discover } from "../auth/discovery.ts";
import { revokeSession } from "../auth/revoke.ts";
import { configDir, readAuthConfig } from "../config.ts";
import { CliError } from "../errors.ts";
import { redact } from "../redact.ts";
import { fileDiscoveryCache } from "../session/discovery_cache.ts";
import {
  LOGOUT_CANCELLED,
  LOGOUT_DONE,
  LOGOUT_NO_ANSWER,
  LOGOUT_PROMPT,
  SESSION_INVALID,
} from "../ui/messages.ts";
import type { LogoutFlags } from "./app.ts";
import type { Context } from "./context.ts";

/** What `user logout` was asked to do. */
export interface LogoutOptions {
  /** Skip the question. */
  yes?: boolean;
}

/** Asks until the answer is yes or no; null at end of input. */
async function confirm(ctx: Context): Promise<boolean | null> {
  for (;;) {
    ctx.stderr.write(LOGOUT_PROMPT);
    const answer = await ctx.stdin.readLine(ctx.signal);
    if (answer === null) return null;
    const word = answer.trim().toLowerCase();
    if (word === "y" || word === "yes") return true;
    if (word === "" || word === "n" || word === "no") return false;
  }
}

/** Logs out; see the module doc. */
export async function runLogout(
  ctx: Context,
  options: LogoutOptions,
): Promise<void> {
  const auth = readAuthConfig(ctx.env);
  const dir = configDir(ctx.env, ctx.os);
  const store = ctx.openStore(dir);
  const session = await store.find();
  if (
    !session || session.authUrl !== auth.authUrl ||
    session.clientId !== auth.clientId
  ) {
    throw new CliError(SESSION_INVALID);
  }
  if (!options.yes) {
    const yes = await confirm(ctx);
    if (yes === null) {
      ctx.stderr.write(`\n${LOGOUT_CANCELLED}\n`);
      throw new CliError(LOGOUT_NO_ANSWER);
    }
    if (!yes) {
      ctx.stderr.write(`${LOGOUT_CANCELLED}\n`);
      return;
    }
  }
  try {
    const endpoints = await discover(auth.authUrl, {
      fetch: ctx.fetch,
      cache: fileDiscoveryCache(dir),
      nowSeconds: Math.floor(ctx.clock.now() / 1000),
      signal: ctx.signal,
    });
    await revokeSession(endpoints, auth.clientId, session.refreshToken, ctx);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    ctx.stderr.write(
      `Warning: the server could not be told to end the session (${
        redact(error instanceof Error ? error.message : String(error))
      }); it ends by itself when its tokens expire.\n`,
    );
  }
  await store.delete();
  ctx.stderr.write(`${LOGOUT_DONE}\n`);
}

/** The Stricli entry of `user logout`. */
export async function logoutCommand(
  this: Context,
  flags: LogoutFlags,
): Promise<void> {
  await runLogout(this, flags);
}
