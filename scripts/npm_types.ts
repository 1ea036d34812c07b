/**
 * The types of the npm package's library, generated from src/lib.ts by the
 * TypeScript compiler (npm `typescript`) for `scripts/build_npm.ts`: so they
 * can not drift from the source. It is not part of the Deno program.
 *
 * The compiler emits a declaration file for each module of src/; the package
 * gets only those the library's declarations reach (src/lib.ts and what its
 * exported types name), in `lib/types/`, and `lib/mod.d.ts` re-exports the
 * library's. Relative imports are rewritten from `.ts` to `.js`, as a Node
 * project's TypeScript resolves them.
 *
 * @module
 */

import ts from "typescript";
import { rootPath } from "./bundle.ts";

/** The library's module in src/, whose declarations the package exports. */
const LIBRARY = "src/lib.ts";

/** A declaration file of the package: its path below `lib/` and text. */
export interface TypeFile {
  /** Path relative to the package's `lib/`, such as `types/lib.d.ts`. */
  path: string;
  /** The declarations. */
  text: string;
}

/**
 * Emits the declarations of src/lib.ts and of the modules they import.
 *
 * @returns `mod.d.ts` first, then the files under `types/`
 * @throws when the compiler can not emit them
 */
export function libraryTypes(): TypeFile[] {
  const src = rootPath("src/");
  const emitted = new Map<string, string>();
  const options: ts.CompilerOptions = {
    declaration: true,
    emitDeclarationOnly: true,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    // Deno's globals are unknown to this compiler; what the library's types
    // reach must not need them, which the Node program's check proves
    // (tests/e2e/npm_library_test.ts).
    noLib: false,
    types: [],
    skipLibCheck: true,
    rootDir: src,
    outDir: "/types",
  };
  const host = ts.createCompilerHost(options);
  host.writeFile = (name, text) => emitted.set(name, text);
  const program = ts.createProgram([rootPath(LIBRARY)], options, host);
  const result = program.emit(undefined, undefined, undefined, true, {
    afterDeclarations: [jsSpecifiers],
  });
  if (result.emitSkipped) {
    throw new Error(
      `the library's declarations could not be emitted:\n${
        ts.formatDiagnostics(result.diagnostics, host)
      }`,
    );
  }
  // From lib.d.ts, follow the imports of each declaration file.
  const files: TypeFile[] = [];
  const pending = ["/types/lib.d.ts"];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const text = emitted.get(name);
    if (text === undefined) {
      throw new Error(`the library's declarations import ${name}: not emitted`);
    }
    files.push({ path: name.slice(1), text });
    for (
      const { fileName } of ts.preProcessFile(text, true, true).importedFiles
    ) {
      if (!fileName.startsWith(".")) {
        throw new Error(
          `the library's declarations import ${fileName}, which a Node project lacks`,
        );
      }
      const resolved = new URL(fileName, `file://${name}`).pathname;
      pending.push(resolved.replace(/\.js$/, ".d.ts"));
    }
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  const mod = [
    "/**",
    " * pilotcli as a library, for Node code that needs Pilot's login: read the",
    " * session, get a fresh access token, log in with an API key. It shares the",
    " * `pilotcli` program's session file, lock, idle rule and refresh.",
    " *",
    " * Generated from src/lib.ts by scripts/npm_types.ts.",
    " *",
    " * @module",
    " */",
    'export * from "./types/lib.js";',
    "",
  ].join("\n");
  return [{ path: "mod.d.ts", text: mod }, ...files];
}

/** `./x.ts` as a Node project imports the declarations of `./x.js`. */
function jsSpecifier(
  specifier: ts.Expression | undefined,
): ts.Expression | undefined {
  if (
    specifier === undefined || !ts.isStringLiteral(specifier) ||
    !specifier.text.startsWith(".") || !specifier.text.endsWith(".ts")
  ) return specifier;
  return ts.factory.createStringLiteral(
    `${specifier.text.slice(0, -".ts".length)}.js`,
  );
}

/**
 * Rewrites the relative `.ts` specifiers of a declaration file's imports
 * and re-exports (the compiler keeps them as written).
 */
function jsSpecifiers(
  context: ts.TransformationContext,
): (node: ts.SourceFile | ts.Bundle) => ts.SourceFile | ts.Bundle {
  const { factory } = context;
  const visit = (node: ts.Node): ts.Node => {
    if (ts.isImportDeclaration(node)) {
      return factory.updateImportDeclaration(
        node,
        node.modifiers,
        node.importClause,
        jsSpecifier(node.moduleSpecifier)!,
        node.attributes,
      );
    }
    if (ts.isExportDeclaration(node)) {
      return factory.updateExportDeclaration(
        node,
        node.modifiers,
        node.isTypeOnly,
        node.exportClause,
        jsSpecifier(node.moduleSpecifier),
        node.attributes,
      );
    }
    if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)
    ) {
      const literal = jsSpecifier(node.argument.literal as ts.Expression);
      return factory.updateImportTypeNode(
        node,
        factory.updateLiteralTypeNode(
          node.argument,
          literal as ts.StringLiteral,
        ),
        node.attributes,
        node.qualifier,
        node.typeArguments,
        node.isTypeOf,
      );
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (node) => ts.visitNode(node, visit) as ts.SourceFile | ts.Bundle;
}
