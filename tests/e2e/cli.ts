/**
 * Runs pilotcli as a user does: a subprocess of `deno run` with the narrow
 * permissions it ships with (the auth host only, its own env variables, its
 * config dir), never -A.
 *
 * @module
 */

import { ENV_VARS } from "../../src/config.ts";

const MOD = new URL("../../mod.ts", import.meta.url).pathname;

/** How to run the CLI. */
export interface CliOptions {
  /** The realm URL (PILOT_AUTH_URL); its host:port is the only --allow-net. */
  authUrl: string;
  /** The config dir (PILOT_CONFIG_DIR); the only --allow-read/--allow-write. */
  configDir: string;
  /** More environment variables. */
  env?: Record<string, string>;
  /** Text for standard input; closed right away when absent. */
  stdin?: string;
  /** Extra deno flags placed before mod.ts. */
  denoFlags?: string[];
  /** A umask to run under, e.g. "000". */
  umask?: string;
}

/** What a finished run left behind. */
export interface CliResult {
  /** The exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** The permission flags the CLI ships with, for a realm and a config dir. */
export function permissionFlags(authUrl: string, configDir: string): string[] {
  return [
    `--allow-net=${new URL(authUrl).host}`,
    `--allow-env=${ENV_VARS.join(",")}`,
    `--allow-read=${configDir}`,
    `--allow-write=${configDir}`,
  ];
}

/** A running CLI whose stderr can be watched while it runs. */
export class CliProcess {
  #child: Deno.ChildProcess;
  #stdout = "";
  #stderr = "";
  #done: Promise<CliResult>;
  #waiters: Array<() => void> = [];

  /** Starts `pilotcli args...` as a subprocess. */
  constructor(args: string[], options: CliOptions) {
    const command = [
      Deno.execPath(),
      "run",
      "--quiet",
      ...permissionFlags(options.authUrl, options.configDir),
      ...(options.denoFlags ?? []),
      MOD,
      ...args,
    ];
    if (options.umask !== undefined) {
      command.unshift("sh", "-c", `umask ${options.umask} && exec "$@"`, "sh");
    }
    this.#child = new Deno.Command(command[0], {
      args: command.slice(1),
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        // Deno's own cache lives under HOME; the session does not.
        HOME: Deno.env.get("HOME") ?? "/root",
        ...(Deno.env.get("DENO_DIR")
          ? { DENO_DIR: Deno.env.get("DENO_DIR")! }
          : {}),
        PILOT_AUTH_URL: options.authUrl,
        PILOT_CONFIG_DIR: options.configDir,
        NO_COLOR: "1",
        ...options.env,
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = this.#child.stdin.getWriter();
    const input = options.stdin;
    const stdinDone = (async () => {
      if (input !== undefined) {
        await writer.write(new TextEncoder().encode(input)).catch(() => {});
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
      for (const wake of this.#waiters.splice(0)) wake();
      return { code: status.code, stdout: this.#stdout, stderr: this.#stderr };
    });
  }

  /** Waits until stderr matches `pattern` and returns the match. */
  async waitForStderr(
    pattern: RegExp,
    timeoutMs = 20_000,
  ): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    this.#done.then(() => exited = true);
    for (;;) {
      const match = this.#stderr.match(pattern);
      if (match) return match;
      if (exited || Date.now() > deadline) {
        throw new Error(
          `stderr never matched ${pattern}; stderr so far:\n${this.#stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Sends a signal to the CLI. */
  kill(signal: Deno.Signal): void {
    this.#child.kill(signal);
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
