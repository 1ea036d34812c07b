import assert from "node:assert/strict";
import { fileDiscoveryCache } from "./discovery_cache.ts";

async function names(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) found.push(entry.name);
  return found.sort();
}

Deno.test("fileDiscoveryCache: reads back what it wrote, owner-only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pilotcli_discovery_" });
  try {
    const cache = fileDiscoveryCache(`${dir}/pilotcli`);
    assert.equal(await cache.read(), undefined);
    await cache.write('{"issuer":"x"}');
    assert.equal(await cache.read(), '{"issuer":"x"}');
    if (Deno.build.os !== "windows") {
      assert.equal(
        (await Deno.stat(`${dir}/pilotcli/discovery.json`)).mode! & 0o777,
        0o600,
      );
      assert.equal((await Deno.stat(`${dir}/pilotcli`)).mode! & 0o777, 0o700);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fileDiscoveryCache: a write removes temporary files a crash left, not one still being written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pilotcli_discovery_" });
  try {
    const now = Date.UTC(2026, 10, 27, 12, 0, 0);
    const abandoned = `${dir}/discovery.json.0123456789abcdef.tmp`;
    const inProgress = `${dir}/discovery.json.fedcba9876543210.tmp`;
    const sessionTemp = `${dir}/session.json.0123456789abcdef.tmp`;
    const other = `${dir}/discovery.json.notes.tmp`;
    for (const path of [abandoned, inProgress, sessionTemp, other]) {
      await Deno.writeTextFile(path, "{}");
    }
    const twoMinutesAgo = new Date(now - 120_000);
    for (const path of [abandoned, sessionTemp, other]) {
      await Deno.utime(path, twoMinutesAgo, twoMinutesAgo);
    }
    const tenSecondsAgo = new Date(now - 10_000);
    await Deno.utime(inProgress, tenSecondsAgo, tenSecondsAgo);

    await fileDiscoveryCache(dir, () => now).write('{"issuer":"x"}');

    // The session's temporary files are the session store's to clear, under
    // its lock; a name that is not one of writeFileAtomic's is left alone.
    assert.deepEqual(await names(dir), [
      "discovery.json",
      "discovery.json.fedcba9876543210.tmp",
      "discovery.json.notes.tmp",
      "session.json.0123456789abcdef.tmp",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A discovery.json that must be ignored, not opened, and replaced by a write. */
const UNUSABLE: [name: string, make: (path: string) => Promise<void>][] = [
  ["a FIFO", async (path) => {
    const { success } = await new Deno.Command("mkfifo", {
      args: ["-m", "600", path],
    }).output();
    assert.ok(success, "mkfifo");
  }],
  ["a symbolic link to a good file", async (path) => {
    await Deno.writeTextFile(`${path}.target`, '{"issuer":"x"}', {
      mode: 0o600,
    });
    await Deno.symlink(`${path}.target`, path);
  }],
  ["a symbolic link to a device", async (path) => {
    await Deno.symlink("/dev/zero", path);
  }],
  ["a file readable by others", async (path) => {
    await Deno.writeTextFile(path, '{"issuer":"x"}');
    await Deno.chmod(path, 0o644);
  }],
  ["a file over 1 MiB", async (path) => {
    await Deno.writeTextFile(path, " ".repeat(1024 * 1024 + 1), {
      mode: 0o600,
    });
  }],
  ["a directory", async (path) => {
    await Deno.mkdir(path);
  }],
];

for (const [name, make] of UNUSABLE) {
  Deno.test({
    name: `fileDiscoveryCache: ${name} is ignored, never opened, and replaced`,
    ignore: Deno.build.os === "windows",
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "pilotcli_discovery_" });
      try {
        const path = `${dir}/discovery.json`;
        await Deno.chmod(dir, 0o700);
        await make(path);
        const cache = fileDiscoveryCache(dir);
        // A FIFO opened for reading would block this test forever.
        assert.equal(await cache.read(), undefined);
        if (name === "a directory") {
          await assert.rejects(cache.write('{"issuer":"y"}'));
          return;
        }
        await cache.write('{"issuer":"y"}');
        const info = await Deno.lstat(path);
        assert.ok(info.isFile, "a regular file now");
        assert.equal(info.mode! & 0o777, 0o600);
        assert.equal(await cache.read(), '{"issuer":"y"}');
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test("fileDiscoveryCache: a file of exactly 1 MiB is still read", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pilotcli_discovery_" });
  try {
    const text = " ".repeat(1024 * 1024);
    await Deno.writeTextFile(`${dir}/discovery.json`, text, { mode: 0o600 });
    assert.equal(await fileDiscoveryCache(dir).read(), text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
