/**
 * The few shapes of `oidc-provider` (which ships no type declarations) and of
 * its Koa context that the test identity server touches.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";

/** The Koa context as oidc-provider hands it to middleware and grant handlers. */
export interface KoaContext {
  /** The HTTP method. */
  method: string;
  /** The path, relative to the issuer's mount path. */
  path: string;
  /** The query string, parsed. */
  query: Record<string, string | string[] | undefined>;
  /** The response status. */
  status: number;
  /** The response body; an object is sent as JSON. */
  body: unknown;
  /** The response content type (setter takes "html", "json", ...). */
  type: string;
  /** The Node request. */
  req: IncomingMessage;
  /** The Node response. */
  res: ServerResponse;
  /** A request header. */
  get(name: string): string;
  /** Sets a response header. */
  set(name: string, value: string): void;
  /** Answers a redirect to `url`. */
  redirect(url: string): void;
  /** oidc-provider's per-request context, inside its routes only. */
  oidc: OidcContext;
}

/** The parts of `ctx.oidc` used by the custom grant. */
export interface OidcContext {
  /** The request parameters that the grant declared. */
  params: Record<string, string | undefined>;
  /** The authenticated client. */
  client: ClientModel;
}

/** A Koa middleware. */
export type Middleware = (
  ctx: KoaContext,
  next: () => Promise<void>,
) => Promise<void>;

/** A registered client. */
export interface ClientModel {
  /** The client_id. */
  clientId: string;
  /** Whether the client may use that grant type. */
  grantTypeAllowed(grantType: string): boolean;
}

/** What every stored model offers. */
export interface StoredModel {
  /** The token or entity id. */
  jti: string;
  /** Issue time, seconds since the epoch. */
  iat: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Whether `exp` has passed. */
  readonly isExpired: boolean;
  /** Seconds until `exp`. */
  readonly remainingTTL: number;
  /** Removes it from storage. */
  destroy(): Promise<void>;
}

/** An access token (before it is saved). */
export interface AccessTokenModel {
  /** Seconds until it expires. */
  readonly expiration: number;
  /** Its scope. */
  scope?: string;
  /** The resource server it is for: sets its audience and format. */
  resourceServer: unknown;
  /** The token type ("Bearer"). */
  readonly tokenType: string;
  /** Saves it and answers its value. */
  save(): Promise<string>;
}

/** A refresh token. */
export interface RefreshTokenModel extends StoredModel {
  /** The client it was issued to. */
  clientId: string;
  /** The grant it belongs to. */
  grantId: string;
  /** The account it was issued for. */
  accountId: string;
  /** The session it was issued in, if any. */
  sessionUid?: string;
  /** When it was used for a rotation, if it was. */
  consumed?: number;
  /** Saves it and answers its value. */
  save(): Promise<string>;
}

/** A grant (what a person consented to for a client). */
export interface GrantModel {
  /** Adds OpenID Connect scopes. */
  addOIDCScope(scope: string): void;
  /** Adds OpenID Connect claims. */
  addOIDCClaims(claims: string[]): void;
  /** Adds the scopes of a resource server. */
  addResourceScope(indicator: string, scope: string): void;
  /** Saves it and answers its id. */
  save(): Promise<string>;
  /** Removes it from storage. */
  destroy(): Promise<void>;
}

/** A model class whose tokens can be revoked by grant. */
export interface RevocableByGrant {
  /** Revokes every token of that grant. */
  revokeByGrantId(grantId: string): Promise<void>;
}

/** The interaction details for one person's sign-in. */
export interface InteractionDetails {
  /** The interaction id. */
  uid: string;
  /** What the person must do now: "login" or "consent". */
  prompt: {
    name: string;
    details: {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
  };
  /** The authorization parameters. */
  params: Record<string, string | undefined>;
  /** The signed-in person, once there is one. */
  session?: { accountId?: string };
  /** The existing grant, if any. */
  grantId?: string;
}

/** What an interaction answers. */
export type InteractionResult =
  | { login: { accountId: string } }
  | { consent: { grantId: string } }
  | { error: string; error_description?: string };

/** The oidc-provider instance (a Koa application). */
export interface Provider {
  /** The issuer identifier. */
  issuer: string;
  /** The Node request handler. */
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  /** Adds a middleware before oidc-provider's own routes. */
  use(middleware: Middleware): void;
  /** Listens to provider events. */
  on(event: string, listener: (...args: unknown[]) => void): void;
  /** Adds a grant type to the token endpoint. */
  registerGrantType(
    name: string,
    handler: (ctx: KoaContext) => Promise<void>,
    params?: string[],
  ): void;
  /** The current interaction of this browser. */
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<InteractionDetails>;
  /** Stores the interaction's result and answers where to go on. */
  interactionResult(
    req: IncomingMessage,
    res: ServerResponse,
    result: InteractionResult,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<string>;
  /** Grants. */
  Grant: {
    new (init: { accountId: string; clientId: string }): GrantModel;
    find(id: string): Promise<GrantModel | undefined>;
  };
  /** Access tokens. */
  AccessToken: RevocableByGrant & {
    new (init: Record<string, unknown>): AccessTokenModel;
  };
  /** Refresh tokens. */
  RefreshToken: RevocableByGrant & {
    new (init: Record<string, unknown>): RefreshTokenModel;
    find(
      value: string,
      options?: { ignoreExpiration?: boolean },
    ): Promise<RefreshTokenModel | undefined>;
  };
  /** Device codes. */
  DeviceCode: RevocableByGrant;
  /** Sessions. */
  Session: {
    findByUid(uid: string): Promise<{ destroy(): Promise<void> } | undefined>;
  };
  /** Resource server descriptions. */
  ResourceServer: new (indicator: string, info: ResourceServerInfo) => unknown;
}

/** What oidc-provider needs to know of a resource server. */
export interface ResourceServerInfo {
  /** The scopes it knows. */
  scope: string;
  /** The `aud` of its access tokens. */
  audience: string;
  /** Access token lifetime, seconds. */
  accessTokenTTL: number;
  /** "jwt" or "opaque". */
  accessTokenFormat: "jwt" | "opaque";
  /** Signing options. */
  jwt?: { sign: { alg: string } };
}

/** The error classes oidc-provider exports. */
export interface OidcErrors {
  /** invalid_grant. */
  InvalidGrant: new (description?: string) => Error;
  /** invalid_target. */
  InvalidTarget: new (description?: string) => Error;
}

/** The Provider class. */
export type ProviderConstructor = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => Provider;
