/**
 * How the npm package's program (scripts/npm_bin.ts) loads the CLI on Node,
 * with a V8 code cache: the one trick of the Node start-up, measured and
 * explained in docs/benchmarks.md. It is not part of the Deno program.
 *
 * Why: Node 20 keeps no compiled code between runs of an ES module, and
 * compiling lib/cli.js, the functions `user status` calls included, is most
 * of what the command spends above a bare `node`. So the build
 * (scripts/build_npm.ts) makes lib/cli.js and lib/cold.js scripts, not
 * modules: CommonJS inside one function expression,
 * `(function (require, module, exports) { ... })`. This loader compiles
 * each with `vm.Script`, hands V8 the code cache an earlier run left, and
 * after a run without one (the first, or after an upgrade) writes what V8
 * compiled, at exit. Its `require` gives the scripts each other and the
 * bundled libraries (lib/*.cjs, through Node's own loader: they are loaded
 * only for a CA file, a proxy or a QR code).
 *
 * The cache is a file per script, install and Node version in the user's
 * cache dir (src/runtime/os.ts, codeCacheDir), owner-only: code that runs
 * must be the user's own, so a file another user owns, one open to group or
 * others, or a symbolic link is not used (and is replaced). Its first line
 * names the script it was made from (device, inode, size, times: any change
 * to the file changes its ctime) and Node's version and architecture, and
 * its name is a hash of that line; V8 checks its own version and flags, and
 * rejects a cache it cannot use. Caches of scripts since changed or removed
 * go when a cache is next written. Any failure to read or write one costs
 * only the saving: the CLI runs the same.
 *
 * @module
 */

import { checksModes, checksOwner, pathSeparator } from "../src/runtime/os.ts";

/** What lib/'s scripts are handed: each other, and the bundled libraries. */
export type LibRequire = (specifier: string) => unknown;

type Script = (
  require: LibRequire,
  module: { exports: unknown },
  exports: unknown,
) => void;

/** Where the code cache is kept, and how the OS's files are checked. */
export interface CodeCache {
  /** The directory (created owner-only when first written). */
  dir: string;
  /** The operating system, as `Deno.build.os` names it. */
  os: string;
}

/** The first line's tag: a cache of another layout is not read. */
const FORMAT = "pilotcli-code-cache-1";

/**
 * The `require` of the scripts in `libDir`: `./x.js` is lib/x.js, loaded
 * once (with the code cache, if given), `./x.cjs` a bundled library, which
 * Node's own `require` loads. The scripts look built-ins up themselves
 * (`process.getBuiltinModule`): anything else is a fault of the build.
 *
 * @param libDir the package's lib/ directory, a path
 * @param cache where to keep the code cache; none without
 * @returns the function that loads a script and returns its exports
 */
export function libRequire(libDir: string, cache?: CodeCache): LibRequire {
  const modules = new Map<string, { exports: unknown }>();
  const require: LibRequire = (specifier) => {
    if (!/^\.\/[a-z]+\.c?js$/.test(specifier)) {
      throw new Error(`lib/ has no ${specifier}`);
    }
    if (specifier.endsWith(".cjs")) {
      // Resolved from a file in lib/ (createRequire wants a file's path).
      return process.getBuiltinModule("node:module").createRequire(
        process.getBuiltinModule("node:path").join(libDir, "cli.js"),
      )(specifier);
    }
    let module = modules.get(specifier);
    if (module === undefined) {
      // Set before it runs: lib/cold.js requires lib/cli.js, which loaded it.
      module = { exports: {} };
      modules.set(specifier, module);
      compile(libDir, specifier.slice(2), cache)(
        require,
        module,
        module.exports,
      );
    }
    return module.exports;
  };
  return require;
}

/** Compiles the script `name` of `libDir`, from its code cache if one fits. */
function compile(
  libDir: string,
  name: string,
  cache: CodeCache | undefined,
): Script {
  const fs = process.getBuiltinModule("node:fs");
  const vm = process.getBuiltinModule("node:vm");
  const path = process.getBuiltinModule("node:path").join(libDir, name);
  const fd = fs.openSync(path, "r");
  let source: string;
  let made: string;
  try {
    made = madeFrom(path, fs.fstatSync(fd));
    source = fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
  if (cache === undefined) {
    return new vm.Script(source, { filename: path }).runInThisContext();
  }
  // Named by what it was made from: two installs, or two Node versions,
  // each have their own, and do not overwrite each other's in turn.
  const cacheFile = `${cache.dir}${pathSeparator(cache.os)}${
    name.replace(/\.js$/, "")
  }-${fnv1a(made)}.v8`;
  const cachedData = readCodeCache(cacheFile, made, cache.os);
  const script = new vm.Script(source, { filename: path, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // After the run, so that the functions it compiled are in the cache.
    process.once("exit", () => {
      writeCodeCache(cache.dir, cacheFile, made, script);
      pruneCodeCache(cache.dir, cacheFile, cache.os);
    });
  }
  return script.runInThisContext() as Script;
}

/**
 * The first line of a code cache: the layout, Node's version and
 * architecture, and the script it was made from as it was then (any write
 * to a file changes its ctime), its path last.
 */
function madeFrom(path: string, stat: import("node:fs").Stats): string {
  return [
    FORMAT,
    process.version,
    process.arch,
    `${stat.dev}:${stat.ino}`,
    stat.size,
    stat.mtimeMs,
    stat.ctimeMs,
    path,
  ].join(" ") + "\n";
}

/** A 32-bit FNV-1a hash of `text`, in hex: enough to tell files apart. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * The code cache in `file`, if it is this user's, closed to group and
 * others, and made from the script as it is now (`made`, its first line).
 */
function readCodeCache(
  file: string,
  made: string,
  os: string,
): Uint8Array | undefined {
  const fs = process.getBuiltinModule("node:fs");
  let fd: number;
  try {
    fd = fs.openSync(
      file,
      fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0),
    );
  } catch {
    return undefined;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (
      !stat.isFile() ||
      checksOwner(os) && stat.uid !== process.getuid?.() ||
      checksModes(os) && (stat.mode & 0o077) !== 0
    ) return undefined;
    const data = fs.readFileSync(fd);
    const header = new TextEncoder().encode(made);
    return data.length > header.length &&
        data.subarray(0, header.length).equals(header)
      ? data.subarray(header.length)
      : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes the code V8 compiled for `script` to `file` in `dir` (owner-only),
 * atomically: a new file, renamed over the old. A failure is left quiet.
 */
function writeCodeCache(
  dir: string,
  file: string,
  made: string,
  script: import("node:vm").Script,
): void {
  const fs = process.getBuiltinModule("node:fs");
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(
      temporary,
      Buffer.concat([
        new TextEncoder().encode(made),
        script.createCachedData(),
      ]),
      { flag: "wx", mode: 0o600 },
    );
    fs.renameSync(temporary, file);
  } catch {
    try {
      fs.unlinkSync(temporary);
    } catch {
      // Not made, or gone.
    }
  }
}

/**
 * Removes the code caches in `dir` (but `keep`) whose script is gone or has
 * changed since: those of an install removed or upgraded. Another Node
 * version's cache of a script as it is stays. Runs only after a cache was
 * written, so rarely. A failure is left quiet.
 */
function pruneCodeCache(dir: string, keep: string, os: string): void {
  const fs = process.getBuiltinModule("node:fs");
  let entries: string[];
  try {
    entries = fs.readdirSync(dir).filter((entry) => entry.endsWith(".v8"));
  } catch {
    return;
  }
  // What a first line says of the script: all but the first three fields.
  const script = (made: string) => made.split(" ").slice(3).join(" ");
  for (const entry of entries) {
    const file = `${dir}${pathSeparator(os)}${entry}`;
    if (file === keep) continue;
    try {
      const made = firstLine(file);
      const path = made.split(" ").slice(7).join(" ").slice(0, -1);
      if (
        !made.startsWith(`${FORMAT} `) ||
        script(madeFrom(path, fs.statSync(path))) !== script(made)
      ) fs.unlinkSync(file);
    } catch (err) {
      // Its script is gone: so is the cache. Else left for the next time.
      if ((err as { code?: unknown }).code === "ENOENT") {
        try {
          fs.unlinkSync(file);
        } catch {
          // Gone already.
        }
      }
    }
  }
}

/** The first line of `file`, with its newline, from its first 4 KiB. */
function firstLine(file: string): string {
  const fs = process.getBuiltinModule("node:fs");
  const fd = fs.openSync(file, "r");
  try {
    const head = new Uint8Array(4096);
    const text = new TextDecoder().decode(
      head.subarray(0, fs.readSync(fd, head)),
    );
    return text.slice(0, text.indexOf("\n") + 1);
  } finally {
    fs.closeSync(fd);
  }
}
