/**
 * File attacks: a session dir or file open to group or others, one owned by
 * another user (uid 65534, `nobody`: needs root, else skipped with the
 * reason printed), a session file that is a symbolic link. Each is refused,
 * by login, status, token and logout alike, with exactly the line that
 * names the command that fixes it, and nothing is touched; then the test
 * runs that very command and the CLI works again. Under umask 000 the dir
 * is still 0700 and the files 0600.
 */

import assert from "node:assert/strict";
import { SESSION_INVALID, WELCOME } from "../../src/ui/messages.ts";
import { runCli } from "./cli_runner.ts";
import { ATTACKS, NOBODY } from "./file_attack_cases.ts";
import {
  bytesOf,
  expireAccessToken,
  isRoot,
  leftovers,
  markerKey,
  sameBytes,
  startTestIdp,
  TempRoot,
} from "./world.ts";

const ROOT = isRoot();
if (!ROOT) {
  console.log(
    `file attacks: the cases of a session owned by another user are skipped: they chown to uid ${NOBODY} (nobody), which needs root, and this runs as uid ${
      Deno.uid() ?? "unknown"
    }.`,
  );
}

/** What is on disk that no refused command may change. */
interface Snapshot {
  dirMode: number;
  dirUid: number | null;
  fileInfo?: { mode: number; uid: number | null; isSymlink: boolean };
  link?: string;
  bytes?: Uint8Array;
  targetBytes?: Uint8Array;
}

async function snapshot(dir: string, file: string): Promise<Snapshot> {
  const dirInfo = await Deno.lstat(dir);
  const info = await Deno.lstat(file).catch(() => undefined);
  const link = info?.isSymlink ? await Deno.readLink(file) : undefined;
  return {
    dirMode: dirInfo.mode! & 0o7777,
    dirUid: dirInfo.uid,
    fileInfo: info && {
      mode: info.mode! & 0o7777,
      uid: info.uid,
      isSymlink: info.isSymlink,
    },
    link,
    bytes: info?.isSymlink ? undefined : await bytesOf(file),
    targetBytes: link ? await bytesOf(link) : undefined,
  };
}

Deno.test("file attacks: refused by every command with the line that fixes it", async (t) => {
  const apiKey = markerKey();
  const idp = await startTestIdp([apiKey]);
  const root = await TempRoot.make("pilotcli-files-");
  let runs = 0;
  const started = performance.now();
  try {
    const cli = (dir: string, args: string[], stdin?: string) => {
      runs++;
      return runCli(args, { authUrl: idp.issuer, configDir: dir, stdin });
    };
    const login = async (dir: string) => {
      const result = await cli(
        dir,
        ["user", "login", "--api-key", "-"],
        `${apiKey}\n`,
      );
      assert.equal(result.code, 0, result.stderr);
    };
    for (const attack of ATTACKS) {
      await t.step({
        name: attack.name,
        ignore: attack.needsRoot && !ROOT,
        fn: async () => {
          const dir = root.dir();
          const file = `${dir}/session.json`;
          await login(dir);
          await attack.apply(dir, file);
          const line = attack.line(dir, file);
          const before = await snapshot(dir, file);
          const commands: [string[], string?][] = [
            [["user", "login", "--api-key", "-"], `${apiKey}\n`],
            [["user", "status"]],
            [["user", "token"]],
            [["user", "logout", "-y"]],
          ];
          for (const [args, stdin] of commands) {
            const result = await cli(dir, args, stdin);
            const what = `pilotcli ${args.join(" ")}`;
            assert.equal(result.stderr, `${line}\n`, what);
            assert.equal(result.code, 1, what);
            assert.equal(result.stdout, "", what);
            assert.deepEqual(
              await snapshot(dir, file),
              before,
              `${what} changed the files`,
            );
            assert.deepEqual(await leftovers(dir), [], `${what} left files`);
          }
          // The line's own command fixes it.
          const fix = line.match(/`([^`]+)`/)![1];
          const result = await sh(fix);
          assert.equal(result.code, 0, `${fix}: ${result.stderr}`);
          const status = await cli(dir, ["user", "status"]);
          if (attack.sessionAfterFix) {
            assert.equal(status.code, 0, `after ${fix}: ${status.stderr}`);
          } else {
            assert.equal(status.stderr, `${SESSION_INVALID}\n`);
            await login(dir);
            const info = await Deno.lstat(file);
            assert.ok(info.isFile && (info.mode! & 0o777) === 0o600);
          }
          // The session is a plain 0600 file of ours in a 0700 dir of ours.
          const again = await cli(dir, ["user", "token"]);
          assert.equal(again.code, 0, again.stderr);
          assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
          if (before.targetBytes) {
            // The file the link pointed to was never written through it.
            assert.ok(
              sameBytes(await bytesOf(before.link!), before.targetBytes),
            );
          }
        },
      });
    }
    console.log(
      `figures: ${ATTACKS.length} attacks${
        ROOT
          ? ""
          : ` (${ATTACKS.filter((a) => a.needsRoot).length} skipped: not root)`
      } × 4 commands, ${runs} runs in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s`,
    );
  } finally {
    await idp.close();
    await root.cleanup();
  }
});

Deno.test("under umask 000 the session dir is 0700 and its files 0600, parents included", async () => {
  const apiKey = markerKey();
  const idp = await startTestIdp([apiKey]);
  const root = await TempRoot.make("pilotcli-umask-");
  try {
    // Two missing parents: mkdir -p with mode 0700 for each.
    const top = `${root.path}/a`;
    const dir = `${top}/b/pilotcli`;
    const run = (args: string[], stdin?: string) =>
      runCli(args, {
        authUrl: idp.issuer,
        configDir: dir,
        umask: "000",
        stdin,
      });
    const login = await run(["user", "login", "--api-key", "-"], `${apiKey}\n`);
    assert.equal(login.code, 0, login.stderr);
    assert.ok(login.stderr.endsWith(`${WELCOME}\n`));
    const modes = async () => {
      const out: Record<string, string> = {};
      for (const path of [top, `${top}/b`, dir]) {
        out[path.slice(root.path.length)] = octal(path);
      }
      for await (const entry of Deno.readDir(dir)) {
        out[`${dir.slice(root.path.length)}/${entry.name}`] = octal(
          `${dir}/${entry.name}`,
        );
      }
      return out;
    };
    const octal = (path: string) =>
      (Deno.lstatSync(path).mode! & 0o7777).toString(8).padStart(4, "0");
    assert.deepEqual(await modes(), {
      "/a": "0700",
      "/a/b": "0700",
      "/a/b/pilotcli": "0700",
      "/a/b/pilotcli/session.json": "0600",
    });
    // A refresh rewrites the session and caches the discovery document.
    await expireAccessToken(dir);
    const token = await run(["user", "token"]);
    assert.equal(token.code, 0, token.stderr);
    assert.deepEqual(await modes(), {
      "/a": "0700",
      "/a/b": "0700",
      "/a/b/pilotcli": "0700",
      "/a/b/pilotcli/session.json": "0600",
      "/a/b/pilotcli/discovery.json": "0600",
    });
  } finally {
    await idp.close();
    await root.cleanup();
  }
});

async function sh(command: string) {
  // As root without sudo installed (CI containers), run the rest as is.
  const bare = command.startsWith("sudo ") && isRoot() && !await hasSudo()
    ? command.slice(5)
    : command;
  const { code, stderr } = await new Deno.Command("sh", {
    args: ["-c", bare],
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

async function hasSudo(): Promise<boolean> {
  const { code } = await new Deno.Command("sh", {
    args: ["-c", "command -v sudo"],
    stdout: "null",
    stderr: "null",
  }).output();
  return code === 0;
}
