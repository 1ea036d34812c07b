/**
 * `pilotcli user login`: a device validation link and QR code (RFC 8628),
 * or an API key, and then a stored session.
 *
 * @module
 */

import { exchangeApiKey } from "../auth/api_key.ts";
import { pollForTokens, requestDeviceAuthorization } from "../auth/device.ts";
import type { Endpoints } from "../auth/discovery.ts";
import type { TokenSet } from "../auth/tokens.ts";
import { usernameOf } from "../auth/tokens.ts";
import type { AuthConfig } from "../config.ts";
import { CliError, EXIT_INTERRUPTED, EXIT_USAGE } from "../errors.ts";
import { TypedInterrupt } from "../ui/io.ts";
import { registerSecret } from "../redact.ts";
import type { Session } from "../session/session.ts";
import {
  DEVICE_UNSUPPORTED,
  QR_LEFT_OUT,
  TRYING_API_KEY,
  TRYING_DEVICE_CODE,
  verificationLines,
  WAITING,
  WELCOME,
} from "../ui/messages.ts";
import type { LoginFlags } from "./spec.ts";
import type { Context } from "./context.ts";
import { endAtServer, endpointsFor } from "./active_session.ts";
import { asCliError } from "./failure.ts";
import { loadSettings } from "./settings.ts";
import { startBrowserHelp } from "./web.ts";

/** Logs in and stores the session; an existing session is replaced only on success. */
export async function runLogin(
  ctx: Context,
  options: LoginFlags,
): Promise<void> {
  const { auth, dir } = loadSettings(ctx);
  const endpoints = endpointsFor(ctx, auth, dir);
  const store = await ctx.openStore(dir);
  // Corrupt sessions moved aside by earlier runs end with this login; one
  // that the find below moves aside stays while the new session lasts, as
  // its warning says where it is.
  const leftovers = store.corruptFiles();
  // Refuse an unsafe session file before the person spends time approving.
  await store.find();
  const apiKey = await resolveApiKey(ctx, options.apiKey);
  const method = apiKey === undefined ? "device-code" : "api-key";
  let tokens: TokenSet;
  try {
    tokens = apiKey === undefined
      ? await deviceLogin(
        ctx,
        auth,
        endpoints,
        options.noQr ?? false,
        options.web ?? false,
      )
      : await apiKeyLogin(ctx, auth, apiKey);
  } catch (error) {
    throw asCliError(
      error,
      `Failed to log in using "${method}" method`,
    );
  }
  const session: Session = {
    version: 1,
    authUrl: auth.authUrl,
    clientId: auth.clientId,
    method,
    username: usernameOf(tokens.accessToken),
    ...tokens,
    lastActiveAt: Math.floor(ctx.clock.now() / 1000),
    ...(apiKey === undefined ? {} : { apiKey }),
  };
  let replaced: Session | undefined;
  await store.update((current) => {
    replaced = current;
    return Promise.resolve(session);
  });
  store.removeCorrupt(leftovers);
  ctx.stderr.write(`${WELCOME}\n`);
  if (
    replaced?.authUrl === auth.authUrl && replaced.clientId === auth.clientId
  ) {
    // The session this login replaced ends at the server too, so that its
    // refresh token is worth nothing to whoever may have copied it. Best
    // effort, and silent: the new session is what the person asked for.
    await endAtServer(ctx, endpoints, auth, replaced);
  }
}

/** The key from --api-key, standard input ("-") or PILOT_API_KEY. */
async function resolveApiKey(
  ctx: Context,
  flag: string | undefined,
): Promise<string | undefined> {
  let key = flag ?? (ctx.env.get("PILOT_API_KEY") || undefined);
  if (key === "-") {
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

async function apiKeyLogin(
  ctx: Context,
  auth: AuthConfig,
  apiKey: string,
): Promise<TokenSet> {
  ctx.stderr.write(`${TRYING_API_KEY}\n`);
  return await exchangeApiKey(auth.authUrl, apiKey, {
    fetch: ctx.fetch,
    nowSeconds: () => Math.floor(ctx.clock.now() / 1000),
    signal: ctx.signal,
    timeoutMs: auth.httpTimeoutMs,
  });
}

async function deviceLogin(
  ctx: Context,
  auth: AuthConfig,
  endpointsOf: () => Promise<Endpoints>,
  noQr: boolean,
  web: boolean,
): Promise<TokenSet> {
  ctx.stderr.write(`${TRYING_DEVICE_CODE}\n`);
  const flow = {
    fetch: ctx.fetch,
    clock: ctx.clock,
    signal: ctx.signal,
    timeoutMs: auth.httpTimeoutMs,
  };
  const endpoints = await endpointsOf();
  if (!endpoints.deviceAuthorizationEndpoint) {
    throw new CliError(DEVICE_UNSUPPORTED);
  }
  const authorization = await requestDeviceAuthorization(
    endpoints.deviceAuthorizationEndpoint,
    auth.clientId,
    flow,
  );
  const link = authorization.verificationUriComplete ??
    authorization.verificationUri;
  const lines = verificationLines(
    link,
    authorization.verificationUriComplete ? undefined : authorization.userCode,
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
  try {
    return await pollForTokens(
      endpoints.tokenEndpoint,
      auth.clientId,
      authorization,
      flow,
    );
  } finally {
    stopBrowserHelp();
  }
}

/** The entry of `user login` that main runs with the parsed flags. */
export async function loginCommand(
  this: Context,
  flags: LoginFlags,
): Promise<void> {
  await runLogin(this, flags);
}
