/**
 * Where the session lives: `session.json` in pilotcli's config directory.
 *
 * Every access, reads included, happens under the cross-process lock
 * `session.lock` in the same directory, so a read never sees a half-made
 * decision of another pilotcli process, and a corrupt file is moved aside by
 * exactly one process. When the lock file can not be created because the
 * directory takes no new file (read-only file system, no write permission,
 * full disk), nobody can write the session either: a read then goes on
 * without the lock, and only a write fails, with a
 * {@linkcode SessionNotSaved} that carries what could not be stored.
 * Writes go to a temporary file created with mode 0600
 * that is renamed over `session.json`, so the file is never partly written
 * and never readable by others, whatever the umask.
 *
 * On Unix the directory and the file must belong to the current user and be
 * closed to group and others; a session that is not is refused with an
 * {@linkcode UnsafeSessionFile} that says what is wrong.
 *
 * @module
 */

import {
  SessionNotSaved,
  SessionStorageFailed,
  UnsafeSessionFile,
} from "../errors.ts";
import { checksModes, checksOwner } from "../runtime/os.ts";
import {
  errorDetail,
  joinPath,
  lstatIfPresent,
  ownUid,
  removeIfPresent,
  removeTempFiles,
  statIfPresent,
  writeFileAtomic,
} from "./_fs.ts";
import { type LockOptions, LockUnavailableError, withLock } from "./lock.ts";
import {
  parseSession,
  serializeSession,
  type Session,
  SessionFormatError,
} from "./session.ts";

/**
 * The decision of an update: given the session on disk (and the lock, to
 * keep it through long work), the session to write, null to delete it, or
 * undefined to leave it.
 */
export type UpdateFn = (
  current: Session | undefined,
  lock: { keepAlive(): void },
) => Promise<Session | null | undefined>;

/** Reads and writes the one session of a pilotcli installation. */
export interface SessionStore {
  /**
   * Read the session under the lock (so it checks the files and may move a
   * corrupt one aside); undefined when there is none.
   */
  readLocked(): Promise<Session | undefined>;
  /**
   * Under the lock: read the current session again, pass it to fn, then
   * write what fn returns (a Session: save atomically; null: delete the
   * file; undefined: leave the file as it is). Returns what is on disk
   * afterwards. `lock.keepAlive()` keeps the lock through long work.
   */
  update(fn: UpdateFn): Promise<Session | undefined>;
  /** save(s) = update(() => s) */
  save(session: Session): Promise<void>;
  /** delete() = update(() => null) */
  delete(): Promise<void>;
  /** The corrupt session files moved aside earlier, still on disk. */
  corruptFiles(): string[];
  /** Remove these corrupt session files (default: all of them); best effort. */
  removeCorrupt(paths?: string[]): void;
}

/** What could not be stored, from the file system error (the lock's, or the write's). */
function notSaved(
  session: Session | null,
  path: string,
  cause: unknown,
): SessionNotSaved {
  const detail = errorDetail(
    cause instanceof LockUnavailableError ? cause.cause : cause,
  );
  return new SessionNotSaved(session, path, detail, cause);
}

/** What the store tells its user without failing. */
export type StoreWarning = {
  /** A corrupt session file was moved aside: the user must log in again. */
  kind: "moved-aside";
  /** The session file. */
  path: string;
  /** Why it is unreadable. */
  reason: string;
  /** Where it is now. */
  target: string;
};

/** Options of {@linkcode FileSessionStore}. */
export interface FileSessionStoreOptions {
  /** Hears what the user should be told; default: nothing. */
  warn?: (warning: StoreWarning) => void;
  /** How to wait for and hold the lock. */
  lock?: LockOptions;
  /**
   * Which safety checks apply: on `"windows"` there are no uids or Unix
   * modes to check. Default from `Deno.build.os`.
   */
  platform?: "windows" | "other";
  /**
   * The profile whose session this is (`session-<profile>.json`, locked by
   * `session-<profile>.lock`); none: `session.json`, the PILOT_AUTH_URL case.
   * Validated by the caller (src/session/config_file.ts).
   */
  profile?: string;
}

const SESSION_FILE = "session.json";

/**
 * A {@linkcode SessionStore} keeping the session in `<dir>/session.json`.
 *
 * Nothing is created by reading: the directory is made (mode 0700, with any
 * missing parents) only when a session is written. The directory may be a
 * symbolic link (as dotfile managers make them); its target is what is
 * checked. The session file may not be one.
 */
export class FileSessionStore implements SessionStore {
  /** The directory holding the session. */
  readonly dir: string;
  /** The session file, `<dir>/session.json` (`session-<profile>.json`). */
  readonly path: string;
  readonly #file: string;
  readonly #corrupt: RegExp;
  readonly #lockPath: string;
  readonly #warn: (warning: StoreWarning) => void;
  readonly #lockOptions: LockOptions | undefined;
  readonly #rules: FileRules;

  /**
   * Make a store for the session in `dir`; nothing is touched on disk yet.
   *
   * @param dir the directory for the session, e.g. `~/.config/pilotcli`
   * @param options warning output, lock timing and platform
   */
  constructor(dir: string, options: FileSessionStoreOptions = {}) {
    this.dir = dir;
    this.#file = sessionFileName(options.profile);
    this.path = joinPath(dir, this.#file);
    this.#lockPath = joinPath(dir, this.#file.replace(/\.json$/, ".lock"));
    this.#corrupt = new RegExp(
      `^${this.#file.replace(".", "\\.")}\\.corrupt-\\d+(-\\d+)?$`,
    );
    this.#warn = options.warn ?? (() => {});
    this.#lockOptions = options.lock;
    this.#rules = fileRules(options.platform);
  }

  /**
   * Read the session; undefined when there is none. Takes the lock (when the
   * directory exists) so that the uid of this process is known for the owner
   * check, and a corrupt file can be moved aside safely.
   */
  async readLocked(): Promise<Session | undefined> {
    return await this.update(() => Promise.resolve(undefined));
  }

  /**
   * Under the lock: read the current session again, pass it to fn, then
   * write what fn returns (a Session: save atomically; null: delete the
   * file; undefined: leave the file as it is). Returns what is on disk
   * afterwards.
   *
   * When the directory does not exist, fn is first called with undefined
   * before anything is created (there is nowhere to put the lock yet), and
   * the directory is created only when fn returns a session. If another
   * process saved a session in the meantime, fn is called a second time,
   * under the lock, with that session, so no update is lost.
   */
  async update(
    fn: UpdateFn,
  ): Promise<Session | undefined> {
    let dirInfo = this.#statDir();
    if (dirInfo === undefined) {
      // No lock yet, so nothing to keep alive: fn without a session is quick.
      const first = await fn(undefined, { keepAlive() {} });
      if (first === undefined || first === null) return undefined;
      serializeSession(first); // Refuse an invalid session before creating anything.
      this.#createDir();
      dirInfo = this.#statDir();
      if (dirInfo === undefined) {
        throw new SessionStorageFailed(
          "dir-gone",
          this.dir,
          "it disappeared",
        );
      }
      return await this.#transact(
        dirInfo,
        (current, lock) =>
          current === undefined ? Promise.resolve(first) : fn(current, lock),
      );
    }
    return await this.#transact(dirInfo, fn);
  }

  /** save(s) = update(() => s) */
  async save(session: Session): Promise<void> {
    await this.update(() => Promise.resolve(session));
  }

  /** delete() = update(() => null) */
  async delete(): Promise<void> {
    await this.update(() => Promise.resolve(null));
  }

  /** The corrupt session files moved aside earlier, still on disk. */
  corruptFiles(): string[] {
    const found: string[] = [];
    try {
      for (const entry of Deno.readDirSync(this.dir)) {
        if (this.#corrupt.test(entry.name)) {
          found.push(joinPath(this.dir, entry.name));
        }
      }
    } catch {
      // No directory, or not readable: nothing to report.
    }
    return found.sort();
  }

  /**
   * Remove corrupt session files moved aside (`paths`, default all of them):
   * they may hold tokens and an API key, and must not outlive the next
   * session. Best effort.
   */
  removeCorrupt(paths: string[] = this.corruptFiles()): void {
    for (const path of paths) {
      try {
        removeIfPresent(path);
      } catch {
        // Reported by the next `user status`; removed by the next login.
      }
    }
  }

  async #transact(
    dirInfo: Deno.FileInfo,
    fn: UpdateFn,
  ): Promise<Session | undefined> {
    // The mode is checked before the lock file is made in the directory.
    if (this.#rules.checksModes) this.#checkMode("dir", dirInfo);
    let locked = false;
    try {
      return await this.#transactLocked(dirInfo, fn, () => locked = true);
    } catch (err) {
      if (locked || !(err instanceof LockUnavailableError)) throw err;
      return await this.#transactUnlocked(dirInfo, fn, err);
    }
  }

  /**
   * The transaction when no lock file can be made: nobody can write then, so
   * reading without the lock sees what the last writer left. The uid for the
   * owner checks comes from `Deno.uid()` where permitted (always on Node);
   * on Deno without --allow-sys the checks of the modes stay, and a file of
   * another user with those modes is unreadable to all but root anyway.
   */
  async #transactUnlocked(
    dirInfo: Deno.FileInfo,
    fn: UpdateFn,
    lockError: LockUnavailableError,
  ): Promise<Session | undefined> {
    const uid = this.#rules.checksOwner ? ownUid() : null;
    if (this.#rules.checksOwner) this.#checkOwner("dir", dirInfo, uid);
    const current = this.#read(uid);
    const next = await fn(current, { keepAlive() {} });
    if (next === undefined) return current;
    if (next !== null) serializeSession(next);
    throw notSaved(next, this.path, lockError);
  }

  #transactLocked(
    dirInfo: Deno.FileInfo,
    fn: UpdateFn,
    onLocked: () => void,
  ): Promise<Session | undefined> {
    return withLock(this.#lockPath, async ({ ownerUid, keepAlive }) => {
      onLocked();
      if (this.#rules.checksOwner) this.#checkOwner("dir", dirInfo, ownerUid);
      // A writer killed before its rename leaves a whole session, tokens and
      // all, in a temporary file: gone on the next run, whatever it does.
      // Under the lock nobody else is writing one, so each is garbage.
      removeTempFiles(this.dir, this.#file);
      const current = this.#read(ownerUid);
      const next = await fn(current, { keepAlive });
      if (next === undefined) return current;
      if (next === null) {
        this.#remove();
        return undefined;
      }
      return this.#write(next);
    }, this.#lockOptions);
  }

  #statDir(): Deno.FileInfo | undefined {
    let info: Deno.FileInfo | undefined;
    try {
      info = statIfPresent(this.dir);
    } catch (err) {
      throw new SessionStorageFailed("read", this.dir, errorDetail(err), {
        cause: err,
      });
    }
    if (info !== undefined && !info.isDirectory) {
      throw new UnsafeSessionFile(this.dir, "dir", "not-plain");
    }
    return info;
  }

  #createDir(): void {
    try {
      // Mode 0700 applies to missing parents too; umask can only narrow it.
      Deno.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new SessionStorageFailed(
        "create-dir",
        this.dir,
        errorDetail(err),
        { cause: err },
      );
    }
  }

  #read(ownerUid: number | null): Session | undefined {
    let text: string;
    try {
      const read = readSafeFile(this.path, "file", this.#rules, ownerUid);
      if (read === undefined) return undefined;
      text = read;
    } catch (err) {
      if (err instanceof UnsafeSessionFile) throw err;
      throw new SessionStorageFailed("read", this.path, errorDetail(err), {
        cause: err,
      });
    }
    try {
      return parseSession(text);
    } catch (err) {
      if (!(err instanceof SessionFormatError)) throw err;
      this.#moveAside(err.reason);
      return undefined;
    }
  }

  /** Move a corrupt session file aside (never delete it) and tell the user. */
  #moveAside(reason: string): void {
    const base = `${this.path}.corrupt-${Math.floor(Date.now() / 1000)}`;
    let target = base;
    try {
      for (let n = 1; lstatIfPresent(target) !== undefined; n++) {
        target = `${base}-${n}`;
      }
      // It keeps its mode, which #read checked: closed to others.
      Deno.renameSync(this.path, target);
    } catch (err) {
      throw new SessionStorageFailed(
        "move-aside",
        this.path,
        errorDetail(err),
        { reason, cause: err },
      );
    }
    this.#warn({ kind: "moved-aside", path: this.path, reason, target });
  }

  #write(session: Session): Session {
    const text = serializeSession(session);
    try {
      writeFileAtomic(this.path, text);
    } catch (err) {
      throw notSaved(session, this.path, err);
    }
    return parseSession(text);
  }

  #remove(): void {
    try {
      removeIfPresent(this.path);
    } catch (err) {
      throw notSaved(null, this.path, err);
    }
  }

  #checkMode(kind: "dir", info: Deno.FileInfo): void {
    checkMode(this.dir, kind, info);
  }

  #checkOwner(
    kind: "dir",
    info: Deno.FileInfo,
    ownerUid: number | null,
  ): void {
    checkOwner(this.dir, kind, info, ownerUid);
  }
}

/** Which of the session file's checks apply on this OS. */
export interface FileRules {
  /** Windows: no uids or Unix modes, and other fixes. */
  windows: boolean;
  /** Whether group and others must have no access. */
  checksModes: boolean;
  /** Whether the owner must be this process's user. */
  checksOwner: boolean;
}

/**
 * The checks of the session's files on `platform` (default
 * `Deno.build.os`), as decided by OS in src/runtime/os.ts.
 */
export function fileRules(platform?: "windows" | "other"): FileRules {
  const os = platform === undefined
    ? Deno.build.os
    : platform === "windows"
    ? "windows"
    : "linux";
  return {
    windows: os === "windows",
    checksModes: checksModes(os),
    checksOwner: checksOwner(os),
  };
}

/** Throws UnsafeSessionFile when `info` is open to group or others. */
export function checkMode(
  path: string,
  kind: UnsafeSessionFile["kind"],
  info: Deno.FileInfo,
): void {
  if (info.mode === null || (info.mode & 0o077) === 0) return;
  throw new UnsafeSessionFile(path, kind, "open-mode", {
    mode: info.mode & 0o7777,
  });
}

/** Throws UnsafeSessionFile when `info` belongs to another user than `ownerUid`. */
export function checkOwner(
  path: string,
  kind: UnsafeSessionFile["kind"],
  info: Deno.FileInfo,
  ownerUid: number | null,
): void {
  if (ownerUid === null || info.uid === null || info.uid === ownerUid) return;
  throw new UnsafeSessionFile(path, kind, "other-owner", { owner: info.uid });
}

/**
 * The text of a file by the session file's rules: a regular file, no
 * symbolic link, this user's and closed to others (as `rules` say);
 * undefined when it does not exist. Throws UnsafeSessionFile, or the file
 * system's error.
 */
export function readSafeFile(
  path: string,
  kind: "file" | "config",
  rules: FileRules,
  ownerUid: number | null,
): string | undefined {
  const info = lstatIfPresent(path);
  if (info === undefined) return undefined;
  if (info.isSymlink) {
    throw new UnsafeSessionFile(path, kind, "symlink", {
      windows: rules.windows,
    });
  }
  if (!info.isFile) throw new UnsafeSessionFile(path, kind, "not-plain");
  if (rules.checksOwner) checkOwner(path, kind, info, ownerUid);
  if (rules.checksModes) checkMode(path, kind, info);
  return Deno.readTextFileSync(path);
}

/**
 * The session file's name: `session.json` without a profile (the
 * PILOT_AUTH_URL case, as every release before profiles had it), else
 * `session-<profile>.json`; its lock is the same name with `.lock`.
 */
export function sessionFileName(profile?: string): string {
  return profile === undefined ? SESSION_FILE : `session-${profile}.json`;
}
