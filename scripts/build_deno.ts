/**
 * `deno task build`: writes the program Deno users install,
 * `dist/pilotcli.js` (run directly, to the path given as its first argument):
 * the CLI (scripts/deno_entry.ts) bundled into one ES module with
 * qrcode-generator inlined. It imports nothing, so it runs with
 * `--no-config`: no import map, lockfile or npm resolution at start-up, and
 * nothing to install beside it.
 *
 * Why a bundle rather than mod.ts itself: start-up, measured with
 * `deno task bench` (docs/benchmarks.md). A run of mod.ts first loads the
 * project's config and lockfile and sets up npm resolution (about 2 ms,
 * whatever the command), then loads some forty modules one by one. In the
 * bundle, the modules are plain top-level code, compiled once into Deno's
 * code cache; only the QR code's encoder, the one module loaded lazily, is
 * wrapped in an initializer (`deno bundle` turns a dynamic import into one).
 *
 * mod.ts stays the entry of the JSR package and runs the same CLI from source.
 *
 * @module
 */

import { bundle, importsOf, rootPath } from "./bundle.ts";

/** The bundle's path in the repository. */
export const DENO_BUNDLE = "dist/pilotcli.js";

/** What {@linkcode buildDeno} made. */
export interface DenoBuild {
  /** The bundle's path. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
}

/**
 * Bundles the program into `output`.
 *
 * @param output the file to write; default `dist/pilotcli.js` in the repository
 * @returns what was built
 * @throws when the bundle still imports anything, which `--no-config` (and
 * the permissions it runs with) could not resolve
 */
export async function buildDeno(
  output = rootPath(DENO_BUNDLE),
): Promise<DenoBuild> {
  const code = await bundle("scripts/deno_entry.ts", output);
  const imports = importsOf(code);
  const left = [...imports.static, ...imports.dynamic];
  if (left.length > 0) {
    throw new Error(`the bundle still imports: ${left.join(", ")}`);
  }
  return { path: output, bytes: new TextEncoder().encode(code).length };
}

if (import.meta.main) {
  const build = await buildDeno(Deno.args[0]);
  console.log(
    `${Deno.args[0] ?? DENO_BUNDLE} written: ${
      (build.bytes / 1024).toFixed(1)
    } KiB.`,
  );
}
