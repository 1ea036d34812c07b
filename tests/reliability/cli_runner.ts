/**
 * Runs pilotcli as a subprocess with the narrow permissions it ships with
 * (`permissionFlags` of tests/e2e/cli.ts), and records the argument list
 * and environment of every process it starts, so that the secrets suite can
 * check that no secret was ever passed on a command line. It also gives the
 * pid and the time taken, and kills a run that outlives a safety limit, so
 * that a CLI that hangs fails its test instead of stalling the suite.
 *
 * @module
 */

import { permissionFlags } from "../e2e/cli.ts";

const MOD = new URL("../../mod.ts", import.meta.url).pathname;

/** The argument list and environment of a process the tests started. */
export interface Started {
  /** argv, the program included. */
  argv: string[];
  /** Its whole environment. */
  env: Record<string, string>;
}

/** Every process started through this module, in order. */
export const started: Started[] = [];

/** How to run the CLI. */
export interface RunOptions {
  /** PILOT_AUTH_URL; its host:port is the only --allow-net. */
  authUrl: string;
  /** PILOT_CONFIG_DIR; the only --allow-read and --allow-write. */
  configDir: string;
  /** More environment variables. */
  env?: Record<string, string>;
  /** Text for standard input; closed at once when absent. */
  stdin?: string;
  /** A umask to run under, e.g. "000". */
  umask?: string;
  /** Kill the run (SIGKILL) after this long, in ms; default 90000. */
  limitMs?: number;
}

/** How a run ended. */
export interface RunResult {
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
  /** Whether the safety limit killed it. */
  overLimit: boolean;
}

/** A running CLI. */
export class Cli {
  /** Its argument list, the program included. */
  readonly argv: string[];
  /** Its process id. */
  readonly pid: number;
  #child: Deno.ChildProcess;
  #stdout = "";
  #stderr = "";
  #done: Promise<RunResult>;
  #exited = false;
  #waiters: Array<() => void> = [];

  /** Starts `pilotcli ...args`. */
  constructor(args: string[], options: RunOptions) {
    const argv = [
      Deno.execPath(),
      "run",
      "--quiet",
      ...permissionFlags(options.authUrl, options.configDir),
      MOD,
      ...args,
    ];
    if (options.umask !== undefined) {
      argv.unshift("sh", "-c", `umask ${options.umask} && exec "$@"`, "sh");
    }
    const env: Record<string, string> = {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/root",
      ...(Deno.env.get("DENO_DIR")
        ? { DENO_DIR: Deno.env.get("DENO_DIR")! }
        : {}),
      PILOT_AUTH_URL: options.authUrl,
      PILOT_CONFIG_DIR: options.configDir,
      NO_COLOR: "1",
      ...options.env,
    };
    this.argv = argv;
    started.push({ argv: [...argv], env: { ...env } });
    const begin = performance.now();
    this.#child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      clearEnv: true,
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.#child.pid;
    let overLimit = false;
    const limit = setTimeout(() => {
      overLimit = true;
      this.kill("SIGKILL");
    }, options.limitMs ?? 90_000);
    const writer = this.#child.stdin.getWriter();
    const stdinDone = (async () => {
      if (options.stdin !== undefined) {
        await writer.write(new TextEncoder().encode(options.stdin)).catch(
          () => {},
        );
      }
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
    this.#done = Promise.all([
      this.#child.status,
      collect(this.#child.stdout, (t) => this.#stdout += t),
      collect(this.#child.stderr, (t) => this.#stderr += t),
      stdinDone,
    ]).then(([status]) => {
      clearTimeout(limit);
      this.#exited = true;
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

  /** Stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Whether it has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Waits until stderr matches `pattern`; throws when it exits first or after `timeoutMs`. */
  async waitForStderr(
    pattern: RegExp,
    timeoutMs = 30_000,
  ): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.#stderr.match(pattern);
      if (match) return match;
      if (this.#exited || Date.now() > deadline) {
        throw new Error(
          `stderr never matched ${pattern}; stderr so far:\n${this.#stderr}`,
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

  /** Sends a signal; does nothing once it has exited. */
  kill(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch {
      // Exited already.
    }
  }

  /** Waits for the exit. */
  result(): Promise<RunResult> {
    return this.#done;
  }
}

/** Runs `pilotcli ...args` to its end. */
export function runCli(
  args: string[],
  options: RunOptions,
): Promise<RunResult> {
  return new Cli(args, options).result();
}
