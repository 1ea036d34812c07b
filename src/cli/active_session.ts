/**
 * The session as every command that uses it sees it: present, made for
 * this server, not idle, and with a usable access token. Under the session
 * lock it reads the session again, ends it when it has been idle too long
 * or the server rejects its refresh token, refreshes an access token about
 * to expire, and records the new activity.
 *
 * @module
 */

import type { Endpoints } from "../auth/discovery.ts";
import type { TokenSet } from "../auth/tokens.ts";
import { type AuthConfig, readIdleTimeout } from "../config.ts";
import { CliError } from "../errors.ts";
import { registerSecret } from "../redact.ts";
import type { Session } from "../session/session.ts";
import type { SessionNotSavedError, SessionStore } from "../session/store.ts";
import {
  activityNotSaved,
  corruptSessionKept,
  refreshNotSaved,
  SESSION_INVALID,
} from "../ui/messages.ts";
import type { Context } from "./context.ts";
import { asCliError } from "./failure.ts";
import { loadSettings } from "./settings.ts";

// The network modules load only when a session needs the server (refresh,
// idle end, logout), so that `user status` starts fast.

/** What a command asks of the session. */
export interface UseOptions {
  /** Refresh the access token when it is about to expire (token needs it; status does not). */
  fresh: boolean;
  /** Say on stderr that corrupt session files moved aside are still on disk (status does). */
  reportCorrupt?: boolean;
}

/** An active session and what it was found with. */
export interface ActiveSession {
  /** The session as it is on disk now. */
  session: Session;
  /** The server configuration. */
  auth: AuthConfig;
  /** The store it lives in. */
  store: SessionStore;
  /** PILOT_IDLE_TIMEOUT, seconds. */
  idleTimeout: number;
  /** The realm's endpoints, discovered once per run, within `timeoutMs` if given. */
  endpoints: (timeoutMs?: number) => Promise<Endpoints>;
}

/**
 * The realm's endpoints for this run: discovered (or read from the cache in
 * `dir`) on first call, then remembered; within `timeoutMs` if given.
 */
export function endpointsFor(
  ctx: Context,
  auth: AuthConfig,
  dir: string,
): (timeoutMs?: number) => Promise<Endpoints> {
  let endpoints: Endpoints | undefined;
  return async (timeoutMs) => {
    const { discover } = await import("../auth/discovery.ts");
    const { fileDiscoveryCache } = await import(
      "../session/discovery_cache.ts"
    );
    return endpoints ??= await discover(auth.authUrl, {
      fetch: ctx.fetch,
      cache: fileDiscoveryCache(dir, () => ctx.clock.now()),
      nowSeconds: Math.floor(ctx.clock.now() / 1000),
      signal: ctx.signal,
      timeoutMs: timeoutMs ?? auth.httpTimeoutMs,
    });
  };
}

/** Seconds of use that may pass before activity is written again. */
export function activityStep(idleTimeout: number): number {
  return Math.min(60, Math.floor(idleTimeout / 60));
}

/**
 * The active session, its activity recorded. Throws the seed's
 * invalid-session line when there is none, and ends (revokes and deletes)
 * one that is idle or that the server no longer accepts.
 */
export async function useSession(
  ctx: Context,
  options: UseOptions,
): Promise<ActiveSession> {
  const { auth, dir } = loadSettings(ctx);
  const idleTimeout = readIdleTimeout(ctx.env);
  const store = await ctx.openStore(dir);
  if (options.reportCorrupt) {
    for (const path of store.corruptFiles()) {
      ctx.stderr.write(`${corruptSessionKept(path)}\n`);
    }
  }
  const now = () => Math.floor(ctx.clock.now() / 1000);
  const endpointsOnce = endpointsFor(ctx, auth, dir);
  // Set when the session cannot be used: ended here, or not this server's.
  let ended = false;
  // Set when new tokens were got, to be stored.
  let renewed = false;
  // Set when the session ended here (idle, or refused by the server).
  let over = false;
  let session: Session | undefined;
  try {
    session = await store.update(async (current, lock) => {
      if (!current) return undefined;
      registerSecret(current.accessToken);
      registerSecret(current.refreshToken);
      registerSecret(current.apiKey);
      if (
        current.authUrl !== auth.authUrl || current.clientId !== auth.clientId
      ) {
        // Another server's session is not ours to end: leave it, and count
        // it as absent.
        ended = true;
        ctx.stderr.write(
          `The stored session belongs to ${current.authUrl} (client ${current.clientId}), not to PILOT_AUTH_URL's server.\n`,
        );
        return undefined;
      }
      const nowSeconds = now();
      const expired = current.refreshTokenExpiresAt !== undefined &&
        nowSeconds >= current.refreshTokenExpiresAt;
      if (nowSeconds - current.lastActiveAt >= idleTimeout) {
        lock.keepAlive();
        await endAtServer(ctx, endpointsOnce, auth, current);
        ended = over = true;
        return null;
      }
      let tokens: TokenSet | undefined;
      const stale = options.fresh &&
        (await import("../auth/refresh.ts")).needsRefresh(current, nowSeconds);
      if (expired || stale) {
        // Network under the lock: keep it fresh for the waiting processes.
        lock.keepAlive();
        tokens = await renew(ctx, auth, current, endpointsOnce, expired, now);
        if (tokens === undefined) {
          ended = over = true;
          return null;
        }
        renewed = true;
      }
      // Recording activity is a synced write; to within 1/60 of the idle
      // time (a minute at most) is close enough, and spares scripts that
      // call pilotcli in a loop a write per call.
      if (
        tokens === undefined &&
        nowSeconds - current.lastActiveAt < activityStep(idleTimeout)
      ) {
        return undefined;
      }
      return { ...current, ...tokens, lastActiveAt: nowSeconds };
    });
  } catch (error) {
    const unsaved = notSaved(error);
    if (unsaved === undefined) {
      throw asCliError(error, "Could not use the session");
    }
    // Reading needs no writes: what could not be stored still serves this
    // command, with a warning that says what it means for the next one.
    ctx.stderr.write(
      `${
        renewed
          ? refreshNotSaved(unsaved.detail)
          : activityNotSaved(unsaved.detail)
      }\n`,
    );
    session = unsaved.session;
  }
  // A corrupt session moved aside once may hold tokens: not past this one.
  if (over) store.removeCorrupt();
  if (ended || !session) throw new CliError(SESSION_INVALID);
  return { session, auth, store, idleTimeout, endpoints: endpointsOnce };
}

/**
 * The session that an update could not store, from a SessionNotSavedError
 * (told apart by name: the store loads lazily); undefined for any other
 * error, a deletion included.
 */
function notSaved(
  error: unknown,
): { session: Session; detail: string } | undefined {
  if (!(error instanceof Error) || error.name !== "SessionNotSavedError") {
    return undefined;
  }
  const { session, detail } = error as SessionNotSavedError;
  return session === null ? undefined : { session, detail };
}

/**
 * New tokens by refresh, or for an API-key session by exchanging its key
 * again; undefined when the session cannot go on.
 */
async function renew(
  ctx: Context,
  auth: AuthConfig,
  session: Session,
  endpoints: (timeoutMs?: number) => Promise<Endpoints>,
  refreshExpired: boolean,
  now: () => number,
): Promise<TokenSet | undefined> {
  const options = {
    fetch: ctx.fetch,
    nowSeconds: now,
    signal: ctx.signal,
    timeoutMs: auth.httpTimeoutMs,
  };
  const { RefreshRejectedError, refreshTokens } = await import(
    "../auth/refresh.ts"
  );
  const { exchangeApiKey, InvalidApiKeyError } = await import(
    "../auth/api_key.ts"
  );
  if (!refreshExpired) {
    try {
      const { tokenEndpoint } = await endpoints();
      return await refreshTokens(
        tokenEndpoint,
        auth.clientId,
        session.refreshToken,
        options,
      );
    } catch (error) {
      if (!(error instanceof RefreshRejectedError)) throw error;
    }
  }
  if (session.method !== "api-key" || !session.apiKey) return undefined;
  try {
    return await exchangeApiKey(auth.authUrl, session.apiKey, options);
  } catch (error) {
    // The key itself was withdrawn: the session is over.
    if (error instanceof InvalidApiKeyError) return undefined;
    throw error;
  }
}

/**
 * Best effort: tell the server the session is over. Returns whether it
 * could; only Ctrl-C is thrown.
 */
export async function endAtServer(
  ctx: Context,
  endpoints: (timeoutMs?: number) => Promise<Endpoints>,
  auth: AuthConfig,
  session: Session,
): Promise<boolean> {
  const { REVOKE_TIMEOUT_MS, revokeSession } = await import(
    "../auth/revoke.ts"
  );
  try {
    // Best effort: the whole of it, discovery included, stays short.
    await revokeSession(
      await endpoints(REVOKE_TIMEOUT_MS),
      auth.clientId,
      session.refreshToken,
      ctx,
    );
    return true;
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    return false;
  }
}
