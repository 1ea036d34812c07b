/**
 * `deno task build:npm`: writes the npm package of pilotcli, for Node.js 20.16
 * and later, to `npm/` (run directly, to the directory given as its first
 * argument).
 *
 *     npm/package.json        name and version from deno.json, a `pilotcli` bin,
 *                             the library as the package's export
 *     npm/bin/pilotcli.mjs    the program, `#!/usr/bin/env node`: answers help
 *                             and version itself, loads lib/cli.mjs for the rest
 *     npm/lib/cli.mjs         the CLI, Deno shim included, as one ES module
 *     npm/lib/mod.mjs         the library API of mod.ts as one ES module
 *     npm/lib/qrcode.mjs      qrcode-generator, the QR encoder, for both
 *     npm/lib/mod.d.ts        its types (scripts/npm_lib.d.ts)
 *     npm/README.md, LICENSE  copied
 *
 * How: the design names dnt (Deno's npm build tool), but dnt is published on
 * JSR only, and JSR is out of reach here (only the npm registry is), so the
 * package is made with `deno bundle`, which works offline from the npm
 * packages already in the lockfile. The program (`scripts/npm_bin.ts`) is
 * small: help needs neither the CLI nor the shim. The CLI's entry
 * is `scripts/npm_entry.ts`: it sets `globalThis.Deno` from @deno/shim-deno,
 * with the fixes of `scripts/npm_shim.ts`, and only then imports the CLI
 * dynamically; the bundler turns dynamic imports (the CLI, each command, the
 * QR module) into lazy initializers inside the one file, so that order holds.
 * The library's entry is `scripts/npm_lib_entry.ts`: it sets the same shim,
 * only where there is no `globalThis.Deno` (Deno code may import the package
 * too), and re-exports mod.ts's library API.
 *
 * The QR encoder (and, until pilotcli parsed its arguments itself, the
 * Stricli parser: the two were half of the code, 150 of 300 KiB) is needed
 * by few runs, yet Node parses a whole file when it loads it. So it stays
 * out of the two bundles, in a file of its own that both share and that
 * src/ imports dynamically where it first needs it (ui/qr.ts); the same
 * goes for undici. Splitting them off saved `user status` 1.5 ms, 0.06x of
 * Node's bare start (docs/benchmarks.md). `deno bundle --code-splitting`
 * would cut every lazy import into a file of its own, some twenty files for
 * the CLI; loading them one after another made `user status` slower than
 * one big file (measured).
 *
 * Each bundle then looks up Node's built-ins with `process.getBuiltinModule`
 * instead of importing them (scripts/node_builtins.ts): importing a built-in
 * runs all its lazy getters, and with the shim's imports that cost Node 0.4x
 * of its bare start. Hence Node.js 20.16, the first 20.x to have it.
 *
 * Why bundled files and no dependencies: @deno/shim-deno (with `which`,
 * `isexe` and @deno/shim-deno-test, which the shim pulls in) is inlined, and
 * the two libraries above are bundled files of the package. Declared as
 * dependencies instead they would install 1.6 MB of six packages (measured;
 * mostly type declarations and other builds nobody runs) and need the
 * registry at install time; bundled, the tarball installs offline, starts
 * without resolving a node_modules tree, and runs exactly the versions pinned
 * in deno.lock. Not minified: stack traces under PILOT_DEBUG=1 stay
 * readable, and without the two libraries minifying saved `user status` only
 * 0.3 to 0.9 ms (measured; docs/benchmarks.md).
 *
 * The bundles are made from the npm packages pinned in deno.lock (Deno fetches
 * them, as for any run, when its cache lacks them); the package itself
 * declares no dependency, so installing it asks nothing of a registry.
 *
 * @module
 */

import { bundle, importsOf, rootPath } from "./bundle.ts";
import { checkLazyImports, requireBuiltinsOnDemand } from "./node_builtins.ts";

/** What {@linkcode buildNpm} made. */
export interface NpmBuild {
  /** The package directory. */
  dir: string;
  /** The package name, from deno.json. */
  name: string;
  /** The package version, from deno.json. */
  version: string;
  /** The program's path. */
  bin: string;
  /** The CLI's bundle's path. */
  cli: string;
  /** The CLI's bundle's size in bytes. */
  cliBytes: number;
  /** The library's bundle's path. */
  lib: string;
  /** The library's bundle's size in bytes. */
  libBytes: number;
}

/**
 * npm packages that get a file of their own in `lib/`, which the bundles
 * import dynamically: only drawing a QR code, or a CA file or a proxy, need
 * them.
 */
const SEPARATE: Record<string, string> = {
  "qrcode-generator": "qrcode.mjs",
  undici: "undici.mjs",
};

/**
 * Entries of SEPARATE files that are not a package's own: undici's is the
 * part of it pilotcli uses (scripts/npm_undici.ts). Only a CA file or a
 * proxy loads it (scripts/node_transport.ts).
 */
const SEPARATE_ENTRIES: Record<string, string> = {
  undici: "scripts/npm_undici.ts",
};

const BIN_ENTRY = "scripts/npm_bin.ts";
const BIN = "bin/pilotcli.mjs";
const CLI_ENTRY = "scripts/npm_entry.ts";
const CLI = "lib/cli.mjs";
const LIB_ENTRY = "scripts/npm_lib_entry.ts";
const LIB = "lib/mod.mjs";
const LIB_TYPES_SOURCE = "scripts/npm_lib.d.ts";
const LIB_TYPES = "lib/mod.d.ts";
const SHEBANG = "#!/usr/bin/env node";
/**
 * Built-ins looked up on first use, not at start: those only the shim's
 * sockets, TLS, DNS and subprocesses need (pilotcli uses none of them),
 * tty (it loads net), and stream (only a prompt needs it).
 */
const LAZY_BUILTINS = ["net", "tls", "dns", "child_process", "tty", "stream"];

interface DenoJson {
  name: string;
  version: string;
  license: string;
  imports: Record<string, string>;
}

/** The package.json of the npm package. */
function packageJson(deno: DenoJson): Record<string, unknown> {
  const repository = Deno.env.get("PILOTCLI_REPOSITORY_URL");
  // A CI remote can carry a token (https://x-access-token:...@...): never
  // publish one.
  if (repository) {
    const url = new URL(repository);
    if (url.username || url.password) {
      throw new Error(
        "PILOTCLI_REPOSITORY_URL holds credentials: set it to the repository's public URL",
      );
    }
  }
  return {
    name: deno.name,
    version: deno.version,
    description:
      "The command-line client of the Pilot research data platform: log in to its Keycloak realm with a device validation link and QR code or an API key, log out, show the session, print an access token.",
    keywords: ["pilot", "keycloak", "oauth", "device-flow", "cli"],
    license: deno.license,
    // Set PILOTCLI_REPOSITORY_URL to the repository's public URL when
    // publishing; a URL that is not known is better left out than guessed.
    ...(repository ? { repository: { type: "git", url: repository } } : {}),
    type: "module",
    bin: { pilotcli: BIN },
    main: LIB,
    types: LIB_TYPES,
    exports: { ".": { types: `./${LIB_TYPES}`, import: `./${LIB}` } },
    files: ["bin/", "lib/"],
    engines: { node: ">=20.16" },
  };
}

/**
 * Builds the npm package into `outDir` (emptied first).
 *
 * @param outDir where the package goes; default `npm/` in the repository
 * @returns what was built
 */
export async function buildNpm(outDir = rootPath("npm")): Promise<NpmBuild> {
  const deno = JSON.parse(
    await Deno.readTextFile(rootPath("deno.json")),
  ) as DenoJson;
  for (const field of ["name", "version", "license"] as const) {
    if (typeof deno[field] !== "string") {
      throw new Error(`deno.json has no "${field}"`);
    }
  }
  await Deno.remove(outDir, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  for (const [name, file] of Object.entries(SEPARATE)) {
    const entry = SEPARATE_ENTRIES[name] ?? deno.imports?.[name];
    if (entry === undefined) {
      throw new Error(`deno.json has no import of ${name}`);
    }
    const code = await nodeBundle(entry, `${outDir}/lib/${file}`, {
      of: name,
    });
    checkBundle(code, { shebang: false });
  }
  const separateFiles = Object.values(SEPARATE).map((file) => `./${file}`);

  const bin = `${outDir}/${BIN}`;
  const binCode = await nodeBundle(BIN_ENTRY, bin, { program: true });
  checkBundle(binCode, { shebang: true, loads: [`../${CLI}`] });
  await Deno.chmod(bin, 0o755);

  const cli = `${outDir}/${CLI}`;
  const cliCode = await nodeBundle(CLI_ENTRY, cli);
  checkBundle(cliCode, { shebang: false, mayLoad: separateFiles });

  const lib = `${outDir}/${LIB}`;
  const libCode = await nodeBundle(LIB_ENTRY, lib);
  checkBundle(libCode, { shebang: false, mayLoad: separateFiles });
  await Deno.copyFile(rootPath(LIB_TYPES_SOURCE), `${outDir}/${LIB_TYPES}`);

  await Deno.writeTextFile(
    `${outDir}/package.json`,
    `${JSON.stringify(packageJson(deno), null, 2)}\n`,
  );
  await Deno.copyFile(rootPath("README.md"), `${outDir}/README.md`);
  await Deno.copyFile(rootPath("LICENSE"), `${outDir}/LICENSE`);
  return {
    dir: outDir,
    name: deno.name,
    version: deno.version,
    bin,
    cli,
    cliBytes: new TextEncoder().encode(cliCode).length,
    lib,
    libBytes: new TextEncoder().encode(libCode).length,
  };
}

/**
 * Bundles `entry` into `output` for Node: the packages of SEPARATE left to
 * their files in lib/, built-ins looked up on demand
 * (scripts/node_builtins.ts). Returns the code.
 */
export async function nodeBundle(
  entry: string,
  output: string,
  { program = false, of }: { program?: boolean; of?: string } = {},
): Promise<string> {
  let bundled = await bundle(entry, output, {
    // A SEPARATE file (`of` a package) inlines that package, of course.
    external: Object.keys(SEPARATE).filter((name) => name !== of),
  });
  for (const [name, file] of Object.entries(SEPARATE)) {
    bundled = bundled.replaceAll(
      `import(${JSON.stringify(name)})`,
      `import(${JSON.stringify(`./${file}`)})`,
    );
  }
  // A program's shebang (the entry's first line) is kept by the bundler.
  const { code, lazyImports } = requireBuiltinsOnDemand(bundled, {
    lazy: LAZY_BUILTINS,
    program,
  });
  await checkLazyImports(lazyImports);
  await Deno.writeTextFile(output, code);
  return code;
}

/**
 * A bundle must run on bare Node: every npm package inlined but those of
 * SEPARATE, no static import left (built-ins are looked up), and nothing
 * imported at run time but the package's own files: those it `loads` (which
 * it must reference) and those it `mayLoad`. The program's starts with a
 * node shebang.
 */
function checkBundle(
  code: string,
  { shebang, loads = [], mayLoad = [] }: {
    shebang: boolean;
    loads?: readonly string[];
    mayLoad?: readonly string[];
  },
): void {
  if (shebang && !code.startsWith(`${SHEBANG}\n`)) {
    throw new Error(`the bundle does not start with "${SHEBANG}"`);
  }
  for (const file of loads) {
    if (!code.includes(JSON.stringify(file))) {
      throw new Error(`the bundle does not load ${file}`);
    }
  }
  const imports = importsOf(code);
  if (imports.static.length > 0) {
    throw new Error(
      `the bundle still imports statically: ${imports.static.join(", ")}`,
    );
  }
  const unknown = imports.dynamic.filter((specifier) =>
    !loads.includes(specifier) && !mayLoad.includes(specifier)
  );
  if (unknown.length > 0) {
    throw new Error(
      `the bundle still imports at run time: ${unknown.join(", ")}`,
    );
  }
}

if (import.meta.main) {
  const build = await buildNpm(Deno.args[0]);
  console.log(
    `${build.name}@${build.version} written to ${build.dir}: ${CLI} is ${
      (build.cliBytes / 1024).toFixed(1)
    } KiB, ${LIB} ${
      (build.libBytes / 1024).toFixed(1)
    } KiB. Next: npm pack ${build.dir}`,
  );
}
