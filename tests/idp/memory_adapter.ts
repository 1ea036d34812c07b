/**
 * An in-memory storage adapter for oidc-provider, one store per server.
 *
 * oidc-provider's own memory adapter shares one module-wide store between all
 * providers of a process and drops an entry the moment it expires, so a device
 * code polled after its expiry is "not found" (invalid_grant) instead of
 * expired (expired_token). This one keeps expired entries for a grace period:
 * oidc-provider checks expiry itself and answers as a real server would.
 *
 * @module
 */

/** Seconds an entry is kept after it expires, so that expiry can be told. */
const GRACE_SECONDS = 600;

/** The models whose entries belong to a grant (as in oidc-provider's adapter). */
const GRANTABLE = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
]);

/** What oidc-provider stores: a JSON object. */
export type AdapterPayload = Record<string, unknown> & {
  grantId?: string;
  userCode?: string;
  uid?: string;
  consumed?: number;
};

interface Entry {
  payload: AdapterPayload;
  /** Date.now() after which the entry is gone; Infinity when it never expires. */
  dropAt: number;
}

/** The storage behind all adapters of one server. */
export class MemoryStore {
  #entries = new Map<string, Entry>();
  #byGrant = new Map<string, Set<string>>();
  #byUserCode = new Map<string, string>();
  #byUid = new Map<string, string>();
  #sweptAt = 0;

  /** The live entry under `key`, if any. */
  get(key: string): AdapterPayload | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.dropAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  /**
   * Stores a `model` entry under `key` for `expiresIn` seconds (plus the
   * grace), indexed as oidc-provider's own adapter indexes it.
   */
  set(
    model: string,
    key: string,
    payload: AdapterPayload,
    expiresIn: number | undefined,
  ): void {
    this.delete(key);
    const dropAt = typeof expiresIn === "number"
      ? Date.now() + (expiresIn + GRACE_SECONDS) * 1000
      : Infinity;
    this.#entries.set(key, { payload, dropAt });
    if (GRANTABLE.has(model) && payload.grantId) {
      const members = this.#byGrant.get(payload.grantId) ?? new Set();
      members.add(key);
      this.#byGrant.set(payload.grantId, members);
    }
    if (payload.userCode) this.#byUserCode.set(payload.userCode, key);
    if (model === "Session" && payload.uid) this.#byUid.set(payload.uid, key);
    this.#sweep();
  }

  /** Removes the entry under `key` and its indexes. */
  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    const { grantId, userCode, uid } = entry.payload;
    if (grantId) this.#byGrant.get(grantId)?.delete(key);
    if (userCode && this.#byUserCode.get(userCode) === key) {
      this.#byUserCode.delete(userCode);
    }
    if (uid && this.#byUid.get(uid) === key) this.#byUid.delete(uid);
  }

  /** The key stored for a user code. */
  keyForUserCode(userCode: string): string | undefined {
    return this.#byUserCode.get(userCode);
  }

  /** The key stored for a session uid. */
  keyForUid(uid: string): string | undefined {
    return this.#byUid.get(uid);
  }

  /** Removes every token of a grant. */
  revokeGrant(grantId: string): void {
    for (const key of this.#byGrant.get(grantId) ?? []) this.delete(key);
    this.#byGrant.delete(grantId);
  }

  /** Drops what is past its grace, so a long-running server stays small. */
  #sweep(): void {
    const now = Date.now();
    if (now - this.#sweptAt < 1000) return;
    this.#sweptAt = now;
    for (const [key, entry] of this.#entries) {
      if (entry.dropAt <= now) this.delete(key);
    }
  }
}

/** The adapter of one model (AccessToken, Session, ...), as oidc-provider calls it. */
export class MemoryAdapter {
  #model: string;
  #store: MemoryStore;

  /**
   * @param model the model name oidc-provider passes
   * @param store the server's store
   */
  constructor(model: string, store: MemoryStore) {
    this.#model = model;
    this.#store = store;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  /** Stores a model. */
  upsert(
    id: string,
    payload: AdapterPayload,
    expiresIn?: number,
  ): Promise<void> {
    this.#store.set(this.#model, this.#key(id), payload, expiresIn);
    return Promise.resolve();
  }

  /** Finds a model by id. */
  find(id: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#store.get(this.#key(id)));
  }

  /** Finds a device code by its user code. */
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const key = this.#store.keyForUserCode(userCode);
    return Promise.resolve(key ? this.#store.get(key) : undefined);
  }

  /** Finds a session by its uid. */
  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const key = this.#store.keyForUid(uid);
    return Promise.resolve(key ? this.#store.get(key) : undefined);
  }

  /** Marks a one-time token as used. */
  consume(id: string): Promise<void> {
    const payload = this.#store.get(this.#key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }

  /** Removes a model. */
  destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
    return Promise.resolve();
  }

  /** Removes every token of a grant. */
  revokeByGrantId(grantId: string): Promise<void> {
    this.#store.revokeGrant(grantId);
    return Promise.resolve();
  }
}
