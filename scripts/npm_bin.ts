#!/usr/bin/env node
/**
 * The program of the npm package, bundled by `scripts/build_npm.ts` into
 * `npm/bin/pilotcli.cjs`. It is not part of the Deno program.
 *
 * `--help`, `--version` and a bare group are answered here, from the command
 * spec alone. Everything else runs `lib/cli.js` (`scripts/npm_entry.ts`),
 * which help needs none of, with the code cache of scripts/npm_loader.ts. A Node.js without `process.getBuiltinModule`
 * (older than the floor) gets one line.
 *
 * @module
 */

import { quickAnswer } from "../src/cli/help.ts";
import { codeCacheDir } from "../src/runtime/os.ts";
import { nodeTooOld } from "../src/ui/messages.ts";
import { NODE_FLOOR, osOfPlatform, writeSyncRetrying } from "./node_base.ts";
import { libRequire } from "./npm_loader.ts";

function write(fd: number, text: string): void {
  const data = new TextEncoder().encode(text);
  try {
    for (let written = 0; written < data.length;) {
      written += writeSyncRetrying(fd, data.subarray(written));
    }
  } catch (err) {
    // The reader went away (`| head -0`): it has all it wanted, so end
    // quietly, as the CLI does (src/ui/io.ts, fileWriter).
    if ((err as { code?: unknown }).code !== "EPIPE") throw err;
  }
}

if (typeof process.getBuiltinModule !== "function") {
  process.stderr.write(`${nodeTooOld(process.version, NODE_FLOOR)}\n`);
  process.exit(1);
}
// The program is CommonJS (scripts/build_npm.ts says why): this is its
// directory.
declare const __dirname: string;

const answer = quickAnswer(process.argv.slice(2));
if (answer === undefined) {
  const os = osOfPlatform(process.platform);
  const dir = codeCacheDir({ get: (name) => process.env[name] }, os);
  libRequire(
    process.getBuiltinModule("node:path").join(__dirname, "..", "lib"),
    dir === undefined ? undefined : { dir, os },
  )("./cli.js");
} else {
  write(1, answer);
}
