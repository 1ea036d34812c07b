/**
 * The browser's part in a device login: `--web` opens the link at once; on
 * a desktop's terminal, without `--web`, the login offers to open it when
 * the person presses Enter. Either way the login polls on regardless, and a
 * browser that cannot open is one line, never the end of the login.
 *
 * @module
 */

import {
  denoSpawner,
  isDesktop,
  openBrowser,
  type Spawner,
} from "../ui/browser.ts";
import { PRESS_ENTER } from "../ui/messages.ts";
import type { Context } from "./context.ts";

/**
 * Whether to offer Enter: standard input and output are a person's terminal
 * (as the issue of `--web` asks), and so is standard error, where the offer
 * and the login's other lines go; on a desktop (see isDesktop). With stdin
 * a pipe, the Enter could never come; with an output redirected, the
 * person is not at this terminal alone.
 */
export function offersEnter(ctx: Context): boolean {
  return ctx.stdin.isTerminal() && (ctx.stdout.isTerminal?.() ?? false) &&
    (ctx.stderr.isTerminal?.() ?? false) && isDesktop(ctx.os, ctx.env);
}

/**
 * Starts the browser's part of a login whose link is `link`: opens it now
 * when `web`, else offers Enter when {@linkcode offersEnter}. Writes its
 * lines at once, so they come before the caller's next line. Returns what
 * ends it when the login ends: it stops reading standard input and says
 * nothing more (a browser still starting is left alone).
 */
export function startBrowserHelp(
  ctx: Context,
  link: string,
  web: boolean,
  spawner: Spawner = denoSpawner,
): () => void {
  let live = true;
  const open = () =>
    openBrowser(link, {
      os: ctx.os,
      env: ctx.env,
      spawner,
      say: (line) => {
        if (live) ctx.stderr.write(`${line}\n`);
      },
    });
  if (web) {
    void open();
    return () => void (live = false);
  }
  if (!offersEnter(ctx)) return () => {};
  ctx.stderr.write(`${PRESS_ENTER}\n`);
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  // Reading ends with the login: main releases standard input afterwards,
  // so a read still pending keeps nothing alive.
  ctx.stdin.readLine(signal).then(async (line) => {
    if (line !== null && live) await open();
  }, () => {
    // Aborted: the login ended, or Ctrl-C, which the login reports.
  });
  return () => {
    live = false;
    stop.abort();
  };
}
