/**
 * Opening the device validation link in the person's web browser, and
 * telling whether a browser is at hand at all.
 *
 * The link goes to the opener as one argument of its own, never through a
 * shell: `BROWSER` when it is set, else the platform's opener (`xdg-open` on
 * Linux and the BSDs, `open` on macOS, `rundll32 url.dll,FileProtocolHandler`
 * on Windows). Windows' usual `cmd /c start "" URL` is not used: cmd is a
 * shell, and would read `&`, `^`, `%` and `|` in the link as its own syntax.
 *
 * `BROWSER` is a list of commands, tried in order, separated as `PATH` is
 * (`:`, or `;` on Windows), as Python's webbrowser module and xdg-open read
 * it; each entry is a program (a name looked up in `PATH`, or a path), run
 * with the link as its one argument. Arguments in an entry and `%s`
 * placeholders are not supported: an entry is the program's name whole.
 *
 * Nothing here ends a login: every failure is one line through `say`.
 *
 * @module
 */

import type { Env } from "../config.ts";
import {
  BROWSER_LINK_REFUSED,
  browserFailed,
  browserNotAllowed,
  OPENING_BROWSER,
} from "./messages.ts";

/** A program that opens a link: run as `command ...args link`. */
export interface Opener {
  /** The program. */
  readonly command: string;
  /** Its arguments before the link. */
  readonly args: readonly string[];
}

/** How a program's run ended, as Deno's CommandStatus says it. */
export interface ExitStatus {
  /** Exit code 0. */
  readonly success: boolean;
  /** The exit code. */
  readonly code: number;
}

/** Runs programs: the Deno namespace's, or a test's. */
export interface Spawner {
  /** Whether the program may be run (Deno's --allow-run). */
  permitted(command: string): boolean;
  /**
   * Runs the program with no shell and no standard streams; resolves when
   * it exits, rejects when it cannot start (Deno.errors.NotFound when there
   * is no such program). It must not keep the process alive.
   */
  run(command: string, args: readonly string[]): Promise<ExitStatus>;
}

/** What {@linkcode openBrowser} needs. */
export interface OpenOptions {
  /** The operating system, as `Deno.build.os` names it. */
  os: string;
  /** The environment (BROWSER). */
  env: Env;
  /** Runs the opener. */
  spawner: Spawner;
  /** Shows a line to the person (stderr). */
  say(line: string): void;
}

/** The openers to try, in order: BROWSER's, else the platform's. */
export function openers(os: string, env: Env): Opener[] {
  const browser = env.get("BROWSER") ?? "";
  const listed = browser.split(os === "windows" ? ";" : ":")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (listed.length > 0) {
    return listed.map((command) => ({ command, args: [] }));
  }
  switch (os) {
    case "darwin":
      return [{ command: "open", args: [] }];
    case "windows":
      return [{ command: "rundll32", args: ["url.dll,FileProtocolHandler"] }];
    default:
      return [{ command: "xdg-open", args: [] }];
  }
}

/** Whether an environment variable is set to something that means "on". */
function on(env: Env, name: string): boolean {
  const value = env.get(name)?.trim().toLowerCase() ?? "";
  return value !== "" && value !== "0" && value !== "false";
}

/**
 * Whether the person sits at a desktop where a browser can open: macOS,
 * Windows, or a graphical session elsewhere (DISPLAY or WAYLAND_DISPLAY
 * set); never over SSH (SSH_CONNECTION, SSH_TTY) or in CI (CI set, and not
 * to 0 or false), where a browser would open on another screen or nowhere.
 */
export function isDesktop(os: string, env: Env): boolean {
  if (on(env, "CI")) return false;
  if (env.get("SSH_CONNECTION") || env.get("SSH_TTY")) return false;
  if (os === "darwin" || os === "windows") return true;
  return Boolean(env.get("DISPLAY") || env.get("WAYLAND_DISPLAY"));
}

/**
 * The link as the opener gets it: an absolute http(s) URL, normalized, so
 * that it can never be read as an option (it starts with "http") nor hold
 * white space or control characters (the URL parser encodes them).
 */
export function openableLink(link: string): string | undefined {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return undefined;
  }
  return url.protocol === "https:" || url.protocol === "http:"
    ? url.href
    : undefined;
}

/**
 * Opens `link` in the browser: says so, then tries each permitted opener
 * until one starts; says in one line why none could. Never rejects.
 */
export async function openBrowser(
  link: string,
  { os, env, spawner, say }: OpenOptions,
): Promise<void> {
  const href = openableLink(link);
  const all = openers(os, env);
  const allowed = all.filter(({ command }) => spawner.permitted(command));
  if (href === undefined) {
    say(BROWSER_LINK_REFUSED);
    return;
  }
  if (allowed.length === 0) {
    say(browserNotAllowed(all.map(({ command }) => command)));
    return;
  }
  say(OPENING_BROWSER);
  for (const [i, { command, args }] of allowed.entries()) {
    let status: ExitStatus;
    try {
      status = await spawner.run(command, [...args, href]);
    } catch (error) {
      const notFound = error instanceof Deno.errors.NotFound;
      if (notFound && i < allowed.length - 1) continue;
      say(browserFailed(
        command,
        notFound
          ? "was not found"
          : `could not be started (${
            error instanceof Error ? error.message : String(error)
          })`,
      ));
      return;
    }
    if (!status.success) {
      say(browserFailed(command, `exited with code ${status.code}`));
    }
    return;
  }
}

/** The Deno namespace's spawner (on Node, the npm build's shim provides it). */
export const denoSpawner: Spawner = {
  permitted(command) {
    // The shim of the npm build may have no permissions API: all is allowed.
    if (typeof Deno.permissions?.querySync !== "function") return true;
    try {
      return Deno.permissions.querySync({ name: "run", command }).state ===
        "granted";
    } catch {
      return true;
    }
  },
  run(command, args) {
    try {
      const child = new Deno.Command(command, {
        args: [...args],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      // A browser may run for as long as the person browses: pilotcli ends
      // when the login does, not when the browser does.
      child.unref();
      return child.status;
    } catch (error) {
      return Promise.reject(error);
    }
  },
};
