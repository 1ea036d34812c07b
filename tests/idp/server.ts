/**
 * A real OpenID Connect identity server for pilotcli's tests: `oidc-provider`
 * shaped like a Keycloak realm named "pilot", running in-process on
 * 127.0.0.1.
 *
 * It serves Keycloak's paths under `http://127.0.0.1:PORT/realms/pilot`, the
 * device authorization grant (RFC 8628, with `interval` and a real
 * `slow_down`), refresh-token rotation with reuse detection, revocation
 * (RFC 7009), Keycloak's logout POST, Pilot's API-key exchange, JWT access
 * tokens with `preferred_username`, and `refresh_expires_in` in token
 * responses. Every request is logged for tests to count, and the next
 * requests to a path can be made to fail.
 *
 * @example
 * ```ts
 * const idp = await startIdp({ users: { alice: "secret" }, interval: 0.2 });
 * try {
 *   // point the CLI at idp.issuer
 * } finally {
 *   await idp.close();
 * }
 * ```
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { MemoryAdapter, MemoryStore } from "./memory_adapter.ts";
import type {
  ClientModel,
  GrantModel,
  InteractionDetails,
  InteractionResult,
  KoaContext,
  OidcErrors,
  Provider,
  ProviderConstructor,
  RefreshTokenModel,
  ResourceServerInfo,
} from "./oidc_types.ts";
import { type CertificateKind, testPki, trustingFetch } from "./tls.ts";
import {
  codeConfirmPage,
  codeEntryPage,
  type CodeEntryProblem,
  consentPage,
  deviceSuccessPage,
  errorPage,
  loggedOutPage,
  loginPage,
  logoutPage,
} from "./pages.ts";

/** The realm name: the issuer is `http://127.0.0.1:PORT/realms/pilot`. */
export const REALM = "pilot";
/** The public client the CLI uses. */
export const CLIENT_ID = "cli";
/** The device authorization grant type (RFC 8628). */
export const DEVICE_CODE_GRANT_TYPE =
  "urn:ietf:params:oauth:grant-type:device_code";
/** The grant type behind `GET {issuer}/api-key/{key}`. */
export const API_KEY_GRANT_TYPE = "urn:pilot:params:oauth:grant-type:api-key";
/** Keycloak's endpoint paths, relative to the issuer. */
export const PATHS = {
  authorization: "/protocol/openid-connect/auth",
  deviceAuthorization: "/protocol/openid-connect/auth/device",
  token: "/protocol/openid-connect/token",
  revocation: "/protocol/openid-connect/revoke",
  logout: "/protocol/openid-connect/logout",
  jwks: "/protocol/openid-connect/certs",
  userinfo: "/protocol/openid-connect/userinfo",
  device: "/device",
  discovery: "/.well-known/openid-configuration",
  apiKey: "/api-key",
} as const;

/** Options of {@linkcode startIdp}. */
export interface IdpOptions {
  /** Port to listen on; default 0 (a random free port). The host is always 127.0.0.1. */
  port?: number;
  /** username -> password. When omitted, ANY username signs in with any password (demo mode). */
  users?: Record<string, string>;
  /** API key -> username. */
  apiKeys?: Record<string, string>;
  /** Access token lifetime, seconds; default 300. */
  accessTokenTtl?: number;
  /** Refresh token lifetime, seconds; default 1800 (also the `refresh_expires_in` reported). */
  refreshTokenTtl?: number;
  /** Device code lifetime, seconds; default 600. */
  deviceCodeTtl?: number;
  /** Device poll interval, seconds; default 5. May be fractional (e.g. 0.2) for fast tests. */
  interval?: number;
  /**
   * Rewrites each answer of the device authorization endpoint before it is
   * sent (it gets the real one), to play a hostile or odd server.
   */
  rewriteDeviceAuthorization?: (
    body: Record<string, unknown>,
  ) => Record<string, unknown>;
  /**
   * Serve HTTPS with a certificate for 127.0.0.1 and localhost issued by a CA
   * made at start (tests/idp/tls.ts): `true` or "valid"; "wrong-host" and
   * "expired" serve a certificate for another name or one that has expired.
   */
  tls?: boolean | CertificateKind;
}

/** One request the server received. */
export interface IdpRequest {
  /** When it arrived (Date.now()). */
  at: number;
  /** The HTTP method. */
  method: string;
  /** The path after the issuer, e.g. "/protocol/openid-connect/token" (the full path for requests outside the issuer). */
  path: string;
  /** The `grant_type` of a token request. */
  grantType?: string;
  /** The answer's status. */
  status: number;
  /** The OAuth error code in the answer, if any. */
  error?: string;
}

/** A running test identity server. */
export interface Idp {
  /** `http://127.0.0.1:PORT/realms/pilot` (https with the `tls` option). */
  readonly issuer: string;
  /** With `tls`: the file of the CA to trust (PILOT_CA_FILE), and its PEM. */
  readonly ca?: { file: string; pem: string };
  /** Fetches from the server, trusting its CA when it serves HTTPS. */
  fetch: typeof fetch;
  /** The port it listens on. */
  readonly port: number;
  /** Every request, in order of arrival, for tests to count (refreshes, polls, their timing). */
  readonly requests: IdpRequest[];
  /**
   * The next `count` (default 1) requests to `path` (relative to the issuer,
   * e.g. "/protocol/openid-connect/token"; a path ending in "/" matches every
   * path under it), optionally only those with grant_type `grantType`, answer
   * `status` (default 503) with an HTML body instead of being served.
   */
  failNext(
    path: string,
    opts: { count?: number; status?: number; grantType?: string },
  ): void;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

/** The resource indicator of Pilot's API: access tokens for it are JWTs. */
const RESOURCE = "urn:pilot:api";
/** The `aud` of access tokens, as in Keycloak's. */
const AUDIENCE = "account";
/** The scopes the realm knows. */
const SCOPES = ["openid", "offline_access", "profile", "email"];
/** What an API-key session gets. */
const API_KEY_SCOPE = "openid profile email";
/** Slack allowed for timer jitter when enforcing the poll interval. */
const POLL_JITTER_MS = 50;
/** Marks the server's own call to its token endpoint (not logged, never failed). */
const INTERNAL_HEADER = "x-pilot-idp-internal";
/** Largest form body read. */
const BODY_LIMIT = 64 * 1024;

/** How the code entry page words oidc-provider's re-render errors. */
const CODE_ENTRY_PROBLEMS = new Map<string, CodeEntryProblem>([
  ["AbortedError", "denied"],
  ["NotFoundError", "wrong-code"],
  ["NoCodeError", "wrong-code"],
  ["ExpiredError", "expired"],
  ["AlreadyUsedError", "used"],
]);

interface Failure {
  path: string;
  grantType?: string;
  count: number;
  status: number;
}

interface Poll {
  /** When the code was last polled (or issued). */
  last: number;
  /** The interval in force for this code, seconds. */
  interval: number;
  /** When the code expires, to forget it. */
  expiresAt: number;
}

/** Starts a test identity server; see {@linkcode IdpOptions}. */
export async function startIdp(options: IdpOptions = {}): Promise<Idp> {
  const settings: Settings = {
    accessTokenTtl: options.accessTokenTtl ?? 300,
    refreshTokenTtl: options.refreshTokenTtl ?? 1800,
    deviceCodeTtl: options.deviceCodeTtl ?? 600,
    interval: options.interval ?? 5,
  };
  for (const [name, value] of Object.entries(settings)) {
    if (!(value > 0)) throw new RangeError(`${name} must be positive`);
  }
  for (const name of ["accessTokenTtl", "refreshTokenTtl", "deviceCodeTtl"]) {
    const value = settings[name as keyof typeof settings];
    if (!Number.isInteger(value)) {
      throw new RangeError(`${name} must be a whole number of seconds`);
    }
  }

  const oidc = await loadOidcProvider();
  const keys = await signingKeys();

  const kind = options.tls === true ? "valid" : options.tls || undefined;
  const pki = kind ? await testPki() : undefined;
  const server = pki && kind
    ? https.createServer(pki.server[kind])
    : http.createServer();
  const client = pki ? trustingFetch(pki.caPem) : undefined;
  const serverFetch = client?.fetch ?? fetch;
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      client?.close();
      // Keep-alive sockets would hold close() open: end them now.
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };

  const port = (server.address() as AddressInfo).port;
  let realm: Realm;
  try {
    realm = createRealm(
      { port, tls: kind !== undefined, fetch: serverFetch },
      settings,
      options,
      oidc,
      keys,
    );
  } catch (err) {
    await close();
    throw err;
  }
  server.on("request", realm.handle);
  return {
    issuer: realm.issuer,
    ...(pki ? { ca: { file: pki.caFile, pem: pki.caPem } } : {}),
    fetch: serverFetch,
    port,
    requests: realm.requests,
    failNext(path, opts) {
      realm.failures.push({
        path,
        grantType: opts.grantType,
        count: opts.count ?? 1,
        status: opts.status ?? 503,
      });
    },
    close,
  };
}

/** The settings of a realm, defaults applied. */
interface Settings {
  accessTokenTtl: number;
  refreshTokenTtl: number;
  deviceCodeTtl: number;
  interval: number;
}

/** A configured realm, ready to serve. */
interface Realm {
  issuer: string;
  requests: IdpRequest[];
  failures: Failure[];
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Sets up oidc-provider and Pilot's additions for the server on `port`. */
function createRealm(
  { port, tls, fetch }: {
    port: number;
    tls: boolean;
    fetch: typeof globalThis.fetch;
  },
  settings: Settings,
  options: IdpOptions,
  { Provider, errors }: OidcProviderModule,
  keys: SigningKeys,
): Realm {
  const accounts = new Accounts(options.users, options.apiKeys);
  const store = new MemoryStore();
  const requests: IdpRequest[] = [];
  const failures: Failure[] = [];
  const polls = new Map<string, Poll>();
  const forms = new WeakMap<IncomingMessage, URLSearchParams>();
  const internalSecret = randomBytes(16).toString("hex");
  const mount = `/realms/${REALM}`;
  const issuer = `${tls ? "https" : "http"}://127.0.0.1:${port}${mount}`;

  const resourceServer: ResourceServerInfo = {
    scope: SCOPES.join(" "),
    audience: AUDIENCE,
    accessTokenTTL: settings.accessTokenTtl,
    accessTokenFormat: "jwt",
    jwt: { sign: { alg: "RS256" } },
  };

  const provider: Provider = new Provider(issuer, {
    adapter: (model: string) => new MemoryAdapter(model, store),
    clients: [{
      client_id: CLIENT_ID,
      client_name: "Pilot CLI",
      application_type: "native",
      token_endpoint_auth_method: "none",
      grant_types: [
        DEVICE_CODE_GRANT_TYPE,
        "refresh_token",
        API_KEY_GRANT_TYPE,
      ],
      response_types: [],
      redirect_uris: [],
    }],
    jwks: { keys: [keys.jwk] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    scopes: SCOPES,
    claims: {
      openid: ["sub"],
      profile: ["preferred_username", "name"],
      email: ["email", "email_verified"],
    },
    routes: {
      authorization: PATHS.authorization,
      device_authorization: PATHS.deviceAuthorization,
      code_verification: PATHS.device,
      token: PATHS.token,
      revocation: PATHS.revocation,
      end_session: PATHS.logout,
      jwks: PATHS.jwks,
      userinfo: PATHS.userinfo,
    },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      userinfo: { enabled: true },
      deviceFlow: {
        enabled: true,
        charset: "base-20",
        mask: "****-****",
        userCodeInputSource(
          ctx: KoaContext,
          form: string,
          _out: unknown,
          err?: { name?: string },
        ) {
          const problem = err
            ? CODE_ENTRY_PROBLEMS.get(err.name ?? "") ?? "error"
            : "none";
          ctx.type = "html";
          ctx.body = codeEntryPage(form, problem);
        },
        userCodeConfirmSource(
          ctx: KoaContext,
          form: string,
          client: { clientName?: string; clientId: string },
          _deviceInfo: unknown,
          userCode: string,
        ) {
          ctx.type = "html";
          ctx.body = codeConfirmPage(
            form,
            client.clientName ?? client.clientId,
            userCode,
          );
        },
        successSource(ctx: KoaContext) {
          ctx.type = "html";
          ctx.body = deviceSuccessPage("Pilot CLI");
        },
      },
      revocation: {
        enabled: true,
        allowedPolicy: (
          _ctx: unknown,
          client: ClientModel,
          token: { clientId: string },
        ) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx: KoaContext, form: string) {
          ctx.type = "html";
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource(ctx: KoaContext) {
          ctx.type = "html";
          ctx.body = loggedOutPage();
        },
      },
      resourceIndicators: {
        enabled: true,
        // Every token is for Pilot's API, so that access tokens are JWTs.
        defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string[]) =>
          oneOf ?? RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx: unknown, indicator: string) {
          if (indicator !== RESOURCE) throw new errors.InvalidTarget();
          return resourceServer;
        },
      },
    },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) =>
        `${mount}/login-actions/${interaction.uid}`,
    },
    ttl: {
      AccessToken: settings.accessTokenTtl,
      ClientCredentials: settings.accessTokenTtl,
      IdToken: settings.accessTokenTtl,
      RefreshToken: settings.refreshTokenTtl,
      DeviceCode: settings.deviceCodeTtl,
      Interaction: 3600,
      Session: 24 * 3600,
      // Longer than any refresh token chain a test builds.
      Grant: 14 * 24 * 3600,
    },
    // Keycloak issues a refresh token with every token response.
    issueRefreshToken: (_ctx: unknown, client: ClientModel) =>
      client.grantTypeAllowed("refresh_token"),
    // Sessions end by logout (grant revocation), not with the browser session.
    expiresWithSession: () => false,
    extraTokenClaims(_ctx: unknown, token: {
      accountId?: string;
      clientId?: string;
      grantId?: string;
    }) {
      const username = token.accountId
        ? accounts.username(token.accountId)
        : undefined;
      if (!username) return undefined;
      return {
        typ: "Bearer",
        azp: token.clientId,
        sid: token.grantId,
        preferred_username: username,
      };
    },
    findAccount(_ctx: unknown, sub: string) {
      const username = accounts.username(sub);
      if (!username) return undefined;
      return {
        accountId: sub,
        claims: () => accounts.claims(sub, username),
      };
    },
    renderError(
      ctx: KoaContext,
      out: { error: string; error_description?: string },
    ) {
      ctx.type = "html";
      ctx.body = errorPage(out.error, out.error_description);
    },
    clientBasedCORS: () => false,
  });

  provider.on("server_error", (_ctx: unknown, err: unknown) => {
    console.error("test identity server: server_error", err);
  });

  // The API-key grant, only reachable through GET {issuer}/api-key/{key}.
  provider.registerGrantType(API_KEY_GRANT_TYPE, async (ctx) => {
    if (ctx.get(INTERNAL_HEADER) !== internalSecret) {
      throw new errors.InvalidGrant("use GET /api-key/{key}");
    }
    const username = accounts.usernameForApiKey(ctx.oidc.params.api_key ?? "");
    if (!username) throw new errors.InvalidGrant("unknown API key");
    const accountId = accounts.subject(username);
    const { client } = ctx.oidc;
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope(API_KEY_SCOPE);
    grant.addResourceScope(RESOURCE, API_KEY_SCOPE);
    const grantId = await grant.save();
    const common = {
      accountId,
      client,
      grantId,
      gty: "api_key",
      scope: API_KEY_SCOPE,
      expiresWithSession: false,
    };
    const at = new provider.AccessToken(common);
    at.resourceServer = new provider.ResourceServer(RESOURCE, resourceServer);
    const rt = new provider.RefreshToken({
      ...common,
      resource: RESOURCE,
      rotations: 0,
    });
    ctx.body = {
      access_token: await at.save(),
      expires_in: at.expiration,
      refresh_token: await rt.save(),
      scope: API_KEY_SCOPE,
      token_type: at.tokenType,
    };
  }, ["api_key"]);

  // 1. Log every request, read token request forms, and fail on demand.
  provider.use(async (ctx, next) => {
    const internal = ctx.get(INTERNAL_HEADER) === internalSecret;
    const entry: IdpRequest = {
      at: Date.now(),
      method: ctx.method,
      path: ctx.path,
      status: 0,
    };
    if (!internal) requests.push(entry);
    try {
      if (ctx.method === "POST" && ctx.path === PATHS.token) {
        const form = await readForm(ctx.req);
        if (form) {
          forms.set(ctx.req, form);
          entry.grantType = form.get("grant_type") ?? undefined;
        }
      }
      const failure = internal ? undefined : takeFailure(failures, entry);
      if (failure) {
        ctx.status = failure.status;
        ctx.type = "html";
        ctx.body = `<!DOCTYPE html>
<html><head><title>${failure.status} Error</title></head>
<body><h1>${failure.status} ${
          http.STATUS_CODES[failure.status] ?? "Error"
        }</h1><p>Injected failure.</p></body></html>
`;
      } else {
        await next();
      }
      entry.status = ctx.status;
      const error = oauthError(ctx.body);
      if (error) entry.error = error;
    } catch (err) {
      entry.status = 500;
      throw err;
    }
  });

  // 2. The token endpoint: slow_down for device codes polled too often, and
  // refresh_expires_in in token responses, as Keycloak sends it.
  provider.use(async (ctx, next) => {
    if (ctx.method !== "POST" || ctx.path !== PATHS.token) return await next();
    const form = forms.get(ctx.req);
    const deviceCode = form?.get("grant_type") === DEVICE_CODE_GRANT_TYPE
      ? form.get("device_code") ?? undefined
      : undefined;
    const poll = deviceCode ? polls.get(deviceCode) : undefined;
    if (poll) {
      const now = Date.now();
      const early = now - poll.last < poll.interval * 1000 - POLL_JITTER_MS;
      poll.last = now;
      if (early) {
        // RFC 8628 §3.5: this and every later poll of the code must wait 5 s more.
        poll.interval += 5;
        ctx.status = 400;
        ctx.set("Cache-Control", "no-store");
        ctx.body = {
          error: "slow_down",
          error_description:
            `poll no more often than every ${poll.interval} seconds`,
        };
        return;
      }
    }
    await next();
    if (deviceCode && oauthError(ctx.body) !== "authorization_pending") {
      polls.delete(deviceCode);
    }
    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.status === 200 && typeof body?.refresh_token === "string") {
      // The token was minted by this very request (rotation is on), so its
      // whole lifetime is what remains; exp - now could be a second short.
      const refreshToken = await provider.RefreshToken.find(body.refresh_token);
      ctx.body = {
        ...body,
        refresh_expires_in: refreshToken
          ? refreshToken.exp - refreshToken.iat
          : settings.refreshTokenTtl,
      };
    }
  });

  // 3. The device authorization endpoint: add `interval` (oidc-provider omits
  // it) and start the poll clock of the new code.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method !== "POST" || ctx.path !== PATHS.deviceAuthorization) return;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.status !== 200 || typeof body?.device_code !== "string") return;
    const now = Date.now();
    for (const [code, poll] of polls) {
      if (poll.expiresAt < now) polls.delete(code);
    }
    polls.set(body.device_code, {
      last: now,
      interval: settings.interval,
      expiresAt: now + settings.deviceCodeTtl * 1000,
    });
    const answer = { ...body, interval: settings.interval };
    ctx.body = options.rewriteDeviceAuthorization?.(answer) ?? answer;
  });

  // 4. Pilot's and Keycloak's own endpoints, and the sign-in pages.
  provider.use(async (ctx, next) => {
    const { method, path } = ctx;
    if (method === "POST" && path === PATHS.logout) {
      return await keycloakLogout(ctx, provider);
    }
    if (
      (method === "GET" || method === "POST") && path === PATHS.userinfo
    ) {
      return await userinfo(ctx, provider, keys.publicKey, issuer, accounts);
    }
    if (method === "GET" && path.startsWith(`${PATHS.apiKey}/`)) {
      return await apiKeyExchange(
        ctx,
        { issuer, fetch },
        internalSecret,
        accounts,
      );
    }
    const interaction = path.match(
      /^\/login-actions\/([\w-]+)(?:\/(login|consent))?$/,
    );
    if (interaction) {
      return await signInPages(
        ctx,
        provider,
        accounts,
        `${mount}/login-actions/${interaction[1]}`,
        interaction[1],
        interaction[2],
      );
    }
    await next();
  });

  const callback = provider.callback();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const pathname = url.replace(/[?#].*$/, "");
    if (pathname === mount || pathname.startsWith(`${mount}/`)) {
      // Mount at the issuer path, as express' app.use(path, ...) would.
      const rest = url.slice(mount.length);
      Object.assign(req, {
        originalUrl: url,
        url: rest.startsWith("/") ? rest : `/${rest}`,
      });
      callback(req, res);
      return;
    }
    requests.push({
      at: Date.now(),
      method: req.method ?? "GET",
      path: pathname,
      status: 404,
    });
    req.resume();
    res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
    res.end(errorPage("Page not found"));
  };
  return { issuer, requests, failures, handle };
}

/** Who may sign in, and the stable subject identifier of each username. */
class Accounts {
  #users?: Record<string, string>;
  #apiKeys: Record<string, string>;
  #bySubject = new Map<string, string>();

  constructor(
    users: Record<string, string> | undefined,
    apiKeys: Record<string, string> = {},
  ) {
    this.#users = users;
    this.#apiKeys = apiKeys;
    for (
      const name of [...Object.keys(users ?? {}), ...Object.values(apiKeys)]
    ) {
      this.subject(name);
    }
  }

  /** Whether `username` signs in with `password`. */
  verify(username: string, password: string): boolean {
    if (!username) return false;
    if (!this.#users) return true;
    return Object.hasOwn(this.#users, username) &&
      this.#users[username] === password;
  }

  /** The subject (`sub`) of a username: a UUID, as Keycloak's are. */
  subject(username: string): string {
    const hex = createHash("sha256").update(`${REALM}:${username}`).digest(
      "hex",
    );
    const sub = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${
      hex.slice(13, 16)
    }-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    this.#bySubject.set(sub, username);
    return sub;
  }

  /** The username of a subject, if it signed in or is configured. */
  username(sub: string): string | undefined {
    return this.#bySubject.get(sub);
  }

  /** The user an API key stands for. */
  usernameForApiKey(key: string): string | undefined {
    return Object.hasOwn(this.#apiKeys, key) ? this.#apiKeys[key] : undefined;
  }

  /** The claims of a user. */
  claims(sub: string, username: string): Record<string, unknown> {
    return {
      sub,
      preferred_username: username,
      name: username,
      email: `${username}@pilot.test`,
      email_verified: true,
    };
  }
}

/** What the server uses of the oidc-provider module. */
interface OidcProviderModule {
  Provider: ProviderConstructor;
  errors: OidcErrors;
}

let oidcProvider: Promise<OidcProviderModule> | undefined;

/**
 * Loads oidc-provider once, without its "Unsupported runtime" warning: it
 * runs fine under Deno.
 */
function loadOidcProvider(): Promise<OidcProviderModule> {
  oidcProvider ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).includes("Unsupported runtime")) warn(...args);
    };
    try {
      const module = await import("oidc-provider");
      return {
        Provider: module.Provider as ProviderConstructor,
        errors: module.errors as OidcErrors,
      };
    } finally {
      console.warn = warn;
    }
  })();
  return oidcProvider;
}

interface SigningKeys {
  jwk: JsonWebKey & { kid: string };
  publicKey: CryptoKey;
}

let signing: Promise<SigningKeys> | undefined;

/** An RS256 key pair, as Keycloak signs with; made once per process. */
function signingKeys(): Promise<SigningKeys> {
  signing ??= (async () => {
    const pair = await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    );
    const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey(
      "jwk",
      pair.privateKey,
    );
    return {
      jwk: { ...jwk, use: "sig", alg: "RS256", kid: crypto.randomUUID() },
      publicKey: pair.publicKey,
    };
  })();
  return signing;
}

/** The OAuth `error` of a JSON answer. */
function oauthError(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  return typeof error === "string" ? error : undefined;
}

/** Takes one planned failure that matches the request, if any. */
function takeFailure(
  failures: Failure[],
  request: IdpRequest,
): Failure | undefined {
  const index = failures.findIndex((f) =>
    (f.path === request.path ||
      (f.path.endsWith("/") && request.path.startsWith(f.path))) &&
    (f.grantType === undefined || f.grantType === request.grantType)
  );
  if (index < 0) return undefined;
  const failure = failures[index];
  if (--failure.count <= 0) failures.splice(index, 1);
  return failure;
}

/** Reads the whole body of a request. */
async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Uint8Array).length;
    if (size > BODY_LIMIT) throw new Error("request body too large");
    chunks.push(chunk as Uint8Array);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/** The form a request posts, if it posts one; the body stays readable for oidc-provider. */
async function readForm(
  req: IncomingMessage,
): Promise<URLSearchParams | undefined> {
  const type = req.headers["content-type"] ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) return undefined;
  const raw = await readBody(req);
  // oidc-provider reads the body itself (req.readable, then req.iterator()):
  // hand it the same bytes again.
  Object.defineProperties(req, {
    readable: { value: true, configurable: true },
    iterator: {
      value: async function* () {
        yield Buffer.from(raw);
      },
      configurable: true,
    },
  });
  return new URLSearchParams(new TextDecoder().decode(raw));
}

/** Reads a form that oidc-provider will not see. */
async function ownForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams(new TextDecoder().decode(await readBody(req)));
}

function json(ctx: KoaContext, status: number, body: unknown): void {
  ctx.status = status;
  ctx.set("Cache-Control", "no-store");
  ctx.body = body;
}

/**
 * Keycloak's logout for a public client: POST client_id and refresh_token
 * ends that session; its grant is revoked with every token of it.
 */
async function keycloakLogout(
  ctx: KoaContext,
  provider: Provider,
): Promise<void> {
  const form = await ownForm(ctx.req);
  const clientId = form.get("client_id");
  const value = form.get("refresh_token");
  if (clientId !== CLIENT_ID) {
    return json(ctx, 401, {
      error: "unauthorized_client",
      error_description: "Invalid client or Invalid client credentials",
    });
  }
  if (!value) {
    return json(ctx, 400, {
      error: "invalid_request",
      error_description: "Missing parameter: refresh_token",
    });
  }
  const token: RefreshTokenModel | undefined = await provider.RefreshToken
    .find(value);
  if (!token || token.clientId !== clientId) {
    return json(ctx, 400, {
      error: "invalid_grant",
      error_description: "Invalid refresh token",
    });
  }
  await revokeGrant(provider, token.grantId);
  if (token.sessionUid) {
    await (await provider.Session.findByUid(token.sessionUid))?.destroy();
  }
  ctx.status = 204;
  ctx.body = null;
}

/** Revokes a grant and every token of it. */
async function revokeGrant(provider: Provider, grantId: string): Promise<void> {
  await Promise.all([
    provider.AccessToken.revokeByGrantId(grantId),
    provider.RefreshToken.revokeByGrantId(grantId),
    provider.DeviceCode.revokeByGrantId(grantId),
  ]);
  const grant: GrantModel | undefined = await provider.Grant.find(grantId);
  await grant?.destroy();
}

/**
 * Keycloak's userinfo: answers for a valid JWT access token whose session
 * (grant) is still alive. (oidc-provider's own refuses access tokens that
 * carry an audience.)
 */
async function userinfo(
  ctx: KoaContext,
  provider: Provider,
  publicKey: CryptoKey,
  issuer: string,
  accounts: Accounts,
): Promise<void> {
  const deny = (description: string) => {
    ctx.set(
      "WWW-Authenticate",
      `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`,
    );
    json(ctx, 401, { error: "invalid_token", error_description: description });
  };
  const match = ctx.get("authorization").match(/^Bearer\s+(\S+)$/i);
  if (!match) return deny("Token not provided");
  const claims = await verifyJwt(match[1], publicKey);
  if (!claims || claims.iss !== issuer) {
    return deny("Token verification failed");
  }
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= Date.now()) {
    return deny("Token expired");
  }
  const grant = typeof claims.sid === "string"
    ? await provider.Grant.find(claims.sid)
    : undefined;
  const sub = String(claims.sub);
  const username = accounts.username(sub);
  if (!grant || !username) {
    return deny("User session not found or doesn't have client attached on it");
  }
  json(ctx, 200, accounts.claims(sub, username));
}

/** The claims of an RS256 JWT signed by `publicKey`, or undefined. */
async function verifyJwt(
  token: string,
  publicKey: CryptoKey,
): Promise<Record<string, unknown> | undefined> {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], "base64url").toString());
    if (header.alg !== "RS256") return undefined;
    const valid = await crypto.subtle.verify(
      "RSASSA-PKCS1-v1_5",
      publicKey,
      Buffer.from(parts[2], "base64url"),
      new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
    );
    if (!valid) return undefined;
    return JSON.parse(Buffer.from(parts[1], "base64url").toString());
  } catch {
    return undefined;
  }
}

/**
 * Pilot's API-key exchange: GET {issuer}/api-key/{key}. The tokens are minted
 * by oidc-provider through the API-key grant at its own token endpoint.
 */
async function apiKeyExchange(
  ctx: KoaContext,
  { issuer, fetch }: { issuer: string; fetch: typeof globalThis.fetch },
  internalSecret: string,
  accounts: Accounts,
): Promise<void> {
  let key: string;
  try {
    key = decodeURIComponent(ctx.path.slice(PATHS.apiKey.length + 1));
  } catch {
    key = "";
  }
  const invalid = {
    error: "invalid_api_key",
    error_description: "The API key is not valid",
  };
  if (!accounts.usernameForApiKey(key)) return json(ctx, 401, invalid);
  const response = await fetch(`${issuer}${PATHS.token}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      [INTERNAL_HEADER]: internalSecret,
    },
    body: new URLSearchParams({
      grant_type: API_KEY_GRANT_TYPE,
      client_id: CLIENT_ID,
      api_key: key,
    }),
  });
  const body = await response.json();
  if (response.status === 400 && body.error === "invalid_grant") {
    return json(ctx, 401, invalid);
  }
  if (!response.ok) return json(ctx, 502, body);
  json(ctx, 200, {
    access_token: body.access_token,
    refresh_token: body.refresh_token,
    expires_in: body.expires_in,
    refresh_expires_in: body.refresh_expires_in,
    token_type: body.token_type,
  });
}

/**
 * The sign-in pages of an interaction: GET shows the login form or the
 * consent form (whichever oidc-provider asks for); POST .../login and
 * POST .../consent take the answers.
 */
async function signInPages(
  ctx: KoaContext,
  provider: Provider,
  accounts: Accounts,
  base: string,
  uid: string,
  step: string | undefined,
): Promise<void> {
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    ctx.status = 400;
    ctx.type = "html";
    ctx.body = errorPage(
      "Your login attempt timed out. Login will start from the beginning.",
    );
    return;
  }
  if (details.uid !== uid) {
    ctx.status = 400;
    ctx.type = "html";
    ctx.body = errorPage("invalid_request", "interaction mismatch");
    return;
  }
  const finish = async (result: InteractionResult) => {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result);
    ctx.redirect(returnTo);
    ctx.status = 303;
  };
  const { name, details: missing } = details.prompt;

  if (ctx.method === "GET" && step === undefined) {
    ctx.type = "html";
    ctx.body = name === "login"
      ? loginPage(`${base}/login`)
      : consentPage(`${base}/consent`, "Pilot CLI", consentScopes(details));
    return;
  }
  if (ctx.method === "POST" && step === "login" && name === "login") {
    const form = await ownForm(ctx.req);
    const username = form.get("username")?.trim() ?? "";
    if (!accounts.verify(username, form.get("password") ?? "")) {
      ctx.status = 200;
      ctx.type = "html";
      ctx.body = loginPage(
        `${base}/login`,
        username,
        "Invalid username or password.",
      );
      return;
    }
    return await finish({ login: { accountId: accounts.subject(username) } });
  }
  if (ctx.method === "POST" && step === "consent" && name === "consent") {
    const form = await ownForm(ctx.req);
    if (form.get("accept") !== "yes") {
      return await finish({
        error: "access_denied",
        error_description: "End-User denied the request",
      });
    }
    const accountId = details.session?.accountId;
    const clientId = details.params.client_id;
    if (!accountId || !clientId) {
      ctx.status = 400;
      ctx.type = "html";
      ctx.body = errorPage("invalid_request", "no signed-in user");
      return;
    }
    const grant = (details.grantId
      ? await provider.Grant.find(details.grantId)
      : undefined) ?? new provider.Grant({ accountId, clientId });
    if (missing.missingOIDCScope) {
      grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    }
    if (missing.missingOIDCClaims) {
      grant.addOIDCClaims(missing.missingOIDCClaims);
    }
    for (
      const [indicator, scopes] of Object.entries(
        missing.missingResourceScopes ?? {},
      )
    ) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    return await finish({ consent: { grantId: await grant.save() } });
  }
  ctx.status = 400;
  ctx.type = "html";
  ctx.body = errorPage(
    "invalid_request",
    `unexpected ${ctx.method} ${step ?? ""}`,
  );
}

/** The scopes the consent page lists. */
function consentScopes(details: InteractionDetails): string[] {
  const { missingOIDCScope = [], missingResourceScopes = {} } =
    details.prompt.details;
  return [
    ...new Set([
      ...missingOIDCScope,
      ...Object.values(missingResourceScopes).flat(),
    ]),
  ];
}
