/**
 * A {@linkcode SessionStore} in memory, for unit tests of the session's
 * policy: updates run one at a time, as under the file store's lock, and
 * writes can be made to fail as on a read-only directory.
 */

import type { Session } from "../session.ts";
import { SessionNotSaved } from "../../errors.ts";
import type { SessionStore, UpdateFn } from "../store.ts";

/** The in-memory store; `session` is what is "on disk". */
export class MemoryStore implements SessionStore {
  /** The stored session. */
  session: Session | undefined;
  /** Sessions written, in order (null: a deletion). */
  readonly writes: (Session | null)[] = [];
  /** When set, every write fails with this reason, as a full or read-only disk does. */
  failWrites: string | undefined;
  /** Corrupt session files "moved aside" earlier. */
  corrupt: string[] = [];
  /** Times keepAlive was called: work under the lock that may take long. */
  keepAlives = 0;
  #queue: Promise<unknown> = Promise.resolve();

  /** @param session the stored session to start with */
  constructor(session?: Session) {
    this.session = session;
  }

  readLocked(): Promise<Session | undefined> {
    return this.update(() => Promise.resolve(undefined));
  }

  update(fn: UpdateFn): Promise<Session | undefined> {
    const run = this.#queue.then(async () => {
      // A copy, as a file read gives: fn may not change what is stored.
      const current = this.session && structuredClone(this.session);
      const next = await fn(current, { keepAlive: () => this.keepAlives++ });
      if (next === undefined) return current;
      if (this.failWrites !== undefined) {
        throw new SessionNotSaved(
          next,
          "/memory/session.json",
          this.failWrites,
        );
      }
      this.writes.push(next);
      this.session = next ?? undefined;
      return this.session;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async save(session: Session): Promise<void> {
    await this.update(() => Promise.resolve(session));
  }

  async delete(): Promise<void> {
    await this.update(() => Promise.resolve(null));
  }

  corruptFiles(): string[] {
    return [...this.corrupt];
  }

  removeCorrupt(paths: string[] = this.corruptFiles()): void {
    this.corrupt = this.corrupt.filter((path) => !paths.includes(path));
  }
}
