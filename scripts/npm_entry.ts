/**
 * The CLI of the npm package, bundled by `scripts/build_npm.ts` into
 * `npm/lib/cli.mjs`, which the program `npm/bin/pilotcli.mjs`
 * (`scripts/npm_bin.ts`) loads for everything but help. It is not part of
 * the Deno program.
 *
 * Order matters: `globalThis.Deno` is set from `@deno/shim-deno`, with the
 * fixes of `scripts/npm_shim.ts`, first, and only then is the CLI imported,
 * dynamically, so no CLI module is evaluated before the Deno namespace
 * exists. The bundler keeps that order: a dynamically imported module becomes
 * a lazy initializer.
 *
 * @module
 */

import { nodeClient } from "./node_transport.ts";
import { installDenoShim } from "./npm_shim.ts";

/**
 * Notes which of process.stdout and process.stderr come to exist (something
 * used `console`), without creating them: creating one makes a pipe
 * non-blocking, also for whoever shares it.
 */
function trackStdio(): NodeJS.WritableStream[] {
  const created: NodeJS.WritableStream[] = [];
  for (const name of ["stdout", "stderr"] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(process, name);
    const get = descriptor?.get;
    if (!get || !descriptor.configurable) continue;
    Object.defineProperty(process, name, {
      ...descriptor,
      get() {
        const stream = get.call(process) as NodeJS.WritableStream;
        if (!created.includes(stream)) created.push(stream);
        return stream;
      },
    });
  }
  return created;
}

/** Waits until what was written to the streams has left the process. */
async function flush(streams: NodeJS.WritableStream[]): Promise<void> {
  await Promise.all(streams.map((stream) =>
    new Promise<void>((resolve) => {
      // The callback of an empty write runs once every earlier write is done
      // (or failed: a closed pipe). A stuck terminal gets a second at most.
      stream.write("", () => resolve());
      setTimeout(resolve, 1000).unref();
    })
  ));
}

// Node has no Deno namespace of its own: the shim's is set, whatever is there.
installDenoShim({ replace: true });
const stdio = trackStdio();

// Only now may the CLI's modules load.
const { setClientFactory } = await import("../src/auth/transport.ts");
setClientFactory(nodeClient);
const { main } = await import("../src/cli/main.ts");
const code = await main(process.argv.slice(2));
// pilotcli writes through Deno.stdout/stderr.writeSync, which is synchronous;
// only what went through `console` may still be queued.
await flush(stdio);
process.exit(code);
