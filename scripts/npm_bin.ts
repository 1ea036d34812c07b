#!/usr/bin/env node
/**
 * The program of the npm package, bundled by `scripts/build_npm.ts` into
 * `npm/bin/pilotcli.mjs`. It is not part of the Deno program.
 *
 * `--help`, `--version` and a bare group are answered here, from the command
 * spec alone. Everything else loads `lib/cli.mjs` (`scripts/npm_entry.ts`),
 * which help needs none of. A Node.js without `process.getBuiltinModule`
 * (older than the floor) gets one line.
 *
 * @module
 */

import { quickAnswer } from "../src/cli/help.ts";
import { nodeTooOld } from "../src/ui/messages.ts";
import { NODE_FLOOR, writeSyncRetrying } from "./node_base.ts";

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
const answer = quickAnswer(process.argv.slice(2));
if (answer === undefined) {
  // Left to run time by the build (scripts/build_npm.ts); a plain relative
  // specifier, as a URL made from import.meta costs Node a module more.
  await import("../lib/cli.mjs");
} else {
  write(1, answer);
}
