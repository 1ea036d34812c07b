/**
 * `deno task build:npm`: writes the npm package of pilotcli, for Node.js 20.16
 * and later, to `npm/` (run directly, to the directory given as its first
 * argument).
 *
 *     npm/package.json        name and version from deno.json, a `pilotcli` bin,
 *                             the library as the package's export
 *     npm/bin/pilotcli.cjs    the program, `#!/usr/bin/env node`: answers help
 *                             and version itself, runs lib/cli.js for the rest
 *                             (with a code cache: scripts/npm_loader.ts)
 *     npm/lib/cli.js          the CLI
 *     npm/lib/cold.js         the module the CLI loads lazily (the QR code's),
 *                             requiring what it uses from cli.js
 *     npm/lib/mod.mjs         the library API of src/lib.ts as one ES module
 *     npm/lib/qrcode.cjs      qrcode-generator, the QR encoder
 *     npm/lib/undici.cjs      the part of undici used for a CA file or a proxy
 *     npm/lib/mod.d.ts        its types, generated from src/ (scripts/npm_types.ts),
 *     npm/lib/types/          with the declarations they import
 *     npm/README.md, LICENSE  copied
 *
 * `deno task build:npm` grants all environment reads: esbuild and the
 * TypeScript compiler each read variables of their own (ESBUILD_BINARY_PATH,
 * TSC_WATCHFILE, ...), besides PILOTCLI_REPOSITORY_URL.
 *
 * How: esbuild, through its API. The source stays idiomatic Deno; esbuild
 * `inject`s scripts/node_deno.ts, whose export `Deno` every free `Deno` of
 * the bundled code then refers to: a module-scoped object, as dnt scopes its
 * shim, so nothing is set on `globalThis` and a host's own `Deno` is never
 * used. dnt itself is published on JSR only, which is out of reach here.
 *
 * lib/cli.js and lib/cold.js are not modules but scripts: CommonJS inside
 * one function expression, `(function (require, module, exports) {...})`
 * (esbuild's `banner` and `footer`), which the program compiles with V8's
 * code cache (scripts/npm_loader.ts says why) and hands its `require`. Their
 * dynamic imports become calls of that `require` (esbuild's `supported`).
 *
 * The QR encoder and undici stay out of the bundles, each a CommonJS file of
 * its own that the code imports dynamically where it first needs it
 * (ui/qr.ts, scripts/node_transport.ts): Node parses a whole file when it
 * loads it, and most commands need neither (docs/benchmarks.md). A plugin
 * resolves their names to those files. Built-ins are never imported by
 * pilotcli's code: it looks them up with `process.getBuiltinModule`
 * (scripts/node_deno.ts says why).
 *
 * Why bundled files and no dependencies: declared as dependencies, the
 * libraries would install megabytes of type declarations and other builds
 * nobody runs and need the registry at install time; bundled, the tarball
 * installs offline, starts without resolving a node_modules tree, and runs
 * exactly the versions pinned in deno.lock. Only those libraries are
 * minified (a third of the tarball, and less for Node to parse when a
 * command loads one); pilotcli's own code is not, so that stack traces
 * under PILOT_DEBUG=1 stay readable.
 *
 * @module
 */

import { isBuiltin } from "node:module";
import * as esbuild from "esbuild";
import { basename, relative as relativeTo } from "node:path";
import { rootPath } from "./bundle.ts";
import ts from "typescript";
import { NODE_FLOOR } from "./node_base.ts";
import { ABSENT_ON_PURPOSE, Deno as nodeDeno } from "./node_deno.ts";
import { libraryTypes } from "./npm_types.ts";

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
  /** What `user status` loads of the CLI in bytes: lib/cli.js. */
  cliBytes: number;
  /** The library's bundle's path. */
  lib: string;
  /** The library's bundle's size in bytes. */
  libBytes: number;
}

/**
 * npm packages that get a file of their own in `lib/`, which the bundles
 * import dynamically, and the entry each is made from: a package's own, or
 * the part of it pilotcli uses (undici: scripts/npm_undici.ts).
 */
const SEPARATE: Record<string, { file: string; entry: string }> = {
  "qrcode-generator": { file: "qrcode.cjs", entry: "qrcode-generator" },
  undici: { file: "undici.cjs", entry: "scripts/npm_undici.ts" },
};

const BIN_ENTRY = "scripts/npm_bin.ts";
const BIN = "bin/pilotcli.cjs";
const CLI_ENTRY = "scripts/npm_entry.ts";
const CLI = "lib/cli.js";
const COLD = "lib/cold.js";
/**
 * The modules that the CLI imports dynamically. They go to lib/cold.js, and
 * the rest of the CLI to lib/cli.js. Node compiles a whole file when it
 * loads it, and one file per module loads slower than one big file
 * (docs/benchmarks.md). The commands are imported statically since the Deno
 * program gained by it (src/cli/commands.ts); only the QR code's module is
 * left. A dynamic import of a module not listed fails the build.
 */
const COLD_MODULES = ["src/ui/qr.ts"];
const LIB_ENTRY = "scripts/npm_lib_entry.ts";
const LIB = "lib/mod.mjs";
const LIB_TYPES = "lib/mod.d.ts";
const RUNTIME = "scripts/node_deno.ts";
const SHEBANG = "#!/usr/bin/env node";

interface DenoJson {
  name: string;
  version: string;
  license: string;
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
    engines: { node: `>=${NODE_FLOOR}` },
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
  try {
    for (const [name, { file, entry }] of Object.entries(SEPARATE)) {
      await nodeBundle(entry, `${outDir}/lib/${file}`, { of: name });
    }
    const bin = `${outDir}/${BIN}`;
    // The program uses no Deno: help loads no runtime.
    await nodeBundle(BIN_ENTRY, bin, { runs: `./${basename(CLI)}` });
    await Deno.chmod(bin, 0o755);
    const cli = `${outDir}/${CLI}`;
    const cliBytes = await cliBundle(outDir);
    const lib = `${outDir}/${LIB}`;
    const libBytes = await nodeBundle(LIB_ENTRY, lib);
    for (const { path, text } of libraryTypes()) {
      const file = `${outDir}/lib/${path}`;
      // The declarations keep src/'s layout: types/session/, types/core/, ...
      await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), {
        recursive: true,
      });
      await Deno.writeTextFile(file, text);
    }

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
      cliBytes,
      lib,
      libBytes,
    };
  } finally {
    await esbuild.stop();
  }
}

/**
 * Resolves the SEPARATE packages (but the one being bundled, `of`) to their
 * files in lib/, left as run-time imports. A static import of one fails the
 * build: they are loaded when first needed.
 */
function separatePlugin(of: string | undefined): esbuild.Plugin {
  const names = Object.keys(SEPARATE).filter((name) => name !== of);
  const filter = new RegExp(
    `^(${names.map((n) => n.replace(/[/.-]/g, "\\$&")).join("|")})$`,
  );
  return {
    name: "pilotcli-separate",
    setup(build) {
      build.onResolve({ filter }, ({ path, kind, importer }) => {
        if (kind !== "dynamic-import") {
          throw new Error(`${importer}: imports ${path} statically`);
        }
        return { path: `./${SEPARATE[path].file}`, external: true };
      });
    },
  };
}

/**
 * The names each of `files` exports, read by esbuild without bundling.
 *
 * @param files paths relative to the repository (or absolute)
 */
async function exportsOf(
  files: readonly string[],
): Promise<Map<string, string[]>> {
  const result = await esbuild.build({
    absWorkingDir: rootPath("."),
    entryPoints: [...files],
    outdir: "names",
    bundle: false,
    write: false,
    format: "esm",
    metafile: true,
    logLevel: "silent",
  });
  return new Map(
    Object.values(result.metafile!.outputs).map((
      output,
    ) => [output.entryPoint!, output.exports]),
  );
}

/**
 * A module that re-exports everything `files` export under the same names
 * (lib/cold.js's entry).
 *
 * @param files paths relative to the repository (or absolute)
 * @throws when two of `files` export the same name (`export *` would drop
 *   such a name without a word)
 */
export async function reexports(files: readonly string[]): Promise<string> {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const [file, names] of await exportsOf(files)) {
    for (const name of names) {
      if (seen.has(name)) {
        throw new Error(`${files.join(", ")}: more than one exports ${name}`);
      }
      seen.add(name);
    }
    lines.push(`export { ${names.join(", ")} } from "./${file}";`);
  }
  return lines.join("\n");
}

/**
 * The name under which lib/cli.js exports `name` of the module `file`, for
 * lib/cold.js: unique across modules (`src/session/store.ts`'s
 * `FileSessionStore` is `src_session_store$FileSessionStore`).
 */
function sharedName(file: string, name: string): string {
  return `${file.replace(/\.ts$/, "").replace(/[^A-Za-z0-9]/g, "_")}$${name}`;
}

/**
 * What the modules `files` import of the modules that `all` lists: each
 * imported module's names, read from the TypeScript syntax tree; all of a
 * module's names where it is imported whole (`import * as`, `import()`).
 * Type-only imports are left out: they are gone from the bundle.
 *
 * @param files the importing modules, paths relative to the repository
 * @param all every name each module of interest exports, by its path
 */
export async function importedNames(
  files: readonly string[],
  all: ReadonlyMap<string, readonly string[]>,
): Promise<Map<string, Set<string>>> {
  const used = new Map<string, Set<string>>();
  const add = (file: string, specifier: string, names?: string[]) => {
    const target = relativeTo(
      rootPath("."),
      rootPath(`${file.slice(0, file.lastIndexOf("/"))}/${specifier}`),
    );
    const known = all.get(target);
    if (known === undefined) return;
    const set = used.get(target) ?? new Set();
    for (const name of names ?? known) set.add(name);
    used.set(target, set);
  };
  for (const file of files) {
    await forEachNode(file, (node) => {
      if (
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) &&
        !(ts.isImportDeclaration(node)
          ? node.importClause?.isTypeOnly
          : node.isTypeOnly)
      ) {
        const bindings = ts.isImportDeclaration(node)
          ? node.importClause?.namedBindings
          : node.exportClause;
        const named = bindings !== undefined &&
            (ts.isNamedImports(bindings) || ts.isNamedExports(bindings))
          ? bindings.elements.filter((element) => !element.isTypeOnly).map(
            (element) => (element.propertyName ?? element.name).text,
          )
          : undefined;
        const defaultOnly = ts.isImportDeclaration(node) &&
          node.importClause?.name !== undefined && bindings === undefined;
        add(file, node.moduleSpecifier.text, defaultOnly ? ["default"] : named);
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])
      ) {
        add(file, node.arguments[0].text);
      }
    });
  }
  return used;
}

/** Calls `onNode` with every node of the syntax tree of `file`. */
async function forEachNode(
  file: string,
  onNode: (node: ts.Node) => void,
): Promise<void> {
  const source = ts.createSourceFile(
    file,
    await Deno.readTextFile(rootPath(file)),
    ts.ScriptTarget.Latest,
    true,
  );
  const visit = (node: ts.Node): void => {
    onNode(node);
    ts.forEachChild(node, visit);
  };
  visit(source);
}

/**
 * Bundles the CLI into two scripts (see COLD_MODULES): lib/cli.js, whole,
 * and lib/cold.js with the modules the CLI imports dynamically, which
 * requires what it uses of the others from lib/cli.js, so that state both
 * use (error classes, the secrets to redact, the Node runtime) exists once.
 * Checks the result as {@linkcode nodeBundle} does, and returns the bytes of
 * lib/cli.js, what `user status` loads.
 */
async function cliBundle(outDir: string): Promise<number> {
  const cliFile = `${outDir}/${CLI}`;
  const repoFile = ({ path, resolveDir }: esbuild.OnResolveArgs) =>
    relativeTo(rootPath("."), `${resolveDir}/${path}`);
  // The cold modules go to lib/cold.js; an unlisted dynamic import fails.
  const dynamicImports: esbuild.Plugin = {
    name: "pilotcli-dynamic-imports",
    setup(build) {
      build.onResolve({ filter: /\.ts$/ }, (args) => {
        if (args.kind !== "dynamic-import") return undefined;
        const file = repoFile(args);
        if (!COLD_MODULES.includes(file)) {
          throw new Error(
            `${file}: imported dynamically, but not in COLD_MODULES (scripts/build_npm.ts)`,
          );
        }
        return build.initialOptions.outfile === cliFile
          ? { path: `./${basename(COLD)}`, external: true }
          : undefined;
      });
    },
  };
  // lib/cold.js takes the modules lib/cli.js holds from it, `names` of each.
  const fromCli = (names: ReadonlyMap<string, Iterable<string>>) => ({
    name: "pilotcli-from-cli",
    setup(build: esbuild.PluginBuild) {
      build.onResolve({ filter: /\.ts$/ }, (args) => {
        const file = repoFile(args);
        return names.has(file)
          ? { path: file, namespace: "pilotcli-from-cli" }
          : undefined;
      });
      build.onResolve(
        { filter: /^\.\/cli\.js$/, namespace: "pilotcli-from-cli" },
        ({ path }) => ({ path, external: true }),
      );
      build.onLoad(
        { filter: /.*/, namespace: "pilotcli-from-cli" },
        ({ path }) => ({
          contents: `export { ${
            [...names.get(path)!].map((name) =>
              `${sharedName(path, name)} as ${name}`
            ).join(", ")
          } } from "./${basename(CLI)}";`,
          loader: "js",
        }),
      );
    },
  });
  const build = async (
    entry: string,
    outfile: string,
    plugins: esbuild.Plugin[],
    write = true,
  ) =>
    await esbuild.build({
      ...nodeOptions(),
      ...SCRIPT,
      stdin: {
        contents: entry,
        resolveDir: rootPath("."),
        sourcefile: basename(outfile),
        loader: "ts",
      },
      outfile,
      write,
      plugins: [separatePlugin(undefined), dynamicImports, ...plugins],
    });
  const inputs = (result: esbuild.BuildResult<{ metafile: true }>) =>
    Object.keys(Object.values(result.metafile.outputs)[0].inputs)
      .filter((path) => /^(src|scripts)\/.*\.ts$/.test(path));
  // Which modules lib/cli.js holds, and which of their names lib/cold.js
  // imports (the names of all of them would leave nothing to tree-shake).
  const cliEntry = `import "./${CLI_ENTRY}";`;
  const held = await exportsOf(
    inputs(await build(cliEntry, cliFile, [], false)),
  );
  const coldEntry = await reexports(COLD_MODULES);
  const coldFile = `${outDir}/${COLD}`;
  const coldOnly = inputs(
    await build(coldEntry, coldFile, [fromCli(held)], false),
  ).filter((file) => !held.has(file));
  const shared = await importedNames(coldOnly, held);
  // The runtime is injected, not imported: one for both files too.
  shared.set(RUNTIME, new Set(held.get(RUNTIME)));
  const cli = await build(
    [
      ...[...shared].map(([file, names]) =>
        `export { ${
          [...names].map((name) => `${name} as ${sharedName(file, name)}`)
            .join(", ")
        } } from "./${file}";`
      ),
      cliEntry,
    ].join("\n"),
    cliFile,
    [],
  );
  const cold = await build(coldEntry, coldFile, [fromCli(shared)]);
  const outputs = [
    ...Object.entries(cli.metafile.outputs),
    ...Object.entries(cold.metafile.outputs),
  ];
  await checkDenoCalls(
    [...new Set(outputs.flatMap(([, output]) => Object.keys(output.inputs)))]
      .filter((path) => path.startsWith("src/")),
  );
  let bytes = 0;
  for (const [path, output] of outputs) {
    const isCli = path.endsWith(CLI);
    checkImports(path, output.imports, `./${basename(isCli ? COLD : CLI)}`);
    if (isCli) bytes = output.bytes;
  }
  return bytes;
}

/**
 * Bundles `entry` into `output` for Node and checks what it imports: no
 * static import at all (built-ins are looked up, packages inlined), and at
 * run time only the SEPARATE files. The program names the script it `runs`
 * (scripts/npm_loader.ts loads it). Returns the bundle's size in bytes.
 */
export async function nodeBundle(
  entry: string,
  output: string,
  { of, runs }: { of?: string; runs?: string } = {},
): Promise<number> {
  // The libraries use no Deno, and the program none: help loads no runtime.
  const runtime = of === undefined && runs === undefined;
  const result = await esbuild.build({
    ...nodeOptions(of, runtime),
    // The program is CommonJS: Node starts one faster than an ES module.
    ...(runs === undefined ? {} : { format: "cjs" }),
    entryPoints: [entry],
    outfile: output,
    plugins: [separatePlugin(of)],
  });
  const bundled = Object.values(result.metafile!.outputs)[0];
  if (runtime) {
    await checkDenoCalls(
      Object.keys(bundled.inputs).filter((path) => path.startsWith("src/")),
    );
  }
  if (runs !== undefined) {
    const code = await Deno.readTextFile(output);
    if (!code.startsWith(`${SHEBANG}\n`)) {
      throw new Error(`${entry}: the bundle does not start with "${SHEBANG}"`);
    }
    if (!code.includes(JSON.stringify(runs))) {
      throw new Error(`${entry}: the bundle does not run ${runs}`);
    }
  }
  checkImports(entry, bundled.imports);
  return bundled.bytes;
}

/**
 * The esbuild options that make a bundle one of lib/'s scripts
 * (scripts/npm_loader.ts): CommonJS inside a function expression, strict as
 * the modules it is made of, whose dynamic imports become calls of the
 * `require` it is handed.
 */
const SCRIPT = {
  format: "cjs" as const,
  banner: { js: '(function (require, module, exports) { "use strict";' },
  footer: { js: "})" },
  supported: { "dynamic-import": false },
} satisfies esbuild.BuildOptions;

/** The esbuild options of every bundle for Node (`of`: see nodeBundle). */
function nodeOptions(
  of?: string,
  runtime = of === undefined,
): esbuild.BuildOptions & { metafile: true } {
  return {
    absWorkingDir: rootPath("."),
    bundle: true,
    // Other people's libraries are CommonJS files, which Node's require
    // loads, with a require of its own for the built-ins they use.
    format: of === undefined ? "esm" : "cjs",
    platform: "node",
    target: `node${NODE_FLOOR}`,
    // Every free `Deno` is scripts/node_deno.ts's: nothing global.
    inject: runtime ? [RUNTIME] : [],
    // Other people's libraries, loaded only when needed, are minified (names
    // kept: errors stay recognisable); pilotcli's own code is not, so that
    // stack traces under PILOT_DEBUG=1 stay readable.
    minify: of !== undefined,
    keepNames: of !== undefined,
    metafile: true,
    logLevel: "silent",
    legalComments: "inline",
  };
}

/**
 * Fails unless a bundle imports nothing but the SEPARATE files (when first
 * needed: separatePlugin) and `other`, the other script of the CLI
 * (lib/cli.js runs lib/cold.js when first needed; lib/cold.js requires
 * lib/cli.js). Bundled CommonJS may require a built-in.
 */
function checkImports(
  bundle: string,
  imports: esbuild.Metafile["outputs"][string]["imports"],
  other?: string,
): void {
  const separate = Object.values(SEPARATE).map(({ file }) => `./${file}`);
  for (const imported of imports) {
    if (imported.kind === "require-call" && isBuiltin(imported.path)) continue;
    if (imported.path !== other && !separate.includes(imported.path)) {
      throw new Error(
        `${bundle}: the bundle still imports ${imported.path} (${imported.kind})`,
      );
    }
  }
}

/**
 * Every `Deno.x` (and `Deno.x.y` of an object x) that the bundled source
 * files use must exist in scripts/node_deno.ts, or be left out on purpose:
 * a call src/ starts to make fails the build, not a run on Node. Read from
 * the TypeScript syntax tree; type positions (`Deno.FileInfo`) are not
 * property accesses, so they are not counted.
 *
 * @param files paths relative to the repository (or absolute)
 * @throws naming each use the runtime lacks
 */
export async function checkDenoCalls(files: readonly string[]): Promise<void> {
  const runtime = nodeDeno as unknown as Record<string, unknown>;
  const missing = new Set<string>();
  for (const file of files) {
    await forEachNode(file, (node) => {
      if (
        ts.isPropertyAccessExpression(node) &&
        ts.isIdentifier(node.expression) && node.expression.text === "Deno"
      ) {
        const name = node.name.text;
        const parent = node.parent;
        if (!(name in runtime)) {
          if (!ABSENT_ON_PURPOSE.includes(name)) {
            missing.add(`${file}: Deno.${name}`);
          }
        } else if (
          ts.isPropertyAccessExpression(parent) && parent.expression === node &&
          typeof runtime[name] === "object" &&
          !(parent.name.text in (runtime[name] as object))
        ) {
          missing.add(`${file}: Deno.${name}.${parent.name.text}`);
        }
      }
    });
  }
  if (missing.size > 0) {
    throw new Error(
      `scripts/node_deno.ts lacks what src/ uses: ${[...missing].join(", ")}`,
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
