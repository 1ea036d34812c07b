import assert from "node:assert/strict";
import {
  discover,
  type DiscoveryCache,
  DiscoveryError,
  parseDiscovery,
} from "./discovery.ts";

const REALM = "https://iam.example.org/realms/pilot";
const DOC = {
  issuer: REALM,
  token_endpoint: `${REALM}/protocol/openid-connect/token`,
  device_authorization_endpoint: `${REALM}/protocol/openid-connect/auth/device`,
  revocation_endpoint: `${REALM}/protocol/openid-connect/revoke`,
  end_session_endpoint: `${REALM}/protocol/openid-connect/logout`,
};

function memoryCache(): DiscoveryCache & { text?: string } {
  const cache: DiscoveryCache & { text?: string } = {
    read: () => Promise.resolve(cache.text),
    write: (text) => {
      cache.text = text;
      return Promise.resolve();
    },
  };
  return cache;
}

function countingFetch(body: unknown = DOC, status = 200) {
  const urls: string[] = [];
  const fetch = (url: string | URL | Request) => {
    urls.push(String(url));
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  };
  return { fetch: fetch as typeof globalThis.fetch, urls };
}

Deno.test("parseDiscovery requires the issuer to be the realm URL (OIDC Discovery §4.3)", () => {
  assert.throws(
    () => parseDiscovery({ ...DOC, issuer: "https://evil.example" }, REALM),
    DiscoveryError,
  );
  assert.throws(
    () => parseDiscovery({ issuer: REALM }, REALM),
    /token_endpoint is missing/,
  );
  const endpoints = parseDiscovery(DOC, REALM);
  assert.equal(endpoints.revocationEndpoint, DOC.revocation_endpoint);
});

Deno.test("discover fetches the well-known document once and then uses the cache for an hour", async () => {
  const cache = memoryCache();
  const { fetch, urls } = countingFetch();
  await discover(REALM, { fetch, cache, nowSeconds: 1000 });
  await discover(REALM, { fetch, cache, nowSeconds: 1000 + 3599 });
  assert.deepEqual(urls, [`${REALM}/.well-known/openid-configuration`]);
  await discover(REALM, { fetch, cache, nowSeconds: 1000 + 3601 });
  assert.equal(urls.length, 2);
});

Deno.test("discover ignores a cache made for another realm", async () => {
  const cache = memoryCache();
  await discover(REALM, { fetch: countingFetch().fetch, cache, nowSeconds: 0 });
  const other = "https://iam.example.org/realms/other";
  const { fetch, urls } = countingFetch({ ...DOC, issuer: other });
  const endpoints = await discover(other, { fetch, cache, nowSeconds: 1 });
  assert.equal(urls.length, 1);
  assert.equal(endpoints.issuer, other);
});

Deno.test("discover reports an error status", async () => {
  await assert.rejects(
    discover(REALM, { fetch: countingFetch({}, 404).fetch, nowSeconds: 0 }),
    /HTTP 404/,
  );
});

Deno.test("parseDiscovery refuses every endpoint off the realm's origin: scheme, host and port", () => {
  const origin = "https://iam.example.org";
  const path = "/realms/pilot/protocol/openid-connect/x";
  for (
    const name of [
      "token_endpoint",
      "device_authorization_endpoint",
      "revocation_endpoint",
      "end_session_endpoint",
    ]
  ) {
    for (
      const url of [
        `http://iam.example.org${path}`,
        `https://iam.example.org:8443${path}`,
        `https://evil.example${path}`,
        `https://iam.example.org.evil.example${path}`,
        `https://user:pw@iam.example.org${path}`,
      ]
    ) {
      assert.throws(
        () => parseDiscovery({ ...DOC, [name]: url }, REALM),
        (e) =>
          e instanceof DiscoveryError &&
          e.message ===
            `the discovery document is not usable: ${name} must be on ${origin}, the realm's origin`,
        `${name}: ${url}`,
      );
    }
  }
  // The default port is the same origin.
  assert.equal(
    parseDiscovery({
      ...DOC,
      token_endpoint: `https://iam.example.org:443${path}`,
    }, REALM).tokenEndpoint,
    `https://iam.example.org${path}`,
  );
});

Deno.test("discover refuses a cached document off the realm's origin and fetches a good one", async () => {
  const cache = memoryCache();
  cache.text = JSON.stringify({
    fetchedAt: 0,
    document: { ...DOC, token_endpoint: "http://iam.example.org/token" },
  });
  const { fetch, urls } = countingFetch();
  const endpoints = await discover(REALM, { fetch, cache, nowSeconds: 1 });
  assert.equal(urls.length, 1);
  assert.equal(endpoints.tokenEndpoint, DOC.token_endpoint);
});

Deno.test("discover refuses a fetched document off the realm's origin and caches nothing", async () => {
  const cache = memoryCache();
  const { fetch } = countingFetch({
    ...DOC,
    revocation_endpoint: "https://iam.example.org:444/revoke",
  });
  await assert.rejects(
    discover(REALM, { fetch, cache, nowSeconds: 0 }),
    /revocation_endpoint must be on https:\/\/iam\.example\.org, the realm's origin/,
  );
  assert.equal(cache.text, undefined);
});
