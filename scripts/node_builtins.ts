/**
 * Turns a bundle's static imports of Node.js built-in modules into
 * `process.getBuiltinModule()` lookups, for the npm package.
 *
 * Why: Node builds the ES module namespace of a built-in by reading every
 * export once, and that runs the lazy getters behind them: `node:fs` loads
 * its streams, `node:process` its diagnostic report, `node:util` its
 * argument parser and MIME types. `getBuiltinModule` returns the exports
 * object as it is. Modules the CLI never reaches at start (the Deno shim
 * imports net, tls, dns and child_process for `Deno.connect` and
 * `Deno.Command`, tty for `isatty`) are looked up on first use instead.
 * Measured on Node 20, the shim alone started at 1.58x a bare Node, and
 * at 1.15x after this rewrite (docs/benchmarks.md).
 *
 * The rewrite keeps what an import means: built-ins are there before any
 * code of the bundle runs (the lookups go to its top), and their exports
 * are never reassigned, so copying a binding loses no live update.
 *
 * @module
 */

/** Options for {@linkcode requireBuiltinsOnDemand}. */
export interface OnDemandOptions {
  /**
   * Built-ins (without `node:`) to look up on first use. Their named imports
   * must be functions or classes, checked by {@linkcode checkLazyImports}.
   */
  lazy?: readonly string[];
  /**
   * The bundle is a program: on a Node without `getBuiltinModule`, print one
   * line and exit 1 instead of throwing.
   */
  program?: boolean;
}

/** A static import of a built-in, as the bundler writes it: one line. */
const IMPORT = /^import\s+(.+?)\s+from\s*"node:([a-z0-9_/]+)";?[ \t]*\n/gm;
const SIDE_EFFECT_IMPORT = /^import\s*"node:([a-z0-9_/]+)";?[ \t]*\n/gm;
/** The bundler's banner that gives bundled CommonJS code a `require`. */
const REQUIRE_BANNER =
  /^import\s*\{\s*createRequire as (\w+)\s*\}\s*from\s*"node:module";?[ \t]*\n(var __require = \1\(import\.meta\.url\);)/m;

/**
 * The stand-in of a lazily looked-up built-in (`name` undefined) or of one of
 * its functions or classes: everything asked of it goes to the real thing,
 * looked up then. A function's stand-in is called, constructed, extended and
 * tested with instanceof as the function itself, statics included.
 */
const LAZY_HELPER =
  "var __lazyBuiltin = (id, name) => { const real = () => name === undefined ? process.getBuiltinModule(id) : process.getBuiltinModule(id)[name]; if (name === undefined) return new Proxy({}, { get: (_, key) => Reflect.get(real(), key), has: (_, key) => key in real() }); const stand = new Proxy(function () {}, { get: (_, key) => Reflect.get(real(), key), has: (_, key) => key in real(), apply: (_, self, args) => Reflect.apply(real(), self, args), construct: (_, args, target) => Reflect.construct(real(), args, target === stand ? real() : target) }); return stand; };";

const NEEDS = "pilotcli needs Node.js 20.16 or later (for " +
  "process.getBuiltinModule): this is Node.js ${process.version}. " +
  "Upgrade Node.js, or use the Deno program (see the README).";

/** Names a bundle imports from the built-ins it looks up lazily. */
export interface LazyImport {
  /** The built-in, without `node:`. */
  module: string;
  /** The export. */
  name: string;
}

/**
 * Rewrites the bundled `code` (see the module doc). Throws on an import of a
 * built-in in a form it does not know, so nothing is left half-done.
 *
 * @returns the new code and the named imports it made lazy
 */
export function requireBuiltinsOnDemand(
  code: string,
  options: OnDemandOptions = {},
): { code: string; lazyImports: LazyImport[] } {
  const lazy = new Set(options.lazy ?? []);
  const lines: string[] = [];
  const lazyImports: LazyImport[] = [];
  const lookup = (module: string) =>
    `process.getBuiltinModule(${JSON.stringify(`node:${module}`)})`;
  // Bundled CommonJS code requires built-ins only (the bundler resolved the
  // rest), so its `require` needs no node:module.
  let rest = code.replace(
    REQUIRE_BANNER,
    () =>
      'var __require = (id) => { const found = process.getBuiltinModule(id); if (found === undefined) throw new Error(`Cannot find module "${id}"`); return found; };\n',
  );
  rest = rest.replace(SIDE_EFFECT_IMPORT, (_line, module: string) => {
    if (!lazy.has(module)) lines.push(`${lookup(module)};`);
    return "";
  });
  rest = rest.replace(IMPORT, (line, clause: string, module: string) => {
    const id = JSON.stringify(`node:${module}`);
    // A built-in's default export, and its namespace, is its exports object.
    const wholeModule = (local: string) =>
      lines.push(
        lazy.has(module)
          ? `var ${local} = __lazyBuiltin(${id});`
          : `var ${local} = ${lookup(module)};`,
      );
    const whole = clause.match(/^(?:\*\s*as\s+)?([\w$]+)$/);
    if (whole) {
      wholeModule(whole[1]);
      return "";
    }
    const named = clause.match(/^\{([^}]*)\}$/);
    if (!named) throw new Error(`cannot rewrite: ${line.trim()}`);
    const bindings = named[1].split(",").map((part) => part.trim()).filter(
      Boolean,
    ).map((part) => {
      const [name, local = name] = part.split(/\s+as\s+/);
      return { name, local };
    });
    for (const { local } of bindings.filter((b) => b.name === "default")) {
      wholeModule(local);
    }
    const exports = bindings.filter(({ name }) => name !== "default");
    if (exports.length === 0) return "";
    if (!lazy.has(module)) {
      lines.push(
        `var { ${
          exports.map(({ name, local }) =>
            name === local ? name : `${name}: ${local}`
          ).join(", ")
        } } = ${lookup(module)};`,
      );
      return "";
    }
    for (const { name, local } of exports) {
      lazyImports.push({ module, name });
      lines.push(
        `var ${local} = __lazyBuiltin(${id}, ${JSON.stringify(name)});`,
      );
    }
    return "";
  });
  if (/^import\s[^;]*?["']node:/m.test(rest)) {
    throw new Error("cannot rewrite every import of a Node.js built-in");
  }
  if (lines.length === 0 && rest === code) return { code, lazyImports };
  const guard = options.program
    ? `if (typeof process.getBuiltinModule !== "function") { process.stderr.write(\`${NEEDS}\\n\`); process.exit(1); }`
    : `if (typeof process.getBuiltinModule !== "function") throw new Error(\`${NEEDS}\`);`;
  const helper = lines.some((line) => line.includes("__lazyBuiltin("))
    ? [LAZY_HELPER]
    : [];
  const shebang = rest.match(/^#!.*\n/)?.[0] ?? "";
  return {
    code: shebang + [guard, ...helper, ...lines].join("\n") + "\n" +
      rest.slice(shebang.length),
    lazyImports,
  };
}

/**
 * Checks that each lazily looked-up import is a function or a class in this
 * runtime's Node.js built-ins (Deno's mirror Node's exports), since the
 * rewrite stands a function's stand-in in for it.
 */
export async function checkLazyImports(
  imports: readonly LazyImport[],
): Promise<void> {
  for (const { module, name } of imports) {
    const exports = await import(`node:${module}`);
    if (typeof exports[name] !== "function") {
      throw new Error(
        `node:${module} export ${name} is not a function: it can not be looked up lazily`,
      );
    }
  }
}
