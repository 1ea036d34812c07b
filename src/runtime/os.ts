/**
 * Every decision pilotcli makes by operating system, as pure functions of
 * the OS (`Deno.build.os`'s name), so each is tested for linux, darwin and
 * windows on any machine (os_test.ts). The callers pass the OS they run on;
 * nothing here reads the runtime.
 *
 * | decision                 | linux, darwin (and other Unix)            | windows                        |
 * | ------------------------ | ----------------------------------------- | ------------------------------ |
 * | default config dir       | `$XDG_CONFIG_HOME/pilotcli` (absolute), else `$HOME/.config/pilotcli` | `%APPDATA%\pilotcli`, else as on Unix |
 * | code cache dir (Node)    | `$XDG_CACHE_HOME/pilotcli` (absolute), else `$HOME/.cache/pilotcli` | `%LOCALAPPDATA%\pilotcli\cache`, else as on Unix |
 * | path separator           | `/`                                       | `\`                            |
 * | mode checks (0700, 0600) | yes: group and others get nothing         | no: there are no Unix modes    |
 * | owner checks (uid)       | yes: files and dir are this user's        | no: there are no uids          |
 * | Ctrl-C's signal          | SIGINT                                    | SIGINT (SIGBREAK is not used)  |
 *
 * @module
 */

import type { Env } from "../config.ts";
import { CliError } from "../errors.ts";

/** An operating system, as `Deno.build.os` names it. */
export type Os = typeof Deno.build.os;

/** Whether `os` is Windows, where files have no Unix modes and no uids. */
function isWindows(os: string): boolean {
  return os === "windows";
}

/**
 * The directory that holds the session: PILOT_CONFIG_DIR, else
 * %APPDATA%\pilotcli on Windows, else $XDG_CONFIG_HOME/pilotcli, else
 * $HOME/.config/pilotcli (macOS too: a command-line tool's dotfiles, as the
 * README says). Computed from the environment alone, so that no --allow-sys
 * is needed.
 *
 * @param env the environment to read
 * @param os the operating system
 * @returns the directory
 * @throws CliError when neither variable that could name it is set
 */
export function configDir(env: Env, os: string): string {
  const explicit = env.get("PILOT_CONFIG_DIR");
  if (explicit) return explicit;
  if (isWindows(os)) {
    const appData = env.get("APPDATA");
    if (appData) return `${appData}\\pilotcli`;
  }
  const xdg = env.get("XDG_CONFIG_HOME");
  // The XDG spec says a relative path is invalid and must be ignored.
  if (xdg?.startsWith("/")) return `${xdg}/pilotcli`;
  const home = env.get("HOME");
  if (home) return `${home}/.config/pilotcli`;
  throw new CliError(
    "Cannot find where to keep the session: neither PILOT_CONFIG_DIR nor HOME is set. Set PILOT_CONFIG_DIR to a directory of yours.",
  );
}

/**
 * The directory of the npm package's code cache on Node (scripts/node_scripts.ts):
 * %LOCALAPPDATA%\pilotcli\cache on Windows, else $XDG_CACHE_HOME/pilotcli,
 * else $HOME/.cache/pilotcli (macOS too, beside the config dir). No cache
 * when NODE_DISABLE_COMPILE_CACHE is set, as Node's own compile cache, or
 * when nothing names a directory: it is only ever a saving.
 *
 * @param env the environment to read
 * @param os the operating system
 * @returns the directory, or undefined for none
 */
export function codeCacheDir(env: Env, os: string): string | undefined {
  if (env.get("NODE_DISABLE_COMPILE_CACHE")) return undefined;
  if (isWindows(os)) {
    const localAppData = env.get("LOCALAPPDATA");
    if (localAppData) return `${localAppData}\\pilotcli\\cache`;
  }
  const xdg = env.get("XDG_CACHE_HOME");
  if (xdg?.startsWith("/")) return `${xdg}/pilotcli`;
  const home = env.get("HOME");
  return home ? `${home}/.cache/pilotcli` : undefined;
}

/**
 * The separator of a path's parts on `os`.
 *
 * @param os the operating system
 * @returns `\` on Windows, `/` elsewhere
 */
export function pathSeparator(os: string): "/" | "\\" {
  return isWindows(os) ? "\\" : "/";
}

/**
 * Whether files' Unix modes are checked on `os` (the config dir 0700, the
 * session and cached files closed to group and others).
 *
 * @param os the operating system
 * @returns false on Windows, which has no Unix modes
 */
export function checksModes(os: string): boolean {
  return !isWindows(os);
}

/**
 * Whether files' owners are checked on `os` (the config dir, the session
 * and cached files belong to this process's user).
 *
 * @param os the operating system
 * @returns false on Windows, which has no uids
 */
export function checksOwner(os: string): boolean {
  return !isWindows(os);
}

/**
 * The signals that mean Ctrl-C on `os`: pilotcli ends with exit code 130
 * on them. Windows has SIGINT too (and SIGBREAK, Ctrl-Break, which is left
 * to its default); SIGTERM and SIGHUP are left to theirs everywhere, so
 * that a killed process ends at once (the lock's staleness covers it).
 *
 * @param _os the operating system
 * @returns the signals to listen to
 */
export function interruptSignals(_os: string): readonly Deno.Signal[] {
  return ["SIGINT"];
}
