import assert from "node:assert/strict";
import { asCliError } from "../cli/failure.ts";
import { CliError, SessionNotSaved, UnsafeSessionFile } from "../errors.ts";
import { corruptSessionMoved } from "../ui/messages.ts";
import { SessionFormatError } from "./session.ts";
import { FileSessionStore } from "./store.ts";
import { exists, sampleSession, SECRET } from "./testdata/fixtures.ts";
import { WORKER_SESSION } from "./testdata/store_worker.ts";

const WORKER = new URL("./testdata/store_worker.ts", import.meta.url).href;

const sample = sampleSession;

/** A temp dir for one test, removed afterwards. */
async function withTempDir(fn: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "pilotcli_store_" });
  try {
    await fn(tmp);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

async function names(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) found.push(entry.name);
  return found.sort();
}

async function modeOf(path: string): Promise<number> {
  return (await Deno.lstat(path)).mode! & 0o777;
}

/** A store whose warnings are collected, as the CLI words them, instead of printed. */
function storeIn(dir: string, platform?: "windows" | "other") {
  const warnings: string[] = [];
  const store = new FileSessionStore(dir, {
    warn: ({ path, reason, target }) =>
      warnings.push(corruptSessionMoved(path, reason, target)),
    platform,
  });
  return { store, warnings };
}

/** Run the worker as the CLI runs: with only read and write access to dir. */
async function runWorker(dir: string, args: string[], umask?: string) {
  const denoArgs = [
    "run",
    "--no-config",
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
    WORKER,
    ...args,
  ];
  const command = umask === undefined
    ? new Deno.Command(Deno.execPath(), { args: denoArgs })
    : new Deno.Command("sh", {
      args: [
        "-c",
        `umask ${umask}; exec "$0" "$@"`,
        Deno.execPath(),
        ...denoArgs,
      ],
    });
  const output = await command.output();
  assert.equal(
    output.code,
    0,
    `worker failed: ${new TextDecoder().decode(output.stderr)}`,
  );
}

/** The CLI's line for a typed error, as src/cli/failure.ts words it. */
function cliLine(err: unknown): string {
  const line = asCliError(err, "unused");
  assert.ok(line instanceof CliError, `no line for: ${err}`);
  return line.message;
}

/** An error of the store whose line in the CLI is `message`. */
function isCliError(message: string) {
  return (err: unknown) => {
    assert.equal(cliLine(err), message);
    return true;
  };
}

const unix = Deno.build.os !== "windows";

Deno.test("find on a missing directory returns undefined and creates nothing", async () => {
  await withTempDir(async (tmp) => {
    const { store, warnings } = storeIn(`${tmp}/config/pilotcli`);
    assert.equal(await store.readLocked(), undefined);
    assert.equal(
      await store.update(() => Promise.resolve(undefined)),
      undefined,
    );
    await store.delete();
    assert.equal(await store.update(() => Promise.resolve(null)), undefined);
    assert.deepEqual(await names(tmp), []);
    assert.deepEqual(warnings, []);
  });
});

Deno.test("save then find gives the session back; dir 0700 with parents, file 0600", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/config/pilotcli`;
    const { store } = storeIn(dir);
    assert.equal(store.dir, dir);
    assert.equal(store.path, `${dir}/session.json`);
    await store.save(sample());
    assert.deepEqual(await store.readLocked(), sample());
    if (unix) {
      assert.equal(await modeOf(`${tmp}/config`), 0o700);
      assert.equal(await modeOf(dir), 0o700);
      assert.equal(await modeOf(store.path), 0o600);
    }
    // No lock and no temporary file is left behind.
    assert.deepEqual(await names(dir), ["session.json"]);
    assert.ok((await Deno.readTextFile(store.path)).endsWith("}\n"));
  });
});

Deno.test("update passes the current session and returns what is on disk", async () => {
  await withTempDir(async (tmp) => {
    const { store } = storeIn(`${tmp}/pilotcli`);
    await store.save(sample());
    const updated = await store.update((current) => {
      assert.deepEqual(current, sample());
      return Promise.resolve({ ...current!, lastActiveAt: 1_700_000_999 });
    });
    assert.deepEqual(updated, sample({ lastActiveAt: 1_700_000_999 }));
    assert.deepEqual(await store.readLocked(), updated);

    // undefined leaves the file as it is, and returns it.
    const before = await Deno.readTextFile(store.path);
    assert.deepEqual(
      await store.update(() => Promise.resolve(undefined)),
      updated,
    );
    assert.equal(await Deno.readTextFile(store.path), before);
  });
});

Deno.test("delete removes the session; on a missing session it does nothing", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/pilotcli`;
    const { store } = storeIn(dir);
    await store.save(sample());
    await store.delete();
    assert.equal(await store.readLocked(), undefined);
    assert.deepEqual(await names(dir), []);
    await store.delete();
    assert.deepEqual(await names(dir), []);
  });
});

Deno.test({
  name: "dir is 0700 and file 0600 even under umask 000 (separate process)",
  ignore: !unix,
  async fn() {
    await withTempDir(async (tmp) => {
      const dir = `${tmp}/nested/pilotcli`;
      await runWorker(dir, ["save", dir], "000");
      assert.equal(await modeOf(`${tmp}/nested`), 0o700);
      assert.equal(await modeOf(dir), 0o700);
      assert.equal(await modeOf(`${dir}/session.json`), 0o600);
      assert.deepEqual(await names(dir), ["session.json"]);
      assert.deepEqual(await storeIn(dir).store.readLocked(), WORKER_SESSION);
    });
  },
});

Deno.test("8 processes updating under the lock lose no update", async () => {
  await withTempDir(async (tmp) => {
    // The directory does not exist yet: the first writes race to create it.
    const dir = `${tmp}/pilotcli`;
    const processes = 8;
    const times = 5;
    await Promise.all(
      Array.from(
        { length: processes },
        () => runWorker(dir, ["increment", dir, String(times)]),
      ),
    );
    const session = await storeIn(dir).store.readLocked();
    assert.equal(session?.lastActiveAt, processes * times);
    assert.deepEqual(await names(dir), ["session.json"]);
  });
});

Deno.test("a failing fn keeps the old session and releases the lock", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/pilotcli`;
    const { store } = storeIn(dir);
    await store.save(sample());
    const failure = new Error("refresh failed");
    await assert.rejects(
      store.update(() => Promise.reject(failure)),
      (err) => err === failure,
    );
    assert.deepEqual(await store.readLocked(), sample());
    assert.deepEqual(await names(dir), ["session.json"]);
  });
});

Deno.test("an invalid session is refused before anything is written", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/pilotcli`;
    const { store } = storeIn(dir);
    const invalid = sample({ accessToken: "" });
    await assert.rejects(store.save(invalid), SessionFormatError);
    assert.deepEqual(await names(tmp), [], "no directory created");

    await store.save(sample());
    await assert.rejects(store.save(invalid), SessionFormatError);
    assert.deepEqual(await store.readLocked(), sample());
    assert.deepEqual(await names(dir), ["session.json"]);
  });
});

Deno.test("a failed write keeps the old session and removes the temporary file", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/pilotcli`;
    const { store } = storeIn(dir);
    await store.save(sample());
    const renameSync = Deno.renameSync;
    let tempFile = "";
    Deno.renameSync = (from: string | URL) => {
      tempFile = String(from);
      throw new Error("No space left on device (os error 28)");
    };
    try {
      await assert.rejects(
        store.save(sample({ accessToken: "new-" + SECRET })),
        (err) => {
          assert.ok(err instanceof SessionNotSaved);
          assert.match(
            cliLine(err),
            /^Could not save the session: No space left on device \(os error 28\)\. Check that .* is writable and the disk is not full\.$/,
          );
          assert.ok(!cliLine(err).includes(SECRET));
          return true;
        },
      );
    } finally {
      Deno.renameSync = renameSync;
    }
    assert.match(tempFile, /\/session\.json\.[0-9a-f]{16}\.tmp$/);
    assert.equal(await exists(tempFile), false);
    assert.deepEqual(await store.readLocked(), sample());
    assert.deepEqual(await names(dir), ["session.json"]);
  });
});

Deno.test("temporary files left by a dead writer are removed on the next write", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/pilotcli`;
    const { store } = storeIn(dir);
    await store.save(sample());
    await Deno.writeTextFile(`${dir}/session.json.0123abcd.tmp`, "{", {
      mode: 0o600,
    });
    await store.save(sample({ lastActiveAt: 1_700_000_500 }));
    assert.deepEqual(await names(dir), ["session.json"]);
  });
});

Deno.test("a corrupt session file is moved aside with a warning; the user is logged out", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/pilotcli`;
    const { store, warnings } = storeIn(dir);
    await store.save(sample());
    const corrupt = `{"accessToken": "${SECRET}", `;
    await Deno.writeTextFile(store.path, corrupt);

    const before = Math.floor(Date.now() / 1000);
    assert.equal(await store.readLocked(), undefined);
    const after = Math.floor(Date.now() / 1000);

    const moved = (await names(dir)).filter((name) =>
      name.startsWith("session.json.corrupt-")
    );
    assert.equal(moved.length, 1);
    const seconds = Number(moved[0].slice("session.json.corrupt-".length));
    assert.ok(seconds >= before && seconds <= after);
    const target = `${dir}/${moved[0]}`;
    assert.equal(await Deno.readTextFile(target), corrupt, "never deleted");
    assert.equal(await exists(store.path), false);
    assert.deepEqual(warnings, [
      `Session file ${store.path} was unreadable (not valid JSON) and was moved to ${target}; please log in again.`,
    ]);
    assert.ok(!warnings[0].includes(SECRET));

    // Logged out: nothing more to warn about, and a new login works.
    assert.equal(await store.readLocked(), undefined);
    assert.equal(warnings.length, 1);
    await store.save(sample());
    assert.deepEqual(await store.readLocked(), sample());
  });
});

Deno.test("a session file with a bad field is moved aside, naming the field; an existing corrupt file is kept", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/pilotcli`;
    const { store, warnings } = storeIn(dir);
    await store.save(sample());
    const bad = JSON.stringify({ ...sample(), method: SECRET });
    for (let i = 0; i < 2; i++) {
      await Deno.writeTextFile(store.path, bad, { mode: 0o600 });
      assert.equal(await store.readLocked(), undefined);
    }
    assert.equal(warnings.length, 2);
    assert.match(
      warnings[0],
      /^Session file .*session\.json was unreadable \("method" must be one of device-code, api-key\) and was moved to .*session\.json\.corrupt-\d+; please log in again\.$/,
    );
    assert.ok(!warnings.join().includes(SECRET));
    const moved = (await names(dir)).filter((name) =>
      name.includes(".corrupt-")
    );
    assert.equal(moved.length, 2, "the second did not overwrite the first");
  });
});

Deno.test({
  name: "a session file open to others is refused with the chmod to run",
  ignore: !unix,
  async fn() {
    await withTempDir(async (tmp) => {
      const dir = `${tmp}/pilotcli`;
      const { store } = storeIn(dir);
      await store.save(sample());
      await Deno.chmod(store.path, 0o644);
      await assert.rejects(
        store.readLocked(),
        isCliError(
          `Session file ${store.path} is readable by other users (mode 0644): run \`chmod 600 ${store.path}\` and try again.`,
        ),
      );
      await Deno.chmod(store.path, 0o620);
      await assert.rejects(
        store.save(sample()),
        isCliError(
          `Session file ${store.path} is writable by other users (mode 0620): run \`chmod 600 ${store.path}\` and try again.`,
        ),
      );
      assert.equal(await modeOf(store.path), 0o620, "left for the user to fix");
      assert.deepEqual(await names(dir), ["session.json"], "lock released");

      // On Windows there are no modes to check.
      assert.deepEqual(
        await storeIn(dir, "windows").store.readLocked(),
        sample(),
      );

      await Deno.chmod(store.path, 0o600);
      assert.deepEqual(await store.readLocked(), sample());
    });
  },
});

Deno.test({
  name: "a session directory open to others is refused with the chmod to run",
  ignore: !unix,
  async fn() {
    await withTempDir(async (tmp) => {
      const dir = `${tmp}/pilotcli`;
      const { store } = storeIn(dir);
      await store.save(sample());
      await Deno.chmod(dir, 0o755);
      await assert.rejects(
        store.readLocked(),
        isCliError(
          `Session directory ${dir} is open to other users (mode 0755): run \`chmod 700 ${dir}\` and try again.`,
        ),
      );
      await assert.rejects(store.delete(), UnsafeSessionFile);
      assert.deepEqual(await names(dir), ["session.json"], "no lock made");
      await Deno.chmod(dir, 0o700);
      assert.deepEqual(await store.readLocked(), sample());
    });
  },
});

Deno.test({
  name: "paths with spaces and quotes are single-quoted in the command",
  ignore: !unix,
  async fn() {
    await withTempDir(async (tmp) => {
      const dir = `${tmp}/Pilot's config`;
      const { store } = storeIn(dir);
      await store.save(sample());
      await Deno.chmod(dir, 0o750);
      await assert.rejects(
        store.readLocked(),
        isCliError(
          `Session directory ${dir} is open to other users (mode 0750): run \`chmod 700 '${tmp}/Pilot'\\''s config'\` and try again.`,
        ),
      );
      await Deno.chmod(dir, 0o700);
      await Deno.chmod(store.path, 0o604);
      await assert.rejects(
        store.readLocked(),
        isCliError(
          `Session file ${store.path} is readable by other users (mode 0604): run \`chmod 600 '${tmp}/Pilot'\\''s config/session.json'\` and try again.`,
        ),
      );
    });
  },
});

Deno.test({
  name: "a session file that is a symbolic link is refused",
  ignore: !unix,
  async fn() {
    await withTempDir(async (tmp) => {
      const dir = `${tmp}/pilotcli`;
      const { store } = storeIn(dir);
      await store.save(sample());
      await Deno.rename(store.path, `${tmp}/elsewhere.json`);
      await Deno.symlink(`${tmp}/elsewhere.json`, store.path);
      const message =
        `Session file ${store.path} is a symbolic link: run \`rm ${store.path}\` and log in again.`;
      await assert.rejects(store.readLocked(), isCliError(message));
      await assert.rejects(store.save(sample()), isCliError(message));
      assert.ok((await Deno.lstat(store.path)).isSymlink, "left as it was");
    });
  },
});

Deno.test({
  name: "a session owned by another user is refused with the chown to run",
  // Only root can give a file to another user.
  ignore: !unix || Deno.uid() !== 0,
  async fn() {
    await withTempDir(async (tmp) => {
      const dir = `${tmp}/pilotcli`;
      const { store } = storeIn(dir);
      await store.save(sample());
      await Deno.chown(store.path, 4242, null);
      await assert.rejects(
        store.readLocked(),
        isCliError(
          `Session file ${store.path} is owned by another user (uid 4242): run \`sudo chown $(id -u) ${store.path}\` or delete it, and try again.`,
        ),
      );
      await Deno.chown(store.path, 0, null);
      await Deno.chown(dir, 4242, null);
      await assert.rejects(
        store.readLocked(),
        isCliError(
          `Session directory ${dir} is owned by another user (uid 4242): run \`sudo chown $(id -u) ${dir}\` or delete it, and try again.`,
        ),
      );
      assert.deepEqual(
        await storeIn(dir, "windows").store.readLocked(),
        sample(),
      );
    });
  },
});

Deno.test("a session path that is not a regular file is refused", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/pilotcli`;
    await Deno.mkdir(`${dir}/session.json`, { recursive: true, mode: 0o700 });
    await assert.rejects(
      storeIn(dir).store.readLocked(),
      isCliError(
        `Session file ${dir}/session.json is not a regular file: move it away and log in again.`,
      ),
    );
  });
});

Deno.test("a corrupt session moved aside is owner-only, listed, and removed by removeCorrupt", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/pilotcli`;
    const { store } = storeIn(dir);
    assert.deepEqual(store.corruptFiles(), [], "no dir: nothing listed");
    await store.save(sample());
    await Deno.writeTextFile(store.path, `{"accessToken": "${SECRET}"`);
    assert.equal(await store.readLocked(), undefined);
    const [moved] = store.corruptFiles();
    assert.match(moved, /\/session\.json\.corrupt-\d+$/);
    if (unix) assert.equal(await modeOf(moved), 0o600);
    await store.save(sample());
    assert.deepEqual(store.corruptFiles(), [moved], "a save alone keeps it");
    store.removeCorrupt();
    assert.deepEqual(store.corruptFiles(), []);
    assert.deepEqual(await names(dir), ["session.json"]);
  });
});

/** Why a private read-only mount can not be made here, or undefined. */
async function noPrivateMounts(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return "private mounts need Linux";
  try {
    const { success, stderr } = await new Deno.Command("unshare", {
      args: [
        "-m",
        "sh",
        "-c",
        "mount --bind / / && mount -o remount,bind,ro /",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    return success ? undefined : new TextDecoder().decode(stderr).trim();
  } catch (err) {
    return `unshare could not run: ${(err as Error).message}`;
  }
}

const NO_MOUNTS = await noPrivateMounts();
if (NO_MOUNTS !== undefined) {
  console.log(`Skipping the read-only session dir test: ${NO_MOUNTS}`);
}

Deno.test({
  name:
    "on a read-only dir a read needs no lock, and a write fails with what it could not store",
  ignore: NO_MOUNTS !== undefined,
  async fn() {
    await withTempDir(async (tmp) => {
      const dir = `${tmp}/pilotcli`;
      await runWorker(dir, ["save", dir]);
      const before = await Deno.readTextFile(`${dir}/session.json`);
      // A read-only bind of the dir onto itself, in a mount namespace of the
      // worker's own: chmod would not stop root.
      const { code, stdout, stderr } = await new Deno.Command("unshare", {
        args: [
          "-m",
          "sh",
          "-c",
          'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"',
          dir,
          Deno.execPath(),
          "run",
          "--no-config",
          `--allow-read=${dir}`,
          `--allow-write=${dir}`,
          WORKER,
          "touch",
          dir,
        ],
      }).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      const { found, outcome } = JSON.parse(new TextDecoder().decode(stdout));
      assert.equal(found, WORKER_SESSION.username);
      assert.equal(outcome.lastActiveAt, WORKER_SESSION.lastActiveAt + 1);
      assert.match(
        outcome.message,
        new RegExp(
          `^Could not save the session: Read-only file system \\(os error 30\\): open '${dir}/session.lock'\\. Check that ${dir} is writable and the disk is not full\\.$`,
        ),
      );
      assert.equal(await Deno.readTextFile(`${dir}/session.json`), before);
      assert.deepEqual(await names(dir), ["session.json"]);
    });
  },
});

Deno.test("a profile's session has its own file, lock and corrupt files; session.json stays PILOT_AUTH_URL's", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/pilotcli`;
    const plain = new FileSessionStore(dir);
    const a = new FileSessionStore(dir, { profile: "a" });
    const b = new FileSessionStore(dir, { profile: "b" });
    await plain.save(sample({ username: "plain" }));
    await a.save(sample({ username: "of-a" }));
    assert.equal(a.path, `${dir}/session-a.json`);
    assert.deepEqual(await names(dir), ["session-a.json", "session.json"]);
    assert.equal((await plain.readLocked())?.username, "plain");
    assert.equal((await a.readLocked())?.username, "of-a");
    assert.equal(await b.readLocked(), undefined);
    // A corrupt file of a is moved aside and counted for a only.
    await Deno.writeTextFile(a.path, "not json", { mode: 0o600 });
    assert.equal(await a.readLocked(), undefined);
    assert.equal(a.corruptFiles().length, 1);
    assert.deepEqual([plain.corruptFiles(), b.corruptFiles()], [[], []]);
    // b's lock is not a's: a held lock of a does not delay b.
    await Deno.writeTextFile(`${dir}/session-a.lock`, "held", { mode: 0o600 });
    let waited = false;
    const b2 = new FileSessionStore(dir, {
      profile: "b",
      lock: { onWait: () => waited = true },
    });
    await b2.save(sample({ username: "of-b" }));
    assert.equal(waited, false);
    assert.equal((await b.readLocked())?.username, "of-b");
  });
});
