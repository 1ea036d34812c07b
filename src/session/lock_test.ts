import assert from "node:assert/strict";
import { asCliError } from "../cli/failure.ts";
import { CliError, SessionLockFailed } from "../errors.ts";
import { withLock } from "./lock.ts";
import { exists } from "./testdata/fixtures.ts";

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Create a lock file as a process that died would have left it. */
async function leaveLock(path: string, ageMs: number): Promise<void> {
  await Deno.writeTextFile(path, "", { createNew: true, mode: 0o600 });
  const seconds = (Date.now() - ageMs) / 1000;
  await Deno.utime(path, seconds, seconds);
}

/** The CLI's line for a lock failure. */
function cliLine(err: unknown): string {
  return (asCliError(err, "unused") as Error).message;
}

function timeoutMessage(lockPath: string): string {
  return `Could not lock the session: ${lockPath} is held by another pilotcli process. Try again, or delete it if no pilotcli is running.`;
}

Deno.test("withLock excludes concurrent holders: no lost updates", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    let counter = 0;
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 25 }, () =>
        withLock(lockPath, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          const seen = counter;
          await delay(Math.random() * 5);
          counter = seen + 1;
          inside--;
        })),
    );
    assert.equal(counter, 25);
    assert.equal(maxInside, 1);
    assert.equal(await exists(lockPath), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock gives the uid of this process and returns fn's result", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    const result = await withLock(lockPath, async (lock) => {
      assert.equal(lock.ownerUid, Deno.uid());
      const info = await Deno.lstat(lockPath);
      assert.equal(info.mode! & 0o777, 0o600);
      return "done";
    });
    assert.equal(result, "done");
    assert.equal(await exists(lockPath), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock takes over a stale lock left by a dead process", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    await leaveLock(lockPath, 60_000);
    const started = Date.now();
    const result = await withLock(lockPath, () => Promise.resolve(42), {
      timeoutMs: 2_000,
    });
    assert.equal(result, 42);
    assert.ok(Date.now() - started < 1_000, "no waiting for the timeout");
    assert.equal(await exists(lockPath), false);
    assert.equal(await exists(`${lockPath}.takeover`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock removes a stale takeover guard, then takes over", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    await leaveLock(lockPath, 60_000);
    await leaveLock(`${lockPath}.takeover`, 60_000);
    assert.equal(
      await withLock(lockPath, () => Promise.resolve("ok"), {
        timeoutMs: 2_000,
      }),
      "ok",
    );
    assert.equal(await exists(lockPath), false);
    assert.equal(await exists(`${lockPath}.takeover`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock: a lock left by a run killed just after taking it is taken over once 1 s old", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    // The mtime of a lock created a moment ago, as claim() stamps it.
    await leaveLock(lockPath, 0);
    const start = (await Deno.lstat(lockPath)).mtime!.getTime();
    let clock = start;
    let waited = 0;
    // The default staleness: no staleMs given.
    const result = await withLock(lockPath, () => Promise.resolve("next"), {
      now: () => clock,
      sleep: (ms) => {
        waited += ms;
        clock += ms;
        return Promise.resolve();
      },
    });
    assert.equal(result, "next");
    // Not before the lock is 1 s stale, and within one backoff step after.
    assert.ok(waited > 1_000, `taken over after ${waited} ms`);
    assert.ok(waited <= 1_050, `taken over after ${waited} ms`);
    assert.equal(await exists(lockPath), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock: with the default 1 s staleness, keepAlive's beats hold the lock for 1.5 s", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    let release!: () => void;
    const released = new Promise<void>((resolve) => release = resolve);
    let holderEntered!: () => void;
    const entered = new Promise<void>((resolve) => holderEntered = resolve);
    const holder = withLock(lockPath, async (lock) => {
      lock.keepAlive();
      holderEntered();
      await released;
      return "holder";
    });
    await entered;
    // Half as long again as the staleness; without its beats it would be taken.
    await assert.rejects(
      withLock(lockPath, () => Promise.resolve("waiter"), { timeoutMs: 1_500 }),
    );
    assert.equal(await exists(lockPath), true, "the holder keeps its lock");
    release();
    assert.equal(await holder, "holder");
    assert.equal(await exists(lockPath), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock does not take over a live lock: keepAlive's heartbeat keeps it fresh", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    const options = { staleMs: 500, heartbeatMs: 50 };
    let release!: () => void;
    const released = new Promise<void>((resolve) => release = resolve);
    let holderEntered!: () => void;
    const entered = new Promise<void>((resolve) => holderEntered = resolve);
    const holder = withLock(lockPath, async (lock) => {
      lock.keepAlive();
      holderEntered();
      await released;
      return "holder";
    }, options);
    await entered;

    // Waits three times staleMs; a lock without heartbeat would be taken.
    await assert.rejects(
      withLock(lockPath, () => Promise.resolve("waiter"), {
        ...options,
        timeoutMs: 1_500,
      }),
      (err) =>
        err instanceof SessionLockFailed && err.busy &&
        cliLine(err) === timeoutMessage(lockPath),
    );
    assert.equal(await exists(lockPath), true, "the holder keeps its lock");

    release();
    assert.equal(await holder, "holder");
    assert.equal(await exists(lockPath), false);
    // Once released, the lock is free again.
    assert.equal(
      await withLock(lockPath, () => Promise.resolve("next"), options),
      "next",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock times out with a SessionLockFailed (one line in the CLI), polling with a small random backoff", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    await leaveLock(lockPath, 0);
    let clock = Date.now();
    const sleeps: number[] = [];
    await assert.rejects(
      withLock(lockPath, () => Promise.resolve(), {
        timeoutMs: 30_000,
        staleMs: Infinity,
        now: () => clock,
        sleep: (ms) => {
          sleeps.push(ms);
          clock += ms;
          return Promise.resolve();
        },
      }),
      (err) =>
        err instanceof SessionLockFailed && err.busy &&
        cliLine(err) === timeoutMessage(lockPath),
    );
    assert.ok(sleeps.length > 100, `polled ${sleeps.length} times`);
    assert.ok(sleeps.every((ms) => ms >= 10 && ms <= 50), "10 to 50 ms");
    assert.ok(new Set(sleeps).size > 1, "randomized");
    // A lock that is not ours is left alone.
    assert.equal(await exists(lockPath), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock removes the lock file when fn throws, and rethrows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    const failure = new Error("boom");
    await assert.rejects(
      withLock(lockPath, () => Promise.reject(failure)),
      (err) => err === failure,
    );
    assert.equal(await exists(lockPath), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock does not remove a lock that was taken over while it stalled", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    await withLock(lockPath, async () => {
      // Another process judged us dead and took the lock over.
      await Deno.remove(lockPath);
      await leaveLock(lockPath, 0);
    });
    assert.equal(await exists(lockPath), true, "the new holder keeps it");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock reports a lock directory it can not write to", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/missing/session.lock`;
    await assert.rejects(
      withLock(lockPath, () => Promise.resolve()),
      (err) =>
        err instanceof SessionLockFailed && !err.busy &&
        cliLine(err).startsWith("Could not lock the session: ") &&
        cliLine(err).includes(lockPath),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock refuses a heartbeat that is not shorter than staleMs", async () => {
  await assert.rejects(
    withLock("unused.lock", () => Promise.resolve(), {
      staleMs: 100,
      heartbeatMs: 100,
    }),
    RangeError,
  );
});

Deno.test("withLock: a holder that never calls keepAlive is taken over once stale", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    const options = { staleMs: 300, heartbeatMs: 50 };
    let release!: () => void;
    const released = new Promise<void>((resolve) => release = resolve);
    const holder = withLock(lockPath, () => released, options);
    await delay(50);
    assert.equal(
      await withLock(lockPath, () => Promise.resolve("waiter"), options),
      "waiter",
    );
    release();
    await holder;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock stops waiting when the signal aborts, and leaves the holder's lock alone", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    await leaveLock(lockPath, 0);
    const controller = new AbortController();
    const reason = new CliError("", { exitCode: 130 });
    let waits = 0;
    await assert.rejects(
      withLock(lockPath, () => Promise.resolve("never"), {
        // Never stale, never timed out: only the abort ends the wait.
        staleMs: 3_600_000,
        timeoutMs: 3_600_000,
        signal: controller.signal,
        onWait: () => {
          waits++;
          controller.abort(reason);
        },
      }),
      (err) => err === reason,
    );
    assert.equal(waits, 1);
    assert.equal(await Deno.readTextFile(lockPath), "", "still the holder's");
    assert.equal(await exists(`${lockPath}.takeover`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock on an aborted signal rejects before creating the lock", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/session.lock`;
    const controller = new AbortController();
    controller.abort(new CliError("", { exitCode: 130 }));
    await assert.rejects(
      withLock(lockPath, () => Promise.resolve(), {
        signal: controller.signal,
      }),
      (err) => err === controller.signal.reason,
    );
    assert.equal(await exists(lockPath), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
