/**
 * The session core: the policy of pilotcli's one session, below both the
 * CLI's commands and the library. It uses the session (present, made for
 * this server, not idle, with a usable access token), refreshes it under
 * the store's lock, exchanges an API key again when the refresh token is
 * over, ends the session at the server, and records activity.
 *
 * Every dependency is explicit (store, clock, fetch, signal, configuration,
 * warnings), so each decision is unit-tested with a fake clock and an
 * in-memory store. It never touches a terminal: failures are the typed
 * errors of src/errors.ts, warnings go to the `warn` sink as data, and the
 * adapters (src/cli/active_session.ts, src/lib.ts) word them.
 *
 * @module
 */

import { exchangeApiKey } from "../auth/api_key.ts";
import {
  type Clock,
  type DeviceAuthorization,
  pollForTokens,
  requestDeviceAuthorization,
} from "../auth/device.ts";
import {
  discover,
  type DiscoveryCache,
  type Endpoints,
} from "../auth/discovery.ts";
import type { Fetch } from "../auth/http.ts";
import {
  needsRefresh,
  RefreshRejectedError,
  refreshTokens,
} from "../auth/refresh.ts";
import { REVOKE_TIMEOUT_MS, revokeSession } from "../auth/revoke.ts";
import { type TokenSet, usernameOf } from "../auth/tokens.ts";
import type { AuthConfig } from "../config.ts";
import {
  DeviceLoginUnsupported,
  InvalidApiKey,
  type PilotError,
  SessionIdle,
  SessionMissing,
  SessionNotSaved,
  SessionOfAnotherServer,
  SessionRevoked,
} from "../errors.ts";
import { registerSecret } from "../redact.ts";
import type { Session } from "../session/session.ts";
import type { SessionStore } from "../session/store.ts";

// The refresh check is imported statically: `user token` asks it on every
// run. The other network calls (discovery, API key, revocation, device
// login) load when a session needs them, which `user status` never does.

/** Something the session core could not do that did not stop it. */
export type SessionWarning =
  /** New tokens were got but not stored; this use has them, the next may fail. */
  | { kind: "refresh-not-saved"; detail: string }
  /** The session's use was not recorded; its idle time counts from the last recorded use. */
  | { kind: "activity-not-saved"; detail: string };

/** What the session core works with. */
export interface SessionCoreDeps {
  /** Where the session lives. */
  store: SessionStore;
  /** The clock: idle time, token expiry. */
  clock: Clock;
  /** The network. */
  fetch: Fetch;
  /** Ends waiting requests (Ctrl-C). */
  signal: AbortSignal;
  /** Which server and client, and the request time limit. */
  auth: AuthConfig;
  /** Seconds without use after which the session ends (PILOT_IDLE_TIMEOUT). */
  idleTimeout: number;
  /** Where the discovery document is cached, if anywhere. */
  discoveryCache?: DiscoveryCache;
  /** Hears what went wrong without stopping the use; default: nothing. */
  warn?: (warning: SessionWarning) => void;
}

/** What a use asks of the session. */
export interface UseOptions {
  /** Refresh the access token when it is about to expire (a token is wanted, not just the status). */
  fresh: boolean;
  /** With `fresh`: refresh too when the access token expires within this many seconds. */
  minTtl?: number;
  /**
   * With `fresh`: an access token the API refused (401); refreshed when it
   * is still the stored one, so that after another process's refresh the
   * new token is used as it is.
   */
  rejected?: string;
}

/** A login to store, and the session it replaced. */
export interface StoredLogin {
  /** The new session, as stored. */
  session: Session;
  /** The session this login replaced, when it was this server's: to end at the server. */
  replaced?: Session;
}

/** Seconds of use that may pass before activity is written again. */
export function activityStep(idleTimeout: number): number {
  return Math.min(60, Math.floor(idleTimeout / 60));
}

/** The session core; see the module doc. */
export class SessionCore {
  readonly #deps: SessionCoreDeps;
  #endpoints: Endpoints | undefined;

  /** @param deps what the core works with */
  constructor(deps: SessionCoreDeps) {
    this.#deps = deps;
  }

  /** The server configuration. */
  get auth(): AuthConfig {
    return this.#deps.auth;
  }

  /** The store the session lives in. */
  get store(): SessionStore {
    return this.#deps.store;
  }

  /** The current time, epoch seconds. */
  #now(): number {
    return Math.floor(this.#deps.clock.now() / 1000);
  }

  /**
   * The realm's endpoints: discovered (or read from the cache) on first
   * call, then remembered; within `timeoutMs` if given.
   */
  async endpoints(timeoutMs?: number): Promise<Endpoints> {
    if (this.#endpoints) return this.#endpoints;
    const { auth, fetch, discoveryCache, signal } = this.#deps;
    return this.#endpoints = await discover(auth.authUrl, {
      fetch,
      cache: discoveryCache,
      nowSeconds: this.#now(),
      signal,
      timeoutMs: timeoutMs ?? auth.httpTimeoutMs,
    });
  }

  /**
   * The session, used: under the lock, read again; ended (at the server,
   * then here) when idle or no longer accepted by the server; refreshed
   * when `fresh` asks for it and the access token is about to expire (or
   * the refresh token has expired); its activity recorded.
   *
   * @throws {SessionMissing} when there is none
   * @throws {SessionOfAnotherServer} when the stored one is another server's (left as it is)
   * @throws {SessionIdle} when it was idle too long (now ended)
   * @throws {SessionRevoked} when the server no longer accepts it (now ended)
   */
  async use(options: UseOptions): Promise<Session> {
    const { store, idleTimeout, auth } = this.#deps;
    // Why the session cannot be used, if it cannot.
    let failure: PilotError | undefined;
    // Set when new tokens were got, to be stored.
    let renewed = false;
    let session: Session | undefined;
    try {
      session = await store.update(async (current, lock) => {
        failure = undefined;
        renewed = false;
        if (!current) {
          failure = new SessionMissing();
          return undefined;
        }
        registerSecret(current.accessToken);
        registerSecret(current.refreshToken);
        registerSecret(current.apiKey);
        if (
          current.authUrl !== auth.authUrl || current.clientId !== auth.clientId
        ) {
          // Another server's session is not ours to end: leave it, and
          // count it as absent.
          failure = new SessionOfAnotherServer(
            current.authUrl,
            current.clientId,
          );
          return undefined;
        }
        const now = this.#now();
        if (now - current.lastActiveAt >= idleTimeout) {
          lock.keepAlive();
          await this.endAtServer(current);
          failure = new SessionIdle(idleTimeout);
          return null;
        }
        const expired = current.refreshTokenExpiresAt !== undefined &&
          now >= current.refreshTokenExpiresAt;
        let tokens: TokenSet | undefined;
        const stale = options.fresh &&
          (needsRefresh(current, now) ||
            (options.minTtl !== undefined &&
              current.accessTokenExpiresAt - now <= options.minTtl) ||
            current.accessToken === options.rejected);
        if (expired || stale) {
          // Network under the lock: keep it fresh for the waiting processes.
          lock.keepAlive();
          tokens = await this.#renew(current, expired);
          if (tokens === undefined) {
            failure = new SessionRevoked();
            return null;
          }
          renewed = true;
        }
        // Recording activity is a synced write; to within 1/60 of the idle
        // time (a minute at most) is close enough, and spares scripts that
        // call pilotcli in a loop a write per call.
        if (
          tokens === undefined &&
          now - current.lastActiveAt < activityStep(idleTimeout)
        ) {
          return undefined;
        }
        return { ...current, ...tokens, lastActiveAt: now };
      });
    } catch (error) {
      if (
        !(error instanceof SessionNotSaved) || error.session === null
      ) {
        throw error;
      }
      // Reading needs no writes: what could not be stored still serves this
      // use, with a warning that says what it means for the next one.
      this.#deps.warn?.({
        kind: renewed ? "refresh-not-saved" : "activity-not-saved",
        detail: error.detail,
      });
      session = error.session;
    }
    // A corrupt session moved aside once may hold tokens: not past this one.
    if (failure instanceof SessionIdle || failure instanceof SessionRevoked) {
      store.removeCorrupt();
    }
    if (failure) throw failure;
    if (!session) throw new SessionMissing();
    return session;
  }

  /**
   * New tokens by refresh, or for an API-key session by exchanging its key
   * again; undefined when the server accepts neither.
   */
  async #renew(
    session: Session,
    refreshExpired: boolean,
  ): Promise<TokenSet | undefined> {
    const { auth } = this.#deps;
    const options = this.#requestOptions();
    if (!refreshExpired) {
      try {
        const { tokenEndpoint } = await this.endpoints();
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
      if (error instanceof InvalidApiKey) return undefined;
      throw error;
    }
  }

  #requestOptions() {
    return {
      fetch: this.#deps.fetch,
      nowSeconds: () => this.#now(),
      signal: this.#deps.signal,
      timeoutMs: this.#deps.auth.httpTimeoutMs,
    };
  }

  /**
   * Best effort: tell the server the session is over. Returns whether it
   * could; only an abort (Ctrl-C) is thrown.
   */
  async endAtServer(session: Session): Promise<boolean> {
    const { auth, fetch, signal } = this.#deps;
    try {
      // Best effort: the whole of it, discovery included, stays short.
      await revokeSession(
        await this.endpoints(REVOKE_TIMEOUT_MS),
        auth.clientId,
        session.refreshToken,
        { fetch, signal },
      );
      return true;
    } catch (error) {
      if (signal.aborted) throw error;
      return false;
    }
  }

  /**
   * Forgets the session here, whatever the server said (call
   * {@linkcode endAtServer} first), and the corrupt session files moved
   * aside, which may hold tokens.
   */
  async forget(): Promise<void> {
    await this.#deps.store.delete();
    this.#deps.store.removeCorrupt();
  }

  /**
   * Before a login: the corrupt session files moved aside by earlier runs
   * (to pass to {@linkcode saveLogin}), once the stored session has been
   * read under the lock, so that an unsafe session file is refused before
   * anyone spends time on the login.
   */
  async beginLogin(): Promise<string[]> {
    const { store } = this.#deps;
    // One that the read below moves aside stays while the new session
    // lasts, as its warning says where it is.
    const leftovers = store.corruptFiles();
    await store.readLocked();
    return leftovers;
  }

  /**
   * Tokens by the device flow (RFC 8628): asks the server for a device
   * code, hands it to `present` (which shows the person where to approve,
   * and returns what to undo once the wait is over), then polls until the
   * person approves, denies, or the code expires.
   *
   * @throws {DeviceLoginUnsupported} when the server offers no device login
   * @throws {DeviceCodeDenied} when the person denies it
   * @throws {DeviceCodeExpired} when the code expires first
   */
  async deviceLogin(
    present: (
      authorization: DeviceAuthorization,
    ) => Promise<() => void> | (() => void),
  ): Promise<TokenSet> {
    const { auth, clock, fetch, signal } = this.#deps;
    const endpoints = await this.endpoints();
    if (!endpoints.deviceAuthorizationEndpoint) {
      throw new DeviceLoginUnsupported();
    }
    const flow = { fetch, clock, signal, timeoutMs: auth.httpTimeoutMs };
    const authorization = await requestDeviceAuthorization(
      endpoints.deviceAuthorizationEndpoint,
      auth.clientId,
      flow,
    );
    const done = await present(authorization);
    try {
      return await pollForTokens(
        endpoints.tokenEndpoint,
        auth.clientId,
        authorization,
        flow,
      );
    } finally {
      done();
    }
  }

  /** Tokens for an API key; throws InvalidApiKey when the server does not know it. */
  async exchangeApiKey(apiKey: string): Promise<TokenSet> {
    return await exchangeApiKey(
      this.#deps.auth.authUrl,
      apiKey,
      this.#requestOptions(),
    );
  }

  /**
   * Stores a login's tokens as the session, replacing any other; and
   * removes the corrupt session files `leftovers` (listed before the
   * login, see {@linkcode SessionStore.corruptFiles}). The replaced session
   * is returned when it was this server's, for the caller to end at the
   * server once the new one is in place.
   */
  async saveLogin(
    method: Session["method"],
    tokens: TokenSet,
    apiKey: string | undefined,
    leftovers: string[],
  ): Promise<StoredLogin> {
    const { auth, store } = this.#deps;
    const session: Session = {
      version: 1,
      authUrl: auth.authUrl,
      clientId: auth.clientId,
      method,
      username: usernameOf(tokens.accessToken),
      ...tokens,
      lastActiveAt: this.#now(),
      ...(apiKey === undefined ? {} : { apiKey }),
    };
    let replaced: Session | undefined;
    await store.update((current) => {
      replaced = current;
      return Promise.resolve(session);
    });
    store.removeCorrupt(leftovers);
    const same = replaced?.authUrl === auth.authUrl &&
      replaced.clientId === auth.clientId;
    return same ? { session, replaced } : { session };
  }
}
