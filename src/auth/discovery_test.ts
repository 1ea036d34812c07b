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
