/**
 * Runs pilotcli as a user does, in one of three ways:
 *
 * - "deno": a subprocess of `deno run` of mod.ts, from source, with the
 *   narrow permissions it ships with (the auth host only, its own env
 *   variables, its config dir), never -A;
 * - "bundle": the same, of the program Deno users install, `dist/pilotcli.js`
 *   as `deno task build` makes it (built once per test process), with
 *   `--no-config`;
 * - "node": `node pilotcli` from the npm package, built by
 *   `scripts/build_npm.ts`, packed with `npm pack` and installed with
 *   `npm install -g` into a temporary prefix, as
 *   `npm install -g ./pilot-pilotcli-<version>.tgz` installs it for a user;
 *   once per content of the sources it is built from, shared by the test
 *   processes of a run (see {@linkcode installNodePackage}).
 *
 * For the library, {@linkcode installNodePackageInto} installs the same
 * tarball into a Node project, as `npm install ./pilot-pilotcli-<version>.tgz`
 * does.
 *
 * @module
 */

import { ENV_VARS } from "../../src/config.ts";

const MOD = new URL("../../mod.ts", import.meta.url).pathname;

/** The ways pilotcli runs: from source and bundled on Deno, and on Node. */
export type Runtime = "deno" | "bundle" | "node";

/** Every way, Deno from source first. */
export const RUNTIMES: readonly Runtime[] = ["deno", "bundle", "node"];

let denoBundle: Promise<string> | undefined;

/**
 * Builds the Deno program, once for every test process of the same sources
 * (see {@linkcode installNodePackage}); returns its path.
 */
export function buildDenoBundle(): Promise<string> {
  denoBundle ??= sharedBuild("bundle", async (dir) => {
    const { buildDeno } = await import("../../scripts/build_deno.ts");
    return (await buildDeno(`${dir}/pilotcli.js`)).path;
  });
  return denoBundle;
}

/** The npm package as a user installed it. */
export interface NodeInstall {
  /** The installed program (`<prefix>/bin/pilotcli`, a link to bin/pilotcli.cjs). */
  bin: string;
  /** The tarball `npm pack` made. */
  tarball: string;
  /** The tarball's size in bytes. */
  tarballBytes: number;
  /** Bytes on disk of the installed package (`du -sb`, apparent sizes). */
  installedBytes: number;
  /** The package version. */
  version: string;
}

let nodeInstall: Promise<NodeInstall> | undefined;

/**
 * Builds, packs and installs the npm package; later calls get the same
 * install. Offline: the package has no dependencies.
 *
 * The install is shared by every test process that builds the same sources
 * (`--parallel` runs each test file on its own, and seven of them run on
 * Node): it lives in the temporary directory under a hash of every file the
 * build can read (all but tests/ and docs/), the Deno version and
 * PILOTCLI_REPOSITORY_URL. A changed source gets a new build; a build is
 * made in a directory of its own and renamed into place, so a process never
 * sees half of one. Installs a day old are removed.
 */
export function installNodePackage(): Promise<NodeInstall> {
  nodeInstall ??= sharedBuild("npm", buildPackInstall);
  return nodeInstall;
}

/** The repository's root directory. */
const ROOT = new URL("../../", import.meta.url).pathname;
/** Top-level entries the npm build never reads, or that are its output. */
const NOT_BUILD_INPUT = new Set([
  ".git",
  "docs",
  "tests",
  "node_modules",
  "npm",
  "dist",
]);
const SHARED_PREFIX = "pilotcli-test-";
const SHARED_MAX_AGE_MS = 24 * 3600 * 1000;
let inputsHash: Promise<string> | undefined;

/**
 * What `build` makes in a directory, shared by the test processes of the
 * same sources under `$TMPDIR/pilotcli-test-<kind>-<hash>`: made in a
 * directory of its own and renamed into place, so that a process never
 * sees half of one; what it returns is recorded beside it, its paths as
 * they are once renamed.
 */
async function sharedBuild<T>(
  kind: string,
  build: (dir: string) => Promise<T>,
): Promise<T> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  inputsHash ??= buildInputsHash();
  // "2": the layout of such a directory, for those an older suite left.
  const dir = `${tmp}/${SHARED_PREFIX}${kind}-2-${await inputsHash}`;
  const recorded = `${dir}/build.json`;
  try {
    const made = JSON.parse(await Deno.readTextFile(recorded));
    // In use: not a day old, whatever its age (see removeOldBuilds).
    const now = Date.now() / 1000;
    await Deno.utime(dir, now, now).catch(() => {});
    return made as T;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await removeOldBuilds(tmp);
  const building = `${dir}.${crypto.randomUUID()}`;
  await Deno.mkdir(building);
  try {
    const built = await build(building);
    const made = JSON.parse(
      JSON.stringify(built).replaceAll(building, dir),
    ) as T;
    await Deno.writeTextFile(`${building}/build.json`, JSON.stringify(made));
    try {
      await Deno.rename(building, dir);
    } catch {
      // Another test process got there first: use its build.
      await Deno.readTextFile(recorded);
    }
    return made;
  } finally {
    await Deno.remove(building, { recursive: true }).catch(() => {});
  }
}

/** A hash of everything the npm build may read, as hex. */
async function buildInputsHash(): Promise<string> {
  const parts: string[] = [
    Deno.version.deno,
    Deno.env.get("PILOTCLI_REPOSITORY_URL") ?? "",
  ];
  const walk = async (dir: string, rel: string) => {
    const entries = [];
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      const name = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (rel === "" && NOT_BUILD_INPUT.has(entry.name)) continue;
      if (entry.isDirectory) await walk(path, name);
      else if (entry.isFile) {
        const bytes = await Deno.readFile(path);
        const digest = await crypto.subtle.digest("SHA-256", bytes);
        parts.push(`${name} ${hex(digest)}`);
      }
    }
  };
  await walk(ROOT.replace(/\/$/, ""), "");
  const all = new TextEncoder().encode(parts.join("\n"));
  return hex(await crypto.subtle.digest("SHA-256", all)).slice(0, 24);
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Removes shared builds (and abandoned ones) a day old; best effort. */
async function removeOldBuilds(tmp: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(tmp)) {
      if (!entry.name.startsWith(SHARED_PREFIX)) continue;
      const path = `${tmp}/${entry.name}`;
      const { mtime } = await Deno.lstat(path);
      if (mtime && Date.now() - mtime.getTime() > SHARED_MAX_AGE_MS) {
        await Deno.remove(path, { recursive: true });
      }
    }
  } catch {
    // Another process may be removing the same; nothing depends on it.
  }
}

/**
 * A temporary directory that lasts as long as the test process, for what is
 * built once and shared by its tests.
 */
export async function processTempDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Best effort: it is a temporary directory.
    }
  });
  return dir;
}

let cacheHome: string | undefined;

/**
 * The XDG_CACHE_HOME of the CLIs a test process starts: a temporary
 * directory of its own, removed at its end.
 */
function testCacheHome(): string {
  if (cacheHome === undefined) {
    const dir = Deno.makeTempDirSync({ prefix: "pilotcli-cache-" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // Best effort: it is a temporary directory.
      }
    });
    cacheHome = dir;
  }
  return cacheHome;
}

async function buildPackInstall(root: string): Promise<NodeInstall> {
  const { buildNpm } = await import("../../scripts/build_npm.ts");
  const build = await buildNpm(`${root}/package`);
  const packed = await npm([
    "pack",
    build.dir,
    `--pack-destination=${root}`,
    "--json",
    ...npmFlags(root),
  ]);
  const [{ filename }] = JSON.parse(packed) as [{ filename: string }];
  const tarball = `${root}/${filename}`;
  const prefix = `${root}/prefix`;
  await npm([
    "install",
    "-g",
    `--prefix=${prefix}`,
    tarball,
    ...npmFlags(root),
  ]);
  const bin = `${prefix}/bin/pilotcli`;
  await Deno.lstat(bin);
  return {
    bin,
    tarball,
    tarballBytes: (await Deno.stat(tarball)).size,
    installedBytes: await treeBytes(
      `${prefix}/lib/node_modules/${build.name}`,
    ),
    version: build.version,
  };
}

/**
 * Installs the npm package (built, packed: see installNodePackage) into the
 * Node project `dir` as a dependency, `npm install <tarball>`; `dir` gets a
 * package.json (an ES module project) if it has none. Offline.
 */
export async function installNodePackageInto(dir: string): Promise<void> {
  const { tarball } = await installNodePackage();
  try {
    await Deno.writeTextFile(
      `${dir}/package.json`,
      `${JSON.stringify({ private: true, type: "module" })}\n`,
      { createNew: true },
    );
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
  // The tarball lies in the root of the install, with its npm cache.
  const root = tarball.slice(0, tarball.lastIndexOf("/"));
  await npm(["install", `--prefix=${dir}`, tarball, ...npmFlags(root)]);
}

/** What a Node program printed, and how it ended. */
export interface NodeRun {
  /** The exit code. */
  code: number;
  /** Its standard output, decoded. */
  stdout: string;
  /** Its standard error, decoded. */
  stderr: string;
}

/**
 * Runs `source` as an ES module under Node in `dir` (a project with the
 * package installed, see installNodePackageInto), as a user's program runs:
 * a clean environment with PATH, HOME and `env`, no standard input. It must
 * end by itself within `timeoutMs`: nothing of the library may hold Node
 * open (a timer, a socket, standard input).
 */
export async function runNodeScript(
  dir: string,
  source: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<NodeRun> {
  const script = await Deno.makeTempFile({ dir, suffix: ".mjs" });
  await Deno.writeTextFile(script, source);
  const { code, stdout, stderr } = await new Deno.Command("node", {
    args: [script],
    cwd: dir,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/root",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const decoder = new TextDecoder();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

/**
 * Flags of every npm call: offline, quiet, and a cache of our own in `root`
 * (the user's npm cache is neither read nor written).
 */
function npmFlags(root: string): string[] {
  return [
    `--cache=${root}/npm-cache`,
    "--offline",
    "--no-audit",
    "--no-fund",
    "--no-update-notifier",
    "--loglevel=error",
  ];
}

async function npm(args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("npm", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(
      `npm ${args[0]} failed:\n${new TextDecoder().decode(stderr)}`,
    );
  }
  return new TextDecoder().decode(stdout);
}

/** The apparent size of the files under `dir`, in bytes. */
async function treeBytes(dir: string): Promise<number> {
  let bytes = (await Deno.lstat(dir)).size;
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    bytes += entry.isDirectory
      ? await treeBytes(path)
      : (await Deno.lstat(path)).size;
  }
  return bytes;
}

/** How to run the CLI. */
export interface CliOptions {
  /**
   * The realm URL (PILOT_AUTH_URL, not set when ""); its host:port is the
   * only --allow-net unless `netHosts` says otherwise.
   */
  authUrl: string;
  /** The hosts of --allow-net instead (several realms' profiles). */
  netHosts?: string[];
  /** The config dir (PILOT_CONFIG_DIR); the only --allow-read/--allow-write. */
  configDir: string;
  /** More environment variables. */
  env?: Record<string, string>;
  /** Text for standard input; closed right away when absent. */
  stdin?: string;
  /** A umask to run under, e.g. "000". */
  umask?: string;
  /** Which runtime runs the CLI; default "deno". */
  runtime?: Runtime;
  /** More `deno run` flags (e.g. --allow-run=...); not for Node. */
  denoFlags?: string[];
  /**
   * Run in a pseudo-terminal (util-linux `script`): standard input, output
   * and error are one terminal, so everything shows up in `stdout`, with
   * CRLF line ends. "pipe" makes standard input a pipe all the same.
   */
  pty?: "terminal" | "pipe";
  /**
   * Keep standard input open until the CLI exits (after `stdin`, if any),
   * as a terminal that nobody types into does.
   */
  keepStdinOpen?: boolean;
  /**
   * A command that runs the CLI: it gets the CLI's argv as its last
   * arguments (e.g. `unshare -m sh -c '... && exec "$@"' sh`).
   */
  wrapper?: string[];
  /**
   * Close the read end of stdout's pipe as soon as the CLI starts, as
   * `| head -0` does: its writes then fail with EPIPE.
   */
  closeStdout?: boolean;
  /** A CA file to trust (PILOT_CA_FILE), readable with --allow-read. */
  caFile?: string;
  /** The API URL (PILOT_API_URL); its host:port joins --allow-net. */
  apiUrl?: string;
}

/**
 * A wrapper (CliOptions.wrapper) that measures the peak memory of a run:
 * `[...METER, file]` writes the largest child's max RSS, in KiB on Linux,
 * to `file`.
 */
export const METER = [
  "python3",
  "-c",
  "import resource, subprocess, sys\n" +
  "code = subprocess.call(sys.argv[2:])\n" +
  "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n" +
  "sys.exit(code if code >= 0 else 128 - code)",
];

/** A run still going after this long (ms) is killed (SIGKILL), so a hang fails its test. */
const LIMIT_MS = 90_000;

/** A process the tests started. */
export interface Started {
  /** argv, the program included. */
  argv: string[];
}

/** Every CLI process started in this test process, in order: the secrets suite checks no secret was on a command line. */
export const started: Started[] = [];

/** What a finished run left behind. */
export interface CliResult {
  /** The exit code (128 + n after a signal). */
  code: number;
  /** The signal that ended it, if one did. */
  signal: Deno.Signal | null;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** From start to exit, in ms. */
  ms: number;
  /** Whether the safety limit (LIMIT_MS) killed it. */
  overLimit: boolean;
}

/**
 * The permission flags the CLI ships with, for a realm and a config dir,
 * the CA file of PILOT_CA_FILE and the API of PILOT_API_URL if there are
 * ones.
 */
export function permissionFlags(
  authUrl: string,
  configDir: string,
  caFile?: string,
  netHosts?: string[],
  apiUrl?: string,
): string[] {
  const hosts = [
    ...netHosts ?? [new URL(authUrl).host],
    ...apiUrl ? [new URL(apiUrl).host] : [],
  ];
  return [
    `--allow-net=${hosts.join(",")}`,
    `--allow-env=${ENV_VARS.join(",")}`,
    `--allow-read=${caFile ? `${configDir},${caFile}` : configDir}`,
    `--allow-write=${configDir}`,
  ];
}

/** A running CLI whose stderr can be watched while it runs. */
export class CliProcess {
  #child: Deno.ChildProcess | undefined;
  #pendingSignals: Deno.Signal[] = [];
  #stdout = "";
  #stderr = "";
  #done: Promise<CliResult>;
  #waiters: Array<() => void> = [];
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;

  /**
   * Starts `pilotcli args...` as a subprocess. From source it starts at once;
   * bundled or on Node once the program is built (see buildDenoBundle) or
   * the npm package installed (see installNodePackage).
   */
  constructor(args: string[], options: CliOptions) {
    const runtime = options.runtime ?? "deno";
    const deno = (program: string, ...flags: string[]) => [
      Deno.execPath(),
      "run",
      "--quiet",
      ...flags,
      ...permissionFlags(
        options.authUrl,
        options.configDir,
        options.caFile,
        options.netHosts,
        options.apiUrl,
      ),
      ...options.denoFlags ?? [],
      program,
      ...args,
    ];
    if (runtime === "deno") {
      this.#child = this.#spawn(deno(MOD), options, runtime);
      this.#done = this.#collect(this.#child, options);
      return;
    }
    const command = runtime === "bundle"
      ? buildDenoBundle().then((bundle) => deno(bundle, "--no-config"))
      : installNodePackage().then(({ bin }) => ["node", bin, ...args]);
    this.#done = command.then((argv) => {
      this.#child = this.#spawn(argv, options, runtime);
      for (const signal of this.#pendingSignals.splice(0)) {
        this.#child.kill(signal);
      }
      return this.#collect(this.#child, options);
    });
  }

  #spawn(
    command: string[],
    options: CliOptions,
    runtime: Runtime,
  ): Deno.ChildProcess {
    if (options.umask !== undefined) {
      command.unshift("sh", "-c", `umask ${options.umask} && exec "$@"`, "sh");
    }
    if (options.pty !== undefined) {
      // script runs the command line with $SHELL -c: quote every word.
      const line = command.map((w) => `'${w.replaceAll("'", `'\\''`)}'`)
        .join(" ");
      command = [
        "script",
        "-qfec",
        options.pty === "pipe" ? `true | ${line}` : `exec ${line}`,
        "/dev/null",
      ];
    }
    if (options.wrapper !== undefined) command.unshift(...options.wrapper);
    const env = {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      // Deno's own cache lives under HOME; the session does not.
      HOME: Deno.env.get("HOME") ?? "/root",
      ...(Deno.env.get("DENO_DIR")
        ? { DENO_DIR: Deno.env.get("DENO_DIR")! }
        : {}),
      ...(options.authUrl === "" ? {} : { PILOT_AUTH_URL: options.authUrl }),
      PILOT_CONFIG_DIR: options.configDir,
      ...(options.caFile ? { PILOT_CA_FILE: options.caFile } : {}),
      ...(options.apiUrl ? { PILOT_API_URL: options.apiUrl } : {}),
      // On Node, the code cache (scripts/npm_loader.ts): not the user's.
      // (Deno keeps its own cache there too: not for Deno.)
      ...(runtime === "node" ? { XDG_CACHE_HOME: testCacheHome() } : {}),
      NO_COLOR: "1",
      // Deno's own update check would go through a test's proxy too.
      DENO_NO_UPDATE_CHECK: "1",
      ...options.env,
    };
    started.push({ argv: [...command] });
    return new Deno.Command(command[0], {
      args: command.slice(1),
      clearEnv: true,
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  }

  #collect(child: Deno.ChildProcess, options: CliOptions): Promise<CliResult> {
    const input = options.stdin;
    const begin = performance.now();
    let overLimit = false;
    const limit = setTimeout(() => {
      overLimit = true;
      this.kill("SIGKILL");
    }, LIMIT_MS);
    const writer = child.stdin.getWriter();
    this.#stdin = writer;
    const stdinDone = (async () => {
      if (input !== undefined) {
        await writer.write(new TextEncoder().encode(input)).catch(() => {});
      }
      if (options.keepStdinOpen) await child.status;
      await writer.close().catch(() => {});
    })();
    const collect = async (
      stream: ReadableStream<Uint8Array>,
      append: (text: string) => void,
    ) => {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        append(text);
        for (const wake of this.#waiters.splice(0)) wake();
      }
    };
    return Promise.all([
      child.status,
      options.closeStdout
        ? child.stdout.cancel()
        : collect(child.stdout, (t) => this.#stdout += t),
      collect(child.stderr, (t) => this.#stderr += t),
      stdinDone,
    ]).then(([status]) => {
      clearTimeout(limit);
      for (const wake of this.#waiters.splice(0)) wake();
      return {
        code: status.code,
        signal: status.signal,
        stdout: this.#stdout,
        stderr: this.#stderr,
        ms: performance.now() - begin,
        overLimit,
      };
    });
  }

  /** Waits until stderr matches `pattern` and returns the match. */
  waitForStderr(
    pattern: RegExp,
    timeoutMs = 30_000,
  ): Promise<RegExpMatchArray> {
    return this.#waitFor(() => this.#stderr, "stderr", pattern, timeoutMs);
  }

  /** Waits until stdout (all output, in a pty) matches `pattern`. */
  waitForStdout(
    pattern: RegExp,
    timeoutMs = 30_000,
  ): Promise<RegExpMatchArray> {
    return this.#waitFor(() => this.#stdout, "stdout", pattern, timeoutMs);
  }

  async #waitFor(
    text: () => string,
    name: string,
    pattern: RegExp,
    timeoutMs: number,
  ): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    const ended = () => {
      exited = true;
      for (const wake of this.#waiters.splice(0)) wake();
    };
    this.#done.then(ended, ended);
    for (;;) {
      const match = text().match(pattern);
      if (match) return match;
      if (exited || Date.now() > deadline) {
        if (exited) await this.#done; // A failed start (the npm install) says why.
        throw new Error(
          `${name} never matched ${pattern}; ${name} so far:\n${text()}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Types `text` on standard input (which keepStdinOpen keeps open). */
  async type(text: string): Promise<void> {
    if (!this.#stdin) throw new Error("the CLI has not started yet");
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /** Sends a signal to the CLI (on Node, once it has started). */
  kill(signal: Deno.Signal): void {
    if (!this.#child) return void this.#pendingSignals.push(signal);
    try {
      this.#child.kill(signal);
    } catch {
      // Exited already.
    }
  }

  /** Waits for the CLI to exit. */
  result(): Promise<CliResult> {
    return this.#done;
  }
}

/** Runs the CLI to its end. */
export function runCli(
  args: string[],
  options: CliOptions,
): Promise<CliResult> {
  return new CliProcess(args, options).result();
}
