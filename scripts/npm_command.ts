/**
 * `Deno.Command` on Node.js, for the npm package: `@deno/shim-deno` has only
 * the old `Deno.run`. This is the part pilotcli uses (src/ui/browser.ts):
 * `new Deno.Command(program, { args, stdin, stdout, stderr }).spawn()` with
 * streams "null" or "inherit", and the child's `status`, `pid`, `unref()`,
 * `ref()` and `kill()`. As on Deno, there is no shell: the arguments reach
 * the program as they are. It is not part of the Deno program.
 *
 * @module
 */

import { spawn } from "node:child_process";

/** The stream options this Command takes. */
type Stdio = "null" | "inherit";

/** The options this Command takes: Deno's, for what pilotcli passes. */
export interface NodeCommandOptions {
  /** The arguments. */
  args?: string[];
  /** Standard input; default "inherit" (Deno's default for spawn). */
  stdin?: Stdio;
  /** Standard output; default "inherit". */
  stdout?: Stdio;
  /** Standard error; default "inherit". */
  stderr?: Stdio;
}

/** Deno's CommandStatus. */
export interface NodeCommandStatus {
  /** Exit code 0. */
  success: boolean;
  /** The exit code (128 + n after signal n, as Deno gives it). */
  code: number;
  /** The signal that ended it, if one did. */
  signal: string | null;
}

/** What a Command's `spawn()` returns: Deno's ChildProcess, in part. */
export interface NodeChildProcess {
  /** The child's process id. */
  readonly pid: number;
  /** Resolves when it exits; rejects with Deno's error when it cannot start. */
  readonly status: Promise<NodeCommandStatus>;
  /** Lets the process exit without waiting for the child. */
  unref(): void;
  /** Undoes unref(). */
  ref(): void;
  /** Sends a signal to the child. */
  kill(signal?: string): void;
}

/** Signal numbers, for the exit code Deno reports after a signal. */
const SIGNALS: Record<string, number> = {
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
    `Deno.Command of pilotcli's Node shim takes "null" or "inherit" streams, not ${
      JSON.stringify(value)
    }`,
  );
}

/**
 * The `Deno.Command` class over Node's child_process; `denoError` makes a
 * Node error Deno's (class, code, message), given Deno's context text.
 */
export function nodeCommand(
  denoError: (err: unknown, context?: string) => unknown,
): new (command: string, options?: NodeCommandOptions) => {
  spawn(): NodeChildProcess;
} {
  return class Command {
    #command: string;
    #options: NodeCommandOptions;

    constructor(command: string, options: NodeCommandOptions = {}) {
      this.#command = command;
      this.#options = options;
    }

    spawn(): NodeChildProcess {
      const command = this.#command;
      const { args = [], stdin, stdout, stderr } = this.#options;
      const child = spawn(command, args, {
        shell: false,
        stdio: [stdio(stdin), stdio(stdout), stdio(stderr)],
      });
      const status = new Promise<NodeCommandStatus>((resolve, reject) => {
        // Node reports a program that cannot start (ENOENT, EACCES) as an
        // event, where Deno throws from spawn(): the status rejects instead.
        child.once("error", (err) => {
          reject(denoError(err, `spawn '${command}'`));
        });
        child.once("exit", (code, signal) => {
          const code_ = code ?? 128 + (SIGNALS[signal ?? ""] ?? 0);
          resolve({ success: code_ === 0, code: code_, signal });
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
          void child.kill(signal as Parameters<typeof child.kill>[0]),
      };
    }
  };
}
