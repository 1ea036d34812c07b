/**
 * A cross-process lock on a lock file, for Deno and for Node through the npm
 * build's narrow runtime, scripts/node_deno.ts (so without
 * `Deno.FsFile.lock()`).
 *
 * The lock is held by whoever created the lock file (`createNew`, which is
 * atomic), stamped with the holder's clock. A waiter tells a live holder from
 * a dead one by the file's mtime: a lock not renewed for `staleMs` (1 s) was
 * left behind by a process that died (kill -9, power loss) and is taken over,
 * so a crash costs the next run at most about a second, without
 * `--allow-run` to ask whether a pid lives.
 *
 * Short work (reading or writing the session: a few ms) needs no renewal:
 * the stamp at creation keeps the lock fresh for a whole `staleMs`. Work that
 * may last longer (a network request) calls `keepAlive()`, which renews the
 * mtime at once and then every `heartbeatMs` (200 ms), five beats per
 * staleness window, so a holder's event loop may lag 0.8 s without losing the
 * lock. The heartbeat is not started for every hold: the first timer of a
 * Deno process costs start-up (docs/benchmarks.md).
 *
 * @module
 */

import { SessionLockFailed } from "../errors.ts";
import {
  createExclusive,
  errorCode,
  errorDetail,
  isNotFound,
  lstatIfPresent,
  randomHex,
  removeIfPresent,
  writeAll,
} from "./_fs.ts";
import { sleep } from "../sleep.ts";

/** How {@linkcode withLock} waits for the lock and keeps it. */
export interface LockOptions {
  /** How long to wait for the lock before giving up, in ms. Default 30000. */
  timeoutMs?: number;
  /**
   * A lock file not renewed for this long belongs to a dead process, in ms.
   * Default {@linkcode DEFAULT_STALE_MS}.
   */
  staleMs?: number;
  /**
   * How often a holder that called `keepAlive()` renews the lock file, in
   * ms; must be less than staleMs. Default staleMs / 5, at most 200.
   */
  heartbeatMs?: number;
  /**
   * The clock, in ms since the epoch; default `Date.now`. It measures the
   * timeout, stamps the lock file's mtime and judges its age, so a test can
   * control all three.
   */
  now?: () => number;
  /**
   * How to wait between attempts; default a `setTimeout` promise that
   * rejects with the signal's reason when `signal` aborts.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Ends the wait for the lock (Ctrl-C): `withLock` then rejects with the
   * signal's reason, having created nothing.
   */
  signal?: AbortSignal;
  /**
   * Called once, with the lock file's path, when the lock is held by another
   * live process and the wait begins.
   */
  onWait?: (lockPath: string) => void;
}

/**
 * How long a lock file may go unrenewed before it counts as left by a dead
 * process, in ms: what a run killed while holding the lock costs the next.
 */
export const DEFAULT_STALE_MS = 1_000;

/** The smallest pause between two attempts to take the lock, in ms. */
const MIN_BACKOFF_MS = 10;
/** The largest pause between two attempts to take the lock, in ms. */
const MAX_BACKOFF_MS = 50;

interface Settings {
  timeoutMs: number;
  staleMs: number;
  heartbeatMs: number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal: AbortSignal | undefined;
  onWait: ((lockPath: string) => void) | undefined;
}

/**
 * The lock file could not be created because the directory can not take a
 * new file: read-only file system, no permission, or a full disk. Nobody
 * can write the session then, so a caller that only reads may do without
 * the lock.
 */
export class LockUnavailableError extends SessionLockFailed {
  /** The file system error's code: EROFS, EACCES, EPERM, ENOSPC or EDQUOT. */
  readonly code: string;

  /**
   * @param path the lock file
   * @param code the file system error's code
   * @param options the underlying error as `cause`
   */
  constructor(path: string, code: string, options: { cause: unknown }) {
    super(path, "lock", errorDetail(options.cause), options);
    this.name = "LockUnavailableError";
    this.code = code;
  }
}

/** Codes of the errors that mean the directory takes no new file. */
const UNWRITABLE = new Set(["EROFS", "EACCES", "EPERM", "ENOSPC", "EDQUOT"]);

/** The lock we created; `stamp` is its unique content, to never remove someone else's. */
interface Held {
  ownerUid: number | null;
  stamp: string;
}

/** What the holder of a lock has. */
export interface HeldLock {
  /** The uid of this process, learned from the lock file; null on Windows. */
  readonly ownerUid: number | null;
  /**
   * Starts the heartbeat that keeps the lock fresh, for work that may last
   * longer than the staleness limit (a network request). Short work does
   * without: a lock younger than `staleMs` is not taken over anyway, and the
   * first timer of a Deno process costs start-up (docs/benchmarks.md).
   */
  keepAlive(): void;
}

/**
 * Run `fn` while holding the lock `lockPath`, and release it afterwards, also
 * when `fn` throws.
 *
 * @param lockPath the lock file; its directory must exist
 * @param fn the work to do under the lock. It receives the held lock: its
 * `ownerUid` is the uid of the lock file just created, i.e. the uid of this
 * process (learned without `--allow-sys`), or null where the platform has no
 * uids (Windows); `keepAlive()` starts the heartbeat for long work.
 * @param options timeout, staleness, heartbeat, clock and sleep
 * @returns what `fn` returns
 * @throws {SessionLockFailed} when the lock is still held by a live process after
 * `timeoutMs`, or when the lock file can not be created or removed
 */
export async function withLock<T>(
  lockPath: string,
  fn: (lock: HeldLock) => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const settings: Settings = {
    timeoutMs: options.timeoutMs ?? 30_000,
    staleMs,
    heartbeatMs: options.heartbeatMs ?? Math.min(staleMs, DEFAULT_STALE_MS) / 5,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? sleep,
    signal: options.signal,
    onWait: options.onWait,
  };
  if (!(settings.heartbeatMs > 0 && settings.heartbeatMs < settings.staleMs)) {
    throw new RangeError(
      `Invalid lock options: heartbeatMs (${settings.heartbeatMs}) must be positive and less than staleMs (${settings.staleMs})`,
    );
  }

  const held = await acquire(lockPath, settings);
  let timer: ReturnType<typeof setInterval> | undefined;
  const keepAlive = () => {
    if (timer !== undefined) return;
    const beat = () => {
      try {
        touch(lockPath, settings.now);
      } catch {
        // Not fatal: at worst a waiter takes the lock over.
      }
    };
    // At once: the work before this call has used part of the window.
    beat();
    timer = setInterval(beat, settings.heartbeatMs);
    unrefTimer(timer);
  };

  // Only a started heartbeat is cleared: in Deno, even clearInterval(undefined)
  // loads the timer machinery (docs/benchmarks.md).
  const stopHeartbeat = () => {
    if (timer !== undefined) clearInterval(timer);
  };
  let result: T;
  try {
    result = await fn({ ownerUid: held.ownerUid, keepAlive });
  } catch (err) {
    stopHeartbeat();
    try {
      release(lockPath, held);
    } catch {
      // Keep fn's error; a failure to unlock is secondary here.
    }
    throw err;
  }
  stopHeartbeat();
  release(lockPath, held);
  return result;
}

async function acquire(lockPath: string, settings: Settings): Promise<Held> {
  const deadline = settings.now() + settings.timeoutMs;
  let waiting = false;
  for (;;) {
    // Ctrl-C ends the wait before a lock file of ours can exist.
    settings.signal?.throwIfAborted();
    let file: Deno.FsFile | undefined;
    try {
      file = createExclusive(lockPath);
    } catch (err) {
      throw lockError(lockPath, err);
    }
    if (file !== undefined) return claim(lockPath, file, settings.now);

    const age = ageOf(lockPath, settings.now);
    // Gone since we tried (released), or stale and taken over: retry now.
    if (age === undefined) continue;
    if (age > settings.staleMs && takeOver(lockPath, settings)) continue;

    if (settings.now() >= deadline) {
      throw new SessionLockFailed(lockPath, "lock", "", { busy: true });
    }
    if (!waiting) {
      waiting = true;
      settings.onWait?.(lockPath);
    }
    await settings.sleep(
      MIN_BACKOFF_MS +
        Math.floor(Math.random() * (MAX_BACKOFF_MS - MIN_BACKOFF_MS + 1)),
      settings.signal,
    );
  }
}

/**
 * Make the lock file we just created ours: write a unique stamp into it,
 * learn our uid from its owner, and set its mtime with our clock.
 */
function claim(lockPath: string, file: Deno.FsFile, now: () => number): Held {
  const stamp = `pilotcli pid ${Deno.pid} ${randomHex(16)}\n`;
  try {
    try {
      writeAll(file, new TextEncoder().encode(stamp));
    } finally {
      file.close();
    }
    // By path, not FsFile.stat: Deno checks an open file's stat against its
    // resolved path, which --allow-read of a symlinked config dir does not
    // cover. Nobody else may touch a fresh lock (it is not stale).
    const info = Deno.lstatSync(lockPath);
    touch(lockPath, now);
    return { ownerUid: info.uid ?? null, stamp };
  } catch (err) {
    try {
      removeIfPresent(lockPath);
    } catch {
      // The claim's error is the one to report.
    }
    throw lockError(lockPath, err);
  }
}

/**
 * Remove a stale lock under the guard file `<lock>.takeover`, so that two
 * waiters can not both decide the lock is stale and one of them then remove
 * the fresh lock the other just created.
 *
 * @returns true when the lock is gone, false when the caller should wait
 */
function takeOver(lockPath: string, settings: Settings): boolean {
  const guardPath = `${lockPath}.takeover`;
  try {
    const guard = createExclusive(guardPath);
    if (guard === undefined) {
      // Someone else is taking over. A guard that old was left by a process
      // that died during a takeover; remove it so the next round can go on.
      const guardAge = ageOf(guardPath, settings.now);
      if (guardAge !== undefined && guardAge > settings.staleMs) {
        removeIfPresent(guardPath);
      }
      return false;
    }
    guard.close();
    try {
      touch(guardPath, settings.now);
      // Check again under the guard: the holder may have touched the lock,
      // or the lock may have been released and taken by a live process.
      const age = ageOf(lockPath, settings.now);
      if (age === undefined) return true;
      if (age <= settings.staleMs) return false;
      removeIfPresent(lockPath);
      return true;
    } finally {
      removeIfPresent(guardPath);
    }
  } catch (err) {
    throw lockError(lockPath, err);
  }
}

/** Remove the lock file if it is still the one we created. */
function release(lockPath: string, held: Held): void {
  try {
    let content: string;
    try {
      content = Deno.readTextFileSync(lockPath);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    // Not ours: we stalled longer than staleMs, and another process took the
    // lock over. Removing it would let a third one in. (Inode numbers can not
    // tell: a file made right after a removal often gets the same one.)
    if (content === held.stamp) removeIfPresent(lockPath);
  } catch (err) {
    throw new SessionLockFailed(lockPath, "unlock", errorDetail(err), {
      cause: err,
    });
  }
}

/** The age of a file's mtime in ms, or undefined when it does not exist. */
function ageOf(path: string, now: () => number): number | undefined {
  const info = lstatIfPresent(path);
  if (info === undefined) return undefined;
  // Without an mtime nothing can be judged stale; waiting times out instead.
  if (info.mtime === null) return 0;
  return now() - info.mtime.getTime();
}

function touch(path: string, now: () => number): void {
  const seconds = now() / 1000;
  Deno.utimeSync(path, seconds, seconds);
}

function lockError(lockPath: string, err: unknown): SessionLockFailed {
  if (err instanceof SessionLockFailed) return err;
  const code = errorCode(err);
  if (typeof code === "string" && UNWRITABLE.has(code)) {
    return new LockUnavailableError(lockPath, code, { cause: err });
  }
  return new SessionLockFailed(lockPath, "lock", errorDetail(err), {
    cause: err,
  });
}

function unrefTimer(timer: unknown): void {
  // Deno has numeric timer ids and Deno.unrefTimer; Node returns a Timeout
  // object with unref() instead.
  if (typeof timer === "number") {
    if (typeof Deno.unrefTimer === "function") Deno.unrefTimer(timer);
  } else if (typeof timer === "object" && timer !== null) {
    (timer as { unref?: () => void }).unref?.();
  }
}
