/**
 * Plays the person of a device login over plain HTTP: the fast way for tests.
 * A small cookie jar and manual redirects walk the test identity server's
 * pages (see `pages.ts`): the code confirmation, the sign-in form, the
 * consent form, and the final page.
 *
 * @module
 */

/** Options of {@linkcode approveOverHttp}. */
export interface ApproveOverHttpOptions {
  /** Who signs in. */
  username: string;
  /** Their password; default: the username (any password works in demo mode). */
  password?: string;
  /** Say "No" at the consent page: the client's next poll gets `access_denied`. */
  deny?: boolean;
  /** The user code to type when `verificationUri` does not carry it. */
  userCode?: string;
  /** The fetch to use; default `fetch`. Pass `idp.fetch` for a server on HTTPS (it trusts the test CA). */
  fetch?: typeof fetch;
}

/** Steps taken before giving up on a page loop. */
const MAX_STEPS = 20;

/**
 * Approves (or denies) a device login as a person would: opens
 * `verificationUri` (verification_uri_complete, or verification_uri and then
 * types `userCode`), confirms the code, signs in, and grants access.
 *
 * @throws Error naming the step when a page is not the one expected or the
 * server answers an unexpected status.
 */
export async function approveOverHttp(
  verificationUri: string,
  opts: ApproveOverHttpOptions,
): Promise<void> {
  const agent = new Agent(opts.fetch ?? fetch);
  const url = new URL(verificationUri);
  if (!url.searchParams.has("user_code") && !opts.userCode) {
    throw new Error(
      "approveOverHttp: the verification URI carries no user_code: pass opts.userCode",
    );
  }
  let current = await agent.open("GET", url.href);
  let typedCode = false;
  let signedIn = false;
  let consented = false;

  for (let step = 0; step < MAX_STEPS; step++) {
    const { html } = current;
    if (hasId(html, "device-success")) {
      if (opts.deny) {
        throw new Error(
          "approveOverHttp: the device was signed in although the person denied",
        );
      }
      return;
    }
    if (hasId(html, "device-denied")) {
      if (opts.deny) return;
      throw new Error(
        `approveOverHttp: the sign-in was aborted at ${current.url}`,
      );
    }
    if (hasId(html, "input-error")) {
      throw new Error(
        `approveOverHttp: sign-in of "${opts.username}" failed: ${
          textOf(html, "input-error")
        }`,
      );
    }
    if (hasId(html, "device-error") || hasId(html, "error")) {
      throw new Error(
        `approveOverHttp: error page at ${current.url}: ${
          textOf(html, "device-error") ?? textOf(html, "error")
        }${
          textOf(html, "error-description")
            ? ` (${textOf(html, "error-description")})`
            : ""
        }`,
      );
    }

    const confirm = findForm(html, "op.deviceConfirmForm");
    const entry = findForm(html, "op.deviceInputForm");
    const login = findForm(html, "kc-form-login");
    const consent = findForm(html, "kc-oauth");
    if (confirm) {
      current = await agent.submit(current.url, confirm, {});
    } else if (entry) {
      if (typedCode || !opts.userCode) {
        throw new Error(
          `approveOverHttp: the server asked for the user code again at ${current.url}`,
        );
      }
      typedCode = true;
      current = await agent.submit(current.url, entry, {
        user_code: opts.userCode,
      });
    } else if (login) {
      if (signedIn) {
        throw new Error("approveOverHttp: the sign-in form came back");
      }
      signedIn = true;
      current = await agent.submit(current.url, login, {
        username: opts.username,
        password: opts.password ?? opts.username,
      });
    } else if (consent) {
      if (consented) {
        throw new Error("approveOverHttp: the consent form came back");
      }
      consented = true;
      current = await agent.submit(
        current.url,
        consent,
        opts.deny ? { cancel: "no" } : { accept: "yes" },
      );
    } else {
      // oidc-provider's self-submitting form (user_code from the URI).
      const form = findForm(html);
      if (!form) {
        throw new Error(
          `approveOverHttp: unexpected page at ${current.url}: ${
            excerpt(html)
          }`,
        );
      }
      current = await agent.submit(current.url, form, {});
    }
  }
  throw new Error(`approveOverHttp: gave up after ${MAX_STEPS} pages`);
}

/** A page reached after following redirects. */
interface Page {
  url: string;
  html: string;
}

/** A form on a page. */
interface Form {
  action: string;
  method: string;
  fields: [string, string][];
}

/** fetch with cookies and manual redirects, as a browser would. */
class Agent {
  #cookies = new CookieJar();
  #fetch: typeof fetch;

  /** @param fetchImpl how to send requests */
  constructor(fetchImpl: typeof fetch) {
    this.#fetch = fetchImpl;
  }

  /** Sends a request and follows redirects to the final 200 page. */
  async open(
    method: string,
    url: string,
    body?: URLSearchParams,
  ): Promise<Page> {
    for (let hop = 0; hop < 10; hop++) {
      const headers = new Headers({ accept: "text/html" });
      const cookie = this.#cookies.header(url);
      if (cookie) headers.set("cookie", cookie);
      const response = await this.#fetch(url, {
        method,
        headers,
        body,
        redirect: "manual",
      });
      this.#cookies.store(url, response.headers.getSetCookie());
      const text = await response.text();
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        url = new URL(location, url).href;
        method = "GET";
        body = undefined;
        continue;
      }
      if (response.status !== 200) {
        throw new Error(
          `approveOverHttp: ${method} ${url} answered ${response.status}: ${
            excerpt(text)
          }`,
        );
      }
      return { url, html: text };
    }
    throw new Error(`approveOverHttp: too many redirects from ${url}`);
  }

  /** Submits `form` with its fields, the `extra` ones added or replaced. */
  submit(
    pageUrl: string,
    form: Form,
    extra: Record<string, string>,
  ): Promise<Page> {
    const body = new URLSearchParams(
      form.fields.filter(([name]) => !(name in extra)),
    );
    for (const [name, value] of Object.entries(extra)) body.set(name, value);
    const action = new URL(form.action || pageUrl, pageUrl).href;
    if (form.method === "get") {
      const target = new URL(action);
      target.search = body.toString();
      return this.open("GET", target.href);
    }
    return this.open("POST", action, body);
  }
}

/** Cookies by name and path, sent where their path matches. */
class CookieJar {
  #cookies = new Map<string, { name: string; value: string; path: string }>();

  /** Takes the Set-Cookie headers of a response to `url`. */
  store(url: string, setCookies: string[]): void {
    const requestPath = new URL(url).pathname;
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = requestPath.slice(0, requestPath.lastIndexOf("/")) || "/";
      let expired = false;
      for (const attribute of attributes) {
        const [key, ...rest] = attribute.split("=");
        const attributeValue = rest.join("=").trim();
        switch (key.trim().toLowerCase()) {
          case "path":
            if (attributeValue.startsWith("/")) path = attributeValue;
            break;
          case "max-age":
            if (Number(attributeValue) <= 0) expired = true;
            break;
          case "expires":
            if (Date.parse(attributeValue) <= Date.now()) expired = true;
            break;
        }
      }
      const key = `${name};${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, path });
    }
  }

  /** The Cookie header for a request to `url`, if any cookie applies. */
  header(url: string): string | undefined {
    const path = new URL(url).pathname;
    const matching = [...this.#cookies.values()]
      .filter((c) =>
        path === c.path ||
        path.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`)
      )
      // Longer paths first, as browsers send them.
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length
      ? matching.map((c) => `${c.name}=${c.value}`).join("; ")
      : undefined;
  }
}

/** Whether the page has an element with that id. */
function hasId(html: string, id: string): boolean {
  return new RegExp(`\\sid="${escapeRegExp(id)}"`).test(html);
}

/** The text of the element with that id. */
function textOf(html: string, id: string): string | undefined {
  const match = html.match(
    new RegExp(`\\sid="${escapeRegExp(id)}"[^>]*>([\\s\\S]*?)</`),
  );
  return match
    ? decodeEntities(match[1].replace(/<[^>]*>/g, "")).trim()
    : undefined;
}

/** The form with that id (or the first form), with its named inputs. */
function findForm(html: string, id?: string): Form | undefined {
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = parseAttributes(match[1]);
    if (id !== undefined && attributes.id !== id) continue;
    const fields: [string, string][] = [];
    for (const input of match[2].matchAll(/<input\b([^>]*)>/gi)) {
      const a = parseAttributes(input[1]);
      const type = (a.type ?? "text").toLowerCase();
      if (!a.name || type === "submit" || type === "button") continue;
      fields.push([a.name, a.value ?? ""]);
    }
    return {
      action: attributes.action ?? "",
      method: (attributes.method ?? "get").toLowerCase(),
      fields,
    };
  }
  return undefined;
}

/** The attributes of a tag (its text after the tag name). */
function parseAttributes(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attributes[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3]);
  }
  return attributes;
}

function decodeEntities(text: string): string {
  return text.replace(
    /&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi,
    (_all, entity: string) => {
      const named: Record<string, string> = {
        amp: "&",
        lt: "<",
        gt: ">",
        quot: '"',
        apos: "'",
      };
      const lower = entity.toLowerCase();
      if (lower.startsWith("#x")) {
        return String.fromCodePoint(parseInt(lower.slice(2), 16));
      }
      if (lower.startsWith("#")) {
        return String.fromCodePoint(parseInt(lower.slice(1), 10));
      }
      return named[lower];
    },
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A short, one-line piece of a page for error messages. */
function excerpt(html: string): string {
  const text = html.replace(/<style[\s\S]*?<\/style>/gi, "")
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
