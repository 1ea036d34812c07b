import assert from "node:assert/strict";
import { Deno as nodeDeno, denoError } from "./node_deno.ts";

/** A Node error as node:fs makes them. */
function nodeError(
  code: string,
  errno: number,
  message: string,
  path?: string,
) {
  return Object.assign(new Error(message), { code, errno, syscall: "x", path });
}

Deno.test("node Deno: the error class comes from Node's code, never its message", () => {
  // The message says one thing, the code another: the code decides.
  const err = denoError(
    nodeError("ENOENT", -2, "EEXIST: file already exists", "/x"),
    "lstat",
  ) as Error & { code?: string };
  assert.ok(err instanceof nodeDeno.errors.NotFound);
  assert.equal(err.name, "NotFound");
  assert.equal(err.code, "ENOENT");
  assert.equal(
    err.message,
    "No such file or directory (os error 2): lstat '/x'",
  );
  for (
    const [code, errno, name] of [
      ["EEXIST", -17, "AlreadyExists"],
      ["EACCES", -13, "PermissionDenied"],
      ["EPERM", -1, "PermissionDenied"],
      ["EISDIR", -21, "IsADirectory"],
      ["ENOTDIR", -20, "NotADirectory"],
      ["EPIPE", -32, "BrokenPipe"],
    ] as const
  ) {
    const mapped = denoError(nodeError(code, errno, "anything"));
    assert.ok(mapped instanceof nodeDeno.errors[name], code);
  }
  // Deno's texts where libuv's differ; EINVAL is a TypeError, as on Deno.
  assert.equal(
    (denoError(nodeError("EEXIST", -17, "x", "/d"), "mkdir") as Error).message,
    "File exists (os error 17): mkdir '/d'",
  );
  assert.ok(denoError(nodeError("EINVAL", -22, "x")) instanceof TypeError);
  // Not a system error: passed on as it is.
  const plain = new Error("plain");
  assert.equal(denoError(plain), plain);
});

Deno.test("node Deno: file calls throw Deno's errors, with the operation and path", () => {
  const missing = "/nonexistent-pilotcli-test/x";
  assert.throws(() => nodeDeno.lstatSync(missing), (err) => {
    assert.ok(err instanceof nodeDeno.errors.NotFound);
    assert.equal(
      (err as Error).message,
      `No such file or directory (os error 2): lstat '${missing}'`,
    );
    return true;
  });
  assert.throws(
    () => nodeDeno.readTextFileSync(missing),
    nodeDeno.errors.NotFound,
  );
});

Deno.test("node Deno: files open, write, read, stat and rename as Deno's", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/f`;
    const file = nodeDeno.openSync(path, {
      createNew: true,
      write: true,
      mode: 0o600,
    });
    assert.equal(file.writeSync(new TextEncoder().encode("hello")), 5);
    file.syncDataSync();
    assert.equal(file.statSync().size, 5);
    file.close();
    assert.throws(
      () => nodeDeno.openSync(path, { createNew: true, write: true }),
      nodeDeno.errors.AlreadyExists,
    );
    const info = nodeDeno.lstatSync(path);
    assert.equal(info.isFile, true);
    assert.equal(info.mode! & 0o777, 0o600);
    const reader = nodeDeno.openSync(path, { read: true });
    const buffer = new Uint8Array(16);
    assert.equal(reader.readSync(buffer), 5);
    assert.equal(reader.readSync(buffer), null);
    reader.close();
    nodeDeno.renameSync(path, `${dir}/g`);
    assert.deepEqual([...nodeDeno.readDirSync(dir)].map((e) => e.name), ["g"]);
    assert.equal(nodeDeno.readTextFileSync(`${dir}/g`), "hello");
    nodeDeno.removeSync(`${dir}/g`);
    assert.deepEqual([...nodeDeno.readDirSync(dir)], []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("node Deno: no permissions API, so nothing answers 'granted'", () => {
  assert.equal("permissions" in nodeDeno, false);
  assert.equal("createHttpClient" in nodeDeno, false);
});
