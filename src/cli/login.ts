/**
 * `pilotcli user login`: a device validation link and QR code (RFC 8628),
 * or an API key, and then a stored session.
 *
 * @module
 */

import type { TokenSet } from "../auth/tokens.ts";
import type { SessionCore } from "../core/session_core.ts";
import { CliError, EXIT_INTERRUPTED, EXIT_USAGE } from "../errors.ts";
import { TypedInterrupt } from "../ui/io.ts";
import { registerSecret } from "../redact.ts";
import {
  QR_LEFT_OUT,
  TRYING_API_KEY,
  TRYING_DEVICE_CODE,
  verificationLines,
  WAITING,
  WELCOME,
} from "../ui/messages.ts";
import type { LoginFlags } from "./spec.ts";
import type { Context } from "./context.ts";
import { openSessionCore } from "./active_session.ts";
import { asCliError } from "./failure.ts";
import { checkEnvPermission } from "./settings.ts";
import { startBrowserHelp } from "./web.ts";

/** Logs in and stores the session; an existing session is replaced only on success. */
export async function runLogin(
  ctx: Context,
  options: LoginFlags,
): Promise<void> {
  // All variables now: a login must not stop for one once the server has
  // issued a code (the browser's are read after that).
  checkEnvPermission();
  const { core } = openSessionCore(ctx, options.profile);
  // Corrupt sessions moved aside by earlier runs end with this login.
  const leftovers = await core.beginLogin();
  const apiKey = await resolveApiKey(ctx, options.apiKey);
  const method = apiKey === undefined ? "device-code" : "api-key";
  let tokens: TokenSet;
  try {
    if (apiKey === undefined) {
      tokens = await deviceLogin(
        ctx,
        core,
        options.noQr ?? false,
        options.web ?? false,
      );
    } else {
      ctx.stderr.write(`${TRYING_API_KEY}\n`);
      tokens = await core.exchangeApiKey(apiKey);
    }
  } catch (error) {
    throw asCliError(
      error,
      `Failed to log in using "${method}" method`,
    );
  }
  const { replaced } = await core.saveLogin(method, tokens, apiKey, leftovers);
  ctx.stderr.write(`${WELCOME}\n`);
  // The session this login replaced ends at the server too, so that its
  // refresh token is worth nothing to whoever may have copied it. Best
  // effort, and silent: the new session is what the person asked for.
  if (replaced) await core.endAtServer(replaced);
}

/** The key from --api-key, standard input ("-") or PILOT_API_KEY. */
async function resolveApiKey(
  ctx: Context,
  flag: string | undefined,
): Promise<string | undefined> {
  let key = flag ?? (ctx.env.get("PILOT_API_KEY") || undefined);
  if (key === "-") {
    ctx.stdin.open();
    if (ctx.stdin.isTerminal()) ctx.stderr.write("API key (not shown): ");
    try {
      key = (await ctx.stdin.readSecret(ctx.signal))?.trim() ?? "";
    } catch (error) {
      if (!(error instanceof TypedInterrupt)) throw error;
      throw new CliError("", { exitCode: EXIT_INTERRUPTED });
    } finally {
      if (ctx.stdin.isTerminal()) ctx.stderr.write("\n");
    }
    if (key === "") {
      throw new CliError(
        "No API key on standard input: pipe the key in, e.g. `pilotcli user login --api-key - < key.txt`.",
        { exitCode: EXIT_USAGE },
      );
    }
  } else if (key !== undefined && key.trim() === "") {
    throw new CliError(
      "The API key is empty: pass the key your portal issued, e.g. `pilotcli user login --api-key -` and paste it.",
      { exitCode: EXIT_USAGE },
    );
  }
  registerSecret(key);
  return key?.trim();
}

async function deviceLogin(
  ctx: Context,
  core: SessionCore,
  noQr: boolean,
  web: boolean,
): Promise<TokenSet> {
  ctx.stderr.write(`${TRYING_DEVICE_CODE}\n`);
  return await core.deviceLogin(async (authorization) => {
    const link = authorization.verificationUriComplete ??
      authorization.verificationUri;
    const lines = verificationLines(
      link,
      authorization.verificationUriComplete
        ? undefined
        : authorization.userCode,
    );
    if (!noQr) {
      // Only login draws QR codes: load the library here, not at start-up.
      const { QrTooLongError, renderQr } = await import("../ui/qr.ts");
      try {
        lines.push("", await renderQr(link), "");
      } catch (error) {
        // The link alone still does: say why there is no code, and go on.
        if (!(error instanceof QrTooLongError)) throw error;
        lines.push(QR_LEFT_OUT);
      }
    }
    ctx.stderr.write(`${lines.join("\n")}\n`);
    const stopBrowserHelp = startBrowserHelp(ctx, link, web);
    ctx.stderr.write(`${WAITING}\n`);
    return stopBrowserHelp;
  });
}

/** The entry of `user login` that main runs with the parsed flags. */
export async function loginCommand(
  this: Context,
  flags: LoginFlags,
): Promise<void> {
  await runLogin(this, flags);
}
