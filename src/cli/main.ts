/**
 * The process around the command tree: wires the real terminal, network,
 * clock and files into a Context, runs the command, and turns the outcome
 * into an exit code. Ctrl-C aborts whatever is waiting and exits 130.
 *
 * @module
 */

import { run } from "@stricli/core";
import type { Clock } from "../auth/device.ts";
import { isDebug } from "../config.ts";
import { CliError, EXIT_INTERRUPTED } from "../errors.ts";
import { fileWriter, LineReader } from "../ui/io.ts";
import { buildApp, exitCodeOf } from "./app.ts";
import type { Context } from "./context.ts";

/** The real clock; `sleep` ends early, rejecting, when the signal aborts. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** The Context of a real run, on the Deno namespace. */
export function denoContext(signal: AbortSignal): Context {
  const stdout = fileWriter(Deno.stdout);
  const stderr = fileWriter(Deno.stderr);
  return {
    process: { stdout, stderr },
    stdout,
    stderr,
    stdin: new LineReader(() => Deno.stdin.readable, Deno.stdin),
    env: Deno.env,
    os: Deno.build.os,
    fetch: globalThis.fetch,
    clock: systemClock,
    signal,
    openStore: async (dir) => {
      const { FileSessionStore } = await import("../session/store.ts");
      return new FileSessionStore(dir, {
        warn: (line) => stderr.write(`${line}\n`),
      });
    },
  };
}

/** Runs pilotcli with `args` and returns the exit code. */
export async function main(
  args: readonly string[],
  makeContext: (signal: AbortSignal) => Context = denoContext,
): Promise<number> {
  const controller = new AbortController();
  const interrupt = () =>
    controller.abort(new CliError("", { exitCode: EXIT_INTERRUPTED }));
  Deno.addSignalListener("SIGINT", interrupt);
  const context = makeContext(controller.signal);
  try {
    const process = { ...context.process, exitCode: undefined as unknown };
    const app = buildApp(args, isDebug(context.env));
    await run(app, args, { ...context, process } as Context);
    return exitCodeOf(process.exitCode as number | undefined);
  } finally {
    Deno.removeSignalListener("SIGINT", interrupt);
    context.stdin.release();
  }
}
