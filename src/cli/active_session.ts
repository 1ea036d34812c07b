/**
 * The CLI's adapter over the session core (src/core/session_core.ts): it
 * wires the core to the command's context (the session store of the config
 * dir, the clock, the network, Ctrl-C) and turns the core's warnings and
 * typed errors into the CLI's lines.
 *
 * @module
 */

import type { AuthConfig } from "../config.ts";
import {
  SessionCore,
  type SessionWarning,
  type UseOptions as CoreUseOptions,
} from "../core/session_core.ts";
import { SessionOfAnotherServer } from "../errors.ts";
import { fileDiscoveryCache } from "../session/discovery_cache.ts";
import type { Session } from "../session/session.ts";
import {
  activityNotSaved,
  corruptSessionKept,
  refreshNotSaved,
  sessionOfAnotherServer,
} from "../ui/messages.ts";
import type { Context } from "./context.ts";
import { asCliError } from "./failure.ts";
import { readCheckedSettings } from "./settings.ts";

/** What a command asks of the session. */
export interface UseOptions extends CoreUseOptions {
  /** Say on stderr that corrupt session files moved aside are still on disk (status does). */
  reportCorrupt?: boolean;
  /** The profile named by --profile. */
  profile?: string;
}

/** An active session and the core it was found with. */
export interface ActiveSession {
  /** The session as it is on disk now. */
  session: Session;
  /** The core, to end the session with. */
  core: SessionCore;
  /** PILOT_IDLE_TIMEOUT or the profile's, seconds. */
  idleTimeout: number;
  /** The profile used; null for PILOT_AUTH_URL. */
  profile: string | null;
}

/** The CLI's words for a warning of the session core. */
function warningLine(warning: SessionWarning): string {
  return warning.kind === "refresh-not-saved"
    ? refreshNotSaved(warning.detail)
    : activityNotSaved(warning.detail);
}

/**
 * The session core for this command's context: the settings (permissions
 * checked), the store of the config dir, warnings on stderr.
 */
export function openSessionCore(
  ctx: Context,
  profileFlag?: string,
): {
  core: SessionCore;
  auth: AuthConfig;
  idleTimeout: number;
  profile: string | null;
} {
  const { auth, dir, idleTimeout, profile } = readCheckedSettings(ctx, {
    profile: profileFlag,
  });
  const store = ctx.openStore(dir, profile ?? undefined);
  const core = new SessionCore({
    store,
    clock: ctx.clock,
    fetch: ctx.fetch,
    signal: ctx.signal,
    auth,
    idleTimeout,
    discoveryCache: fileDiscoveryCache(dir, () => ctx.clock.now(), profile),
    warn: (warning) => ctx.stderr.write(`${warningLine(warning)}\n`),
  });
  return { core, auth, idleTimeout, profile };
}

/**
 * The active session, its activity recorded (see SessionCore.use). Throws
 * the seed's invalid-session line when there is none or it has ended, and
 * says so first when it is another server's.
 */
export async function useSession(
  ctx: Context,
  options: UseOptions,
): Promise<ActiveSession> {
  const { core, idleTimeout, profile } = openSessionCore(
    ctx,
    options.profile,
  );
  if (options.reportCorrupt) {
    for (const path of core.store.corruptFiles()) {
      ctx.stderr.write(`${corruptSessionKept(path)}\n`);
    }
  }
  try {
    const { reportCorrupt: _, profile: __, ...use } = options;
    const session = await core.use(use);
    return { session, core, idleTimeout, profile };
  } catch (error) {
    if (error instanceof SessionOfAnotherServer) {
      ctx.stderr.write(
        `${sessionOfAnotherServer(error.authUrl, error.clientId)}\n`,
      );
    }
    throw asCliError(error, "Could not use the session");
  }
}
