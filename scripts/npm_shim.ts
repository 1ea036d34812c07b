/**
 * The Deno namespace on Node.js, for the npm package: `@deno/shim-deno`, with
 * pilotcli's fixes. Both bundled entries install it before any pilotcli
 * module runs: the CLI (`scripts/npm_entry.ts`, always) and the library
 * (`scripts/npm_lib_shim.ts`, only where `globalThis.Deno` is absent). It is
 * not part of the Deno program.
 *
 * Where the shim falls short of what pilotcli uses, it is fixed here, never
 * in the CLI's source: in a namespace of our own over the shim's, and, for
 * the open file and the standard streams, in the shim's own objects (so
 * install it once per process):
 *
 * - File system errors are Deno's: the shim throws plain Node errors
 *   (`ENOENT: no such file or directory, lstat '/x'`), some half-mapped
 *   (`File exists (os error 17), mkdir '/x'`), and its error classes are
 *   all named "Error". Here every call pilotcli makes throws what Deno
 *   throws: the `Deno.errors` class for the errno, named after it, with
 *   `code`, and Deno's message (`No such file or directory (os error 2):
 *   lstat '/x'`), so the lines a person reads are the same on both runtimes.
 * - `Deno.errors` lacks Deno 2's NotCapable, NotSupported, IsADirectory,
 *   NotADirectory, FilesystemLoop, NetworkUnreachable and WouldBlock, so an
 *   `instanceof` check on one of them would throw; they are added.
 * - `Deno.Command` is missing (the shim has the old `Deno.run` only): the
 *   part pilotcli uses to open a browser is scripts/npm_command.ts.
 * - `Deno.unrefTimer` / `Deno.refTimer` are missing; on Node a timer is an
 *   object with `unref()` / `ref()`, which they call.
 * - `Deno.stdout.writeSync` / `Deno.stderr.writeSync` are `fs.writeSync`,
 *   which throws EAGAIN on a full pipe that is non-blocking. Node itself
 *   makes a pipe or socket non-blocking when it opens `process.stdin` on it
 *   (`Deno.stdin.readable` does), so where stdin and stdout share one (a
 *   socket pair, say) a large write fails on Node where it succeeds on Deno,
 *   which never changes the mode. Here they wait and retry. (Deno too throws
 *   WouldBlock when some other process made the pipe non-blocking; Node
 *   then waits where Deno fails, the one place where they part on purpose.)
 *
 * Left as the shim has them, because they are right or unused: `Deno.env`,
 * `Deno.build`, `Deno.stdin.readable`, the signal listeners, `Deno.exit`,
 * `Deno.pid`, file modes and uids, `Deno.permissions` (every query answers
 * "granted": Node has no Deno permissions, so a permission check passes),
 * `FsFile.lock` (absent; pilotcli's lock does not use it).
 *
 * @module
 */

import os from "node:os";
import { Deno as shim } from "@deno/shim-deno";
import { nodeCommand } from "./npm_command.ts";
import { writeSyncRetrying } from "./npm_stdio.ts";

type Namespace = Record<string, unknown>;
type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;
// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => any;

/** Error classes of Deno 2 that the shim does not have. */
const MISSING_ERRORS = [
  "NotCapable",
  "NotSupported",
  "IsADirectory",
  "NotADirectory",
  "FilesystemLoop",
  "NetworkUnreachable",
  "WouldBlock",
] as const;

/** The `Deno.errors` class Deno throws for an errno (the rest: Error). */
const CLASS_OF_CODE: Record<string, string> = {
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
  ECONNREFUSED: "ConnectionRefused",
  ECONNRESET: "ConnectionReset",
  ECONNABORTED: "ConnectionAborted",
  ENOTCONN: "NotConnected",
  EADDRINUSE: "AddrInUse",
  EADDRNOTAVAIL: "AddrNotAvailable",
  ENETUNREACH: "NetworkUnreachable",
};

/**
 * The C library's text for an errno, as Deno shows it (libuv's, which Node
 * shows, differs: "file already exists" for "File exists"). These are
 * glibc's; the BSD texts of macOS differ for a few rare ones only.
 */
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EEXIST: "File exists",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  ELOOP: "Too many levels of symbolic links",
  ENOSPC: "No space left on device",
  EDQUOT: "Disk quota exceeded",
  EROFS: "Read-only file system",
  ENAMETOOLONG: "File name too long",
  ENOTEMPTY: "Directory not empty",
  EBUSY: "Device or resource busy",
  EMFILE: "Too many open files",
  ENFILE: "Too many open files in system",
  EXDEV: "Invalid cross-device link",
  EINVAL: "Invalid argument",
  EIO: "Input/output error",
  EPIPE: "Broken pipe",
  EAGAIN: "Resource temporarily unavailable",
  EINTR: "Interrupted system call",
  EBADF: "Bad file descriptor",
  EFBIG: "File too large",
  EMLINK: "Too many links",
  ETXTBSY: "Text file busy",
};

const shimErrors = shim.errors as unknown as Record<string, ErrorClass>;

/** `Deno.errors`: the shim's classes, named as Deno names them, and the missing ones. */
const errors: Record<string, ErrorClass> = { ...shimErrors };
for (const name of MISSING_ERRORS) {
  errors[name] ??= class extends Error {};
}
for (const [name, Class] of Object.entries(errors)) {
  Object.defineProperty(Class.prototype, "name", {
    value: name,
    writable: true,
    configurable: true,
  });
}

/** Marks an error already made Deno's. */
const DENO_STYLE = Symbol("pilotcli.denoStyleError");

/** The errno code of an error from Node or from the shim, if it has one. */
function codeOf(err: Error): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") return code;
  // The shim's own AlreadyExists (mkdir, open) lost the code.
  const lost: unknown = err;
  if (lost instanceof shimErrors.AlreadyExists) return "EEXIST";
  if (lost instanceof shimErrors.NotFound) return "ENOENT";
  return /^([A-Z][A-Z0-9]+): /.exec(err.message)?.[1];
}

/**
 * The error Deno throws for the failure `err`: the class, `code` and message
 * Deno gives it. `context` is Deno's operation and path(s), such as
 * `lstat '/x'`; descriptor operations (write, stat of an open file) have none.
 */
function denoError(err: unknown, context?: string): unknown {
  if (!(err instanceof Error) || Object.hasOwn(err, DENO_STYLE)) return err;
  const code = codeOf(err);
  if (code === undefined) return err;
  const errno = (os.constants.errno as Record<string, number | undefined>)[
    code
  ];
  const text = STRERROR[code] ?? libuvText(err.message) ?? code;
  const message = `${text}${errno === undefined ? "" : ` (os error ${errno})`}${
    context === undefined ? "" : `: ${context}`
  }`;
  const Class: ErrorClass = code === "EINVAL"
    ? TypeError
    : errors[CLASS_OF_CODE[code]] ?? Error;
  const result = new Class(message, { cause: err });
  Object.defineProperties(result, {
    code: { value: code, writable: true, configurable: true },
    [DENO_STYLE]: { value: true },
  });
  return result;
}

/** The text of a Node message "ECODE: text, syscall 'path'", capitalized. */
function libuvText(message: string): string | undefined {
  const text = /^[A-Z][A-Z0-9]+: ([^,]+)/.exec(message)?.[1];
  return text === undefined ? undefined : text[0].toUpperCase() + text.slice(1);
}

function quoted(path: unknown): string {
  return `'${path instanceof URL ? path.pathname : String(path)}'`;
}

/** Wraps a synchronous path operation so it throws Deno's errors. */
function pathOp<F extends AnyFunction>(op: string, fn: F): F {
  return ((...args: Parameters<F>) => {
    try {
      return fn(...args);
    } catch (err) {
      throw denoError(err, `${op} ${quoted(args[0])}`);
    }
  }) as F;
}

/**
 * The shim's namespace with the fixes of the module doc, as own properties
 * over the shim's namespace as prototype. (A copy would read all of the
 * shim's 150 getters, about 0.3 ms of every run on Node.)
 */
function denoNamespace(): Namespace {
  const original = shim as unknown as Namespace;
  const deno: Namespace = {};
  const fn = (name: string) => (original[name] as AnyFunction).bind(original);

  deno.errors = errors;
  for (
    const [name, op] of [
      ["statSync", "stat"],
      ["lstatSync", "lstat"],
      ["mkdirSync", "mkdir"],
      ["openSync", "open"],
      ["removeSync", "remove"],
      ["utimeSync", "utime"],
      ["readTextFileSync", "readfile"],
    ] as const
  ) {
    deno[name] = pathOp(op, fn(name));
  }
  const renameSync = fn("renameSync");
  deno.renameSync = (from: string | URL, to: string | URL) => {
    try {
      return renameSync(from, to);
    } catch (err) {
      throw denoError(err, `rename ${quoted(from)} -> ${quoted(to)}`);
    }
  };
  // The shim's readDirSync is a generator: it fails while iterated.
  const readDirSync = fn("readDirSync");
  deno.readDirSync = function* (dir: string | URL) {
    try {
      yield* readDirSync(dir);
    } catch (err) {
      throw denoError(err, `readdir ${quoted(dir)}`);
    }
  };
  deno.Command = nodeCommand(denoError);
  deno.unrefTimer = (timer: unknown) =>
    (timer as { unref?: () => void } | null)?.unref?.();
  deno.refTimer = (timer: unknown) =>
    (timer as { ref?: () => void } | null)?.ref?.();

  // Operations on an open file: Deno's errors there name no path.
  const proto = (shim.FsFile as unknown as { prototype: Namespace }).prototype;
  for (const name of ["writeSync", "statSync", "syncDataSync"]) {
    const method = proto[name] as AnyFunction;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      try {
        return method.apply(this, args);
      } catch (err) {
        throw denoError(err);
      }
    };
  }

  for (const [name, fd] of [["stdout", 1], ["stderr", 2]] as const) {
    (shim[name] as unknown as Namespace).writeSync = (data: Uint8Array) => {
      try {
        return writeSyncRetrying(fd, data);
      } catch (err) {
        throw denoError(err);
      }
    };
  }
  return Object.create(original, Object.getOwnPropertyDescriptors(deno));
}

/** What {@linkcode installDenoShim} does where a Deno namespace already exists. */
export interface InstallOptions {
  /**
   * true: replace it (the CLI, which is Node's alone); false: leave it
   * (the library, which Deno code may import too, and which must then run
   * on the real Deno).
   */
  replace: boolean;
}

/**
 * Sets `globalThis.Deno` to the fixed shim.
 *
 * @returns whether the shim was installed
 */
export function installDenoShim({ replace }: InstallOptions): boolean {
  const present = (globalThis as { Deno?: unknown }).Deno !== undefined;
  if (present && !replace) return false;
  Object.defineProperty(globalThis, "Deno", {
    value: denoNamespace(),
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return true;
}
