/**
 * The Deno namespace of the npm package on Node.js: exactly the calls src/
 * makes, and nothing more. It is not a global: `scripts/build_npm.ts` has
 * esbuild `inject` this module's `Deno` export, so that every free `Deno` of
 * the bundled source refers to it, as dnt scopes its shim per module. So
 * importing the package defines nothing on `globalThis`, and a host's own
 * `Deno` (a real one, or another shim) is never used. It is not part of the
 * Deno program.
 *
 * {@linkcode NodeDeno} is made of Deno's own declarations (`Pick<typeof
 * Deno, ...>`, and the FsFile, stdio and Command members src/ calls), so a
 * signature that drifts from Deno's is a compile error here. Failures are
 * Deno's: the `Deno.errors` class chosen by Node's error `code` (never its
 * message), with Deno's message, `<text> (os error <n>): <op> '<path>'`,
 * built from the error's `code`, `errno` and the operation.
 *
 * Calls src/ makes (grep `Deno\.` in src/ but tests): env, pid, uid,
 * build.os, errors, lstatSync, statSync, mkdirSync, openSync (readSync,
 * writeSync, statSync, syncDataSync, close), readDirSync, readTextFileSync,
 * renameSync, removeSync, utimeSync, stdin (readable, isTerminal, setRaw),
 * stdout and stderr (writeSync, isTerminal), addSignalListener,
 * removeSignalListener, unrefTimer, Command (spawn: pid, status, ref, unref,
 * kill). Deno.permissions is absent on purpose: Node has no permissions, and
 * src/ treats a runtime without them as one that grants (src/cli/settings.ts);
 * saying "granted" to every query, as @deno/shim-deno did, would lie to a
 * host that asked. Deno.createHttpClient is absent too: on Node requests with
 * a CA file or a proxy go through undici (scripts/node_transport.ts).
 *
 * Node's built-ins are looked up with `process.getBuiltinModule` when first
 * needed, not imported: an ES import of a built-in reads every export and
 * runs their lazy getters, which cost Node 0.4x of its bare start
 * (docs/benchmarks.md). Hence Node.js 20.16, the first 20.x to have it.
 *
 * @module
 */

import type * as NodeFs from "node:fs";
import type * as NodeOs from "node:os";
import type * as NodeTty from "node:tty";
import type * as NodeUtil from "node:util";
import type * as NodeChildProcess from "node:child_process";
import { osOfPlatform, writeSyncRetrying } from "./node_base.ts";

/** An open file: the members of Deno.FsFile that src/ calls. */
export type NodeFsFile = Pick<
  Deno.FsFile,
  "readSync" | "writeSync" | "statSync" | "syncDataSync" | "close"
>;

/** What `spawn()` returns: the members of Deno.ChildProcess src/ uses. */
export type NodeChild = Pick<
  Deno.ChildProcess,
  "pid" | "status" | "ref" | "unref" | "kill"
>;

/** The Deno namespace, as far as src/ uses it. */
export interface NodeDeno extends
  Pick<
    typeof Deno,
    | "errors"
    | "env"
    | "pid"
    | "uid"
    | "lstatSync"
    | "statSync"
    | "mkdirSync"
    | "readDirSync"
    | "readTextFileSync"
    | "renameSync"
    | "removeSync"
    | "utimeSync"
    | "addSignalListener"
    | "removeSignalListener"
    | "unrefTimer"
  > {
  /** `Deno.build`: the OS only. */
  build: Pick<typeof Deno.build, "os">;
  /** `Deno.openSync`, with the members of the file src/ calls. */
  openSync(path: string | URL, options?: Deno.OpenOptions): NodeFsFile;
  /** `Deno.stdin`, as src/ reads it. */
  stdin: Pick<typeof Deno.stdin, "readable" | "isTerminal" | "setRaw">;
  /** `Deno.stdout`, as src/ writes it. */
  stdout: Pick<typeof Deno.stdout, "writeSync" | "isTerminal">;
  /** `Deno.stderr`, as src/ writes it. */
  stderr: Pick<typeof Deno.stderr, "writeSync" | "isTerminal">;
  /** `Deno.Command`, for `spawn()` with streams "null" or "inherit". */
  Command: new (
    command: string | URL,
    options?: Deno.CommandOptions,
  ) => { spawn(): NodeChild };
}

const fs = () => process.getBuiltinModule("node:fs") as typeof NodeFs;
const os = () => process.getBuiltinModule("node:os") as typeof NodeOs;
const util = () => process.getBuiltinModule("node:util") as typeof NodeUtil;
const tty = () => process.getBuiltinModule("node:tty") as typeof NodeTty;

/** One class per `Deno.errors` member, named as Deno names it. */
function errorClass(
  name: string,
): new (message?: string, options?: ErrorOptions) => Error {
  const Class = class extends Error {};
  Object.defineProperty(Class, "name", { value: name });
  Object.defineProperty(Class.prototype, "name", {
    value: name,
    writable: true,
    configurable: true,
  });
  return Class;
}

const ERROR_NAMES = [
  "NotFound",
  "PermissionDenied",
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionAborted",
  "NotConnected",
  "AddrInUse",
  "AddrNotAvailable",
  "BrokenPipe",
  "AlreadyExists",
  "InvalidData",
  "TimedOut",
  "Interrupted",
  "WriteZero",
  "WouldBlock",
  "UnexpectedEof",
  "BadResource",
  "Http",
  "Busy",
  "NotSupported",
  "FilesystemLoop",
  "IsADirectory",
  "NetworkUnreachable",
  "NotADirectory",
  "NotCapable",
] as const;

const errors = Object.fromEntries(
  ERROR_NAMES.map((name) => [name, errorClass(name)]),
) as unknown as typeof Deno.errors;

/** The `Deno.errors` class Deno throws for a Node error code. */
const CLASS_OF_CODE: Record<string, (typeof ERROR_NAMES)[number]> = {
  ENOENT: "NotFound",
  EACCES: "PermissionDenied",
  EPERM: "PermissionDenied",
  EEXIST: "AlreadyExists",
  ENOTDIR: "NotADirectory",
  EISDIR: "IsADirectory",
  ELOOP: "FilesystemLoop",
  EPIPE: "BrokenPipe",
  EINTR: "Interrupted",
  EAGAIN: "WouldBlock",
  ETIMEDOUT: "TimedOut",
  EBUSY: "Busy",
  ECONNREFUSED: "ConnectionRefused",
  ECONNRESET: "ConnectionReset",
};

/**
 * The C library's text of an errno where libuv's (which Node has) differs;
 * Deno shows the C library's. The rest is libuv's, capitalized.
 */
const STRERROR: Record<string, string> = {
  EEXIST: "File exists",
  EISDIR: "Is a directory",
  ELOOP: "Too many levels of symbolic links",
  EAGAIN: "Resource temporarily unavailable",
  ENAMETOOLONG: "File name too long",
  EXDEV: "Invalid cross-device link",
  EBUSY: "Device or resource busy",
  EIO: "Input/output error",
  ETXTBSY: "Text file busy",
  EFBIG: "File too large",
};

interface NodeError extends Error {
  code?: unknown;
  errno?: unknown;
  path?: unknown;
  dest?: unknown;
}

/**
 * The error Deno throws for the Node error `err` of the operation `op`
 * (Deno's name for it: lstat, open, rename, ...); descriptor operations
 * name no path, as on Deno. Anything without a `code` is passed on.
 */
export function denoError(err: unknown, op?: string): unknown {
  const node = err as NodeError;
  if (!(err instanceof Error) || typeof node.code !== "string") return err;
  const code = node.code;
  const errno = typeof node.errno === "number"
    ? node.errno
    : -(os().constants.errno as Record<string, number>)[code];
  const text = STRERROR[code] ?? capitalized(
    util().getSystemErrorMap().get(errno)?.[1] ?? code,
  );
  const paths = [node.path, node.dest].filter((p) => typeof p === "string")
    .map((p) => `'${p}'`).join(" -> ");
  const context = op === undefined ? "" : `: ${op}${paths ? ` ${paths}` : ""}`;
  const message = `${text} (os error ${Math.abs(errno)})${context}`;
  const name = CLASS_OF_CODE[code];
  const result = code === "EINVAL"
    ? new TypeError(message, { cause: err })
    : name
    ? new errors[name](message, { cause: err })
    : new Error(message, { cause: err });
  Object.defineProperty(result, "code", {
    value: code,
    writable: true,
    configurable: true,
  });
  return result;
}

function capitalized(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}

/** Runs `fn`, throwing Deno's error for what fails. */
function denoCall<T>(op: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw denoError(err, op);
  }
}

const WINDOWS = process.platform === "win32";

/** Deno's FileInfo of Node's Stats (Deno has no mode, uid, ino on Windows). */
function fileInfo(stats: NodeFs.Stats): Deno.FileInfo {
  const unix = <T>(value: T) => WINDOWS ? null : value;
  return {
    isFile: stats.isFile(),
    isDirectory: stats.isDirectory(),
    isSymlink: stats.isSymbolicLink(),
    size: stats.size,
    mtime: stats.mtime,
    atime: stats.atime,
    birthtime: stats.birthtime,
    ctime: stats.ctime,
    dev: stats.dev,
    ino: unix(stats.ino),
    mode: unix(stats.mode),
    nlink: unix(stats.nlink),
    uid: unix(stats.uid),
    gid: unix(stats.gid),
    rdev: unix(stats.rdev),
    blksize: unix(stats.blksize),
    blocks: unix(stats.blocks),
    isBlockDevice: unix(stats.isBlockDevice()),
    isCharDevice: unix(stats.isCharacterDevice()),
    isFifo: unix(stats.isFIFO()),
    isSocket: unix(stats.isSocket()),
  };
}

/** Node's open flags for Deno's OpenOptions. */
function openFlags(options: Deno.OpenOptions): number {
  const c = fs().constants;
  const { read = false, write = false, append = false } = options;
  let flags = (write || append) ? (read ? c.O_RDWR : c.O_WRONLY) : c.O_RDONLY;
  if (append) flags |= c.O_APPEND;
  if (options.truncate) flags |= c.O_TRUNC;
  if (options.create || options.createNew) flags |= c.O_CREAT;
  if (options.createNew) flags |= c.O_EXCL;
  return flags;
}

function openFile(fd: number): NodeFsFile {
  return {
    readSync: (p) =>
      denoCall(undefined, () => {
        const n = fs().readSync(fd, p);
        return n === 0 && p.length > 0 ? null : n;
      }),
    writeSync: (p) => denoCall(undefined, () => fs().writeSync(fd, p)),
    statSync: () => denoCall(undefined, () => fileInfo(fs().fstatSync(fd))),
    syncDataSync: () => denoCall(undefined, () => fs().fdatasyncSync(fd)),
    close: () => denoCall(undefined, () => fs().closeSync(fd)),
  };
}

function output(fd: number): NodeDeno["stdout"] {
  return {
    writeSync: (p) => denoCall(undefined, () => writeSyncRetrying(fd, p)),
    isTerminal: () => tty().isatty(fd),
  };
}

let stdinReadable: ReadableStream<Uint8Array<ArrayBuffer>> | undefined;

/** Exit codes after a signal, as Deno reports them (128 + its number). */
const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGTERM: 15,
};

function stdio(value: string | undefined): "ignore" | "inherit" {
  if (value === undefined || value === "inherit") return "inherit";
  if (value === "null") return "ignore";
  throw new TypeError(
    `Deno.Command on Node: streams are "null" or "inherit", not ${
      JSON.stringify(value)
    }`,
  );
}

/** `Deno.Command`, the part src/ui/browser.ts uses; no shell, as on Deno. */
class Command {
  #command: string;
  #options: Deno.CommandOptions;

  constructor(command: string | URL, options: Deno.CommandOptions = {}) {
    this.#command = command instanceof URL ? command.pathname : command;
    this.#options = options;
  }

  spawn(): NodeChild {
    const { spawn } = process.getBuiltinModule(
      "node:child_process",
    ) as typeof NodeChildProcess;
    const command = this.#command;
    const { args = [], stdin, stdout, stderr } = this.#options;
    const child = spawn(command, args, {
      shell: false,
      stdio: [stdio(stdin), stdio(stdout), stdio(stderr)],
    });
    const status = new Promise<Deno.CommandStatus>((resolve, reject) => {
      // Node reports a program that cannot start (ENOENT, EACCES) as an
      // event, where Deno throws from spawn(): the status rejects instead.
      child.once("error", (err) => reject(denoError(err, "spawn")));
      child.once("exit", (code, signal) => {
        const exit = code ?? 128 + (SIGNAL_NUMBERS[signal ?? ""] ?? 0);
        resolve({
          success: exit === 0,
          code: exit,
          signal: signal as Deno.Signal | null,
        });
      });
    });
    // Unawaited when unref'd: a failure to start must not crash Node.
    status.catch(() => {});
    return {
      get pid() {
        return child.pid ?? 0;
      },
      status,
      unref: () => void child.unref(),
      ref: () => void child.ref(),
      kill: (signal = "SIGTERM") =>
        void child.kill(signal as NodeJS.Signals | number),
    };
  }
}

const env: Deno.Env = {
  get: (key) => process.env[key],
  set: (key, value) => void (process.env[key] = value),
  delete: (key) => void delete process.env[key],
  has: (key) => process.env[key] !== undefined,
  toObject: () =>
    Object.fromEntries(
      Object.entries(process.env).filter(([, v]) => v !== undefined),
    ) as Record<string, string>,
};

/** The Deno namespace on Node. */
const nodeDeno: NodeDeno = {
  errors,
  env,
  pid: process.pid,
  uid: () => process.getuid?.() ?? null,
  build: {
    os: osOfPlatform(process.platform),
  },
  lstatSync: (path) => denoCall("lstat", () => fileInfo(fs().lstatSync(path))),
  statSync: (path) => denoCall("stat", () => fileInfo(fs().statSync(path))),
  mkdirSync: (path, options) =>
    denoCall("mkdir", () => {
      fs().mkdirSync(path, {
        recursive: options?.recursive ?? false,
        mode: options?.mode ?? 0o777,
      });
    }),
  openSync: (path, options = { read: true }) =>
    denoCall(
      "open",
      () => openFile(fs().openSync(path, openFlags(options), options.mode)),
    ),
  readDirSync: (path) =>
    denoCall(
      "readdir",
      () =>
        fs().readdirSync(path, { withFileTypes: true }).map((entry) => ({
          name: entry.name,
          isFile: entry.isFile(),
          isDirectory: entry.isDirectory(),
          isSymlink: entry.isSymbolicLink(),
        })).values(),
    ),
  readTextFileSync: (path) =>
    denoCall("readfile", () => fs().readFileSync(path, "utf8")),
  renameSync: (from, to) => denoCall("rename", () => fs().renameSync(from, to)),
  removeSync: (path, options) =>
    denoCall("remove", () => {
      if (options?.recursive) fs().rmSync(path, { recursive: true });
      else if (fs().lstatSync(path).isDirectory()) fs().rmdirSync(path);
      else fs().unlinkSync(path);
    }),
  utimeSync: (path, atime, mtime) =>
    denoCall("utime", () => fs().utimesSync(path, atime, mtime)),
  stdin: {
    get readable(): ReadableStream<Uint8Array<ArrayBuffer>> {
      const { Readable } = process.getBuiltinModule("node:stream");
      stdinReadable ??= Readable.toWeb(process.stdin) as ReadableStream<
        Uint8Array<ArrayBuffer>
      >;
      return stdinReadable;
    },
    isTerminal: () => tty().isatty(0),
    setRaw: (mode) => void process.stdin.setRawMode?.(mode),
  },
  stdout: output(1),
  stderr: output(2),
  addSignalListener: (signal, handler) => void process.on(signal, handler),
  removeSignalListener: (signal, handler) => void process.off(signal, handler),
  unrefTimer: (id) => void (id as unknown as { unref?(): void }).unref?.(),
  Command,
};

/**
 * Members of Deno's namespace that src/ uses and this runtime leaves out on
 * purpose (see the module doc): src/ checks for them before each use.
 */
export const ABSENT_ON_PURPOSE: readonly string[] = [
  "permissions",
  "createHttpClient",
];

// Exported under the name esbuild binds (`inject`): every free `Deno` of
// the bundled source is this object.
export { nodeDeno as Deno };
