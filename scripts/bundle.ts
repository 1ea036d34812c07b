/**
 * `deno bundle` for the Deno program (scripts/build_deno.ts): one ES module
 * with every npm package inlined, and what the result still imports.
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url);

/** The path of a file of the repository. */
export function rootPath(relative: string): string {
  return decodeURIComponent(new URL(relative, ROOT).pathname);
}

/**
 * Bundles `entry` (relative to the repository) into the file `output`, for
 * `deno run`; returns its code. (The npm package is bundled with esbuild:
 * scripts/build_npm.ts.)
 */
export async function bundle(entry: string, output: string): Promise<string> {
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=deno",
      "--format=esm",
      `--output=${output}`,
      entry,
    ],
    cwd: rootPath("."),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(
      `deno bundle ${entry} failed:\n${new TextDecoder().decode(stderr)}`,
    );
  }
  return await Deno.readTextFile(output);
}

/** What a bundle still imports: statically, and at run time. */
export interface BundleImports {
  /** Specifiers of `import ... from "x"` and `import "x"` statements. */
  static: string[];
  /** Specifiers of `import("x")` expressions. */
  dynamic: string[];
}

/**
 * Lists what the bundled `code` still imports. Lines of comments are left
 * out: a JSDoc may name types as `import('node:stream').Duplex`.
 */
export function importsOf(code: string): BundleImports {
  code = code.replace(/^\s*(\/\*\*?|\*|\/\/).*$/gm, "");
  return {
    static: [
      ...code.matchAll(/^import\s[^;]*?from\s*["']([^"']+)["']/gm),
      ...code.matchAll(/^import\s*["']([^"']+)["']/gm),
    ].map((match) => match[1]),
    dynamic: [...code.matchAll(/\bimport\(\s*["'`]([^"'`]+)/g)].map((match) =>
      match[1]
    ),
  };
}
