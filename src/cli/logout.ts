/**
 * `pilotcli user logout`: asks [y/N] (or takes -y), ends the session at the
 * server as far as it can, and always removes the local session.
 *
 * @module
 */

import { CliError } from "../errors.ts";
import {
  LOGOUT_CANCELLED,
  LOGOUT_DONE,
  LOGOUT_INVALID_ANSWER,
  LOGOUT_NO_ANSWER,
  LOGOUT_PROMPT,
  LOGOUT_SERVER_UNREACHABLE,
} from "../ui/messages.ts";
import { useSession } from "./active_session.ts";
import type { LogoutFlags } from "./spec.ts";
import type { Context } from "./context.ts";

/** Asks `prompt` until the answer is yes or no; null at end of input. */
export async function confirm(
  ctx: Context,
  prompt: string = LOGOUT_PROMPT,
): Promise<boolean | null> {
  ctx.stdin.open();
  for (;;) {
    ctx.stderr.write(prompt);
    const answer = await ctx.stdin.readLine(ctx.signal);
    if (answer === null) return null;
    const word = answer.trim().toLowerCase();
    if (word === "y" || word === "yes") return true;
    if (word === "" || word === "n" || word === "no") return false;
    ctx.stderr.write(`${LOGOUT_INVALID_ANSWER}\n`);
  }
}

/** Logs out; see the module doc. */
export async function runLogout(
  ctx: Context,
  options: LogoutFlags,
): Promise<void> {
  const { session, core } = await useSession(ctx, {
    fresh: false,
    profile: options.profile,
  });
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
  if (!await core.endAtServer(session)) {
    ctx.stderr.write(`${LOGOUT_SERVER_UNREACHABLE}\n`);
  }
  // Whatever the server said, this machine forgets the session.
  await core.forget();
  ctx.stderr.write(`${LOGOUT_DONE}\n`);
}

/** The entry of `user logout` that main runs with the parsed flags. */
export async function logoutCommand(
  this: Context,
  flags: LogoutFlags,
): Promise<void> {
  await runLogout(this, flags);
}
