import assert from "node:assert/strict";
import { CaFileUnusable, CliError } from "../errors.ts";
import {
  certificateUnknownCa,
  connectionFailureReason,
  proxyNeedsCredentials,
  proxyUnreachable,
} from "../ui/messages.ts";
import { ServerUnreachable } from "../errors.ts";
import { requestJson } from "./http.ts";
import { asCliError } from "../cli/failure.ts";
import {
  bypassesProxy,
  classifyFailure,
  type ClientOptions,
  proxyFor,
  readCaFile,
  readTransportSettings,
  setClientFactory,
  transportFetch,
} from "./transport.ts";

function env(values: Record<string, string>) {
  return { get: (name: string) => values[name] };
}

Deno.test("bypassesProxy follows curl's NO_PROXY rules, with ports", () => {
  const url = new URL("https://iam.example.org/realms/pilot");
  const yes = [
    "*",
    "iam.example.org",
    "IAM.Example.ORG",
    "example.org",
    ".example.org",
    "*.example.org",
    "other.test, example.org",
    "other.test example.org",
    "iam.example.org:443",
    "example.org.",
  ];
  const no = [
    "",
    "ample.org",
    "xiam.example.org",
    "iam.example.org:8443",
    "example.com",
    "*.",
    "other.test",
  ];
  for (const list of yes) assert.ok(bypassesProxy(url, list), list);
  for (const list of no) assert.ok(!bypassesProxy(url, list), list);
  const ip = new URL("https://127.0.0.1:8400/realms/pilot");
  assert.ok(bypassesProxy(ip, "*"));
  assert.ok(bypassesProxy(ip, "127.0.0.1"));
  assert.ok(bypassesProxy(ip, "127.0.0.1:8400"));
  assert.ok(!bypassesProxy(ip, "127.0.0.1:443"));
  assert.ok(!bypassesProxy(ip, "27.0.0.1"));
  const v6 = new URL("https://[::1]:8400/");
  assert.ok(bypassesProxy(v6, "::1"));
  assert.ok(bypassesProxy(v6, "[::1]:8400"));
  assert.ok(!bypassesProxy(v6, "[::1]:1"));
});

Deno.test("proxyFor: the scheme's variable, lowercase first, http:// assumed", () => {
  const https = new URL("https://iam.example.org/");
  const http = new URL("http://127.0.0.1:8400/");
  const settings = readTransportSettings(env({
    HTTPS_PROXY: "http://upper:3128",
    https_proxy: "lower:3128",
    HTTP_PROXY: "http://plain:8080",
    NO_PROXY: "other.test",
  }));
  assert.deepEqual(proxyFor(https, settings), {
    url: "http://lower:3128",
    variable: "https_proxy",
  });
  assert.deepEqual(proxyFor(http, settings), {
    url: "http://plain:8080",
    variable: "HTTP_PROXY",
  });
  assert.equal(
    proxyFor(https, readTransportSettings(env({ HTTP_PROXY: "http://p:1" }))),
    undefined,
  );
  assert.equal(
    proxyFor(
      https,
      readTransportSettings(
        env({ HTTPS_PROXY: "http://p:1", no_proxy: "example.org" }),
      ),
    ),
    undefined,
  );
});

Deno.test("classifyFailure knows Deno's and Node's words for each failure", () => {
  const url = new URL("https://iam.example.org/realms/pilot");
  const proxy = {
    url: "http://someone:hunter2hunter2@proxy.example.org:3128",
    variable: "HTTPS_PROXY",
  };
  const fetchFailed = (message: string, code?: string) => {
    const cause = Object.assign(new Error(message), code ? { code } : {});
    return new TypeError("fetch failed", { cause });
  };
  const cases: [unknown, string | undefined][] = [
    [
      fetchFailed(
        "client error (Connect): invalid peer certificate: UnknownIssuer",
      ),
      "not from a CA this computer trusts",
    ],
    [
      fetchFailed(
        "unable to verify the first certificate",
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      ),
      "not from a CA this computer trusts",
    ],
    [
      fetchFailed(
        'invalid peer certificate: certificate not valid for name "x"',
      ),
      "is for another host name",
    ],
    [
      fetchFailed("Hostname/IP does not match", "ERR_TLS_CERT_ALTNAME_INVALID"),
      "is for another host name",
    ],
    [
      fetchFailed("invalid peer certificate: certificate expired: ..."),
      "has expired",
    ],
    [fetchFailed("certificate has expired", "CERT_HAS_EXPIRED"), "has expired"],
    [
      fetchFailed("client error (Connect): proxy authentication required"),
      "(HTTP 407)",
    ],
    [
      fetchFailed("Proxy response (407) !== 200 when HTTP Tunneling"),
      "(HTTP 407)",
    ],
    [
      fetchFailed("client error (Connect): unsuccessful tunnel"),
      "would not connect to iam.example.org",
    ],
    [
      fetchFailed("Proxy response (502) !== 200 when HTTP Tunneling"),
      "would not connect to iam.example.org",
    ],
    [
      fetchFailed("tcp connect error: Connection refused (os error 111)"),
      "refused the connection",
    ],
    [
      fetchFailed("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED"),
      "refused the connection",
    ],
    [
      fetchFailed("getaddrinfo ENOTFOUND proxy.example.org", "ENOTFOUND"),
      "refused the connection",
    ],
    [fetchFailed("something else entirely"), undefined],
  ];
  for (const [error, expected] of cases) {
    const classified = classifyFailure(error, url, proxy);
    if (expected === undefined) assert.equal(classified, undefined);
    else {
      const message = classified ? connectionFailureReason(classified) : "";
      assert.ok(message.includes(expected), message);
      assert.ok(!message.includes("hunter2"));
      assert.ok(!message.includes("someone"));
    }
  }
  // Without a proxy, a refused connection is no proxy's fault.
  assert.equal(
    classifyFailure(fetchFailed("Connection refused"), url, undefined),
    undefined,
  );
});

Deno.test("a runtime error quoting the proxy URL loses its credentials", () => {
  const proxy = {
    url: "http://someone:p%40ss-hunter2@proxy.example.org:3128",
    variable: "HTTPS_PROXY",
  };
  const error = new TypeError("fetch failed", {
    cause: new Error(
      "proxy authentication required by http://someone:p@ss-hunter2@proxy.example.org:3128",
    ),
  });
  const classified = classifyFailure(
    error,
    new URL("https://iam.example.org/"),
    proxy,
  )!;
  assert.equal(
    connectionFailureReason(classified),
    proxyNeedsCredentials("proxy.example.org:3128", "HTTPS_PROXY"),
  );
  let text = "";
  for (let e: unknown = classified; e instanceof Error; e = e.cause) {
    text += `${e.message}\n${e.stack}\n`;
  }
  assert.ok(!text.includes("hunter2"), text);
  assert.ok(!text.includes("someone"), text);
});

Deno.test("transportFetch: the runtime's fetch when nothing is set, a client per proxy choice else", async () => {
  const made: ClientOptions[] = [];
  const caFile = await Deno.makeTempFile({ suffix: ".pem" });
  await Deno.writeTextFile(
    caFile,
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
  );
  const previous = setClientFactory((options) => {
    made.push(options);
    return () => Promise.resolve(new Response("{}"));
  });
  try {
    let baseCalls = 0;
    const base = () => {
      baseCalls++;
      return Promise.resolve(new Response("{}"));
    };
    await transportFetch(env({}), base)("https://iam.example.org/x");
    assert.equal(baseCalls, 1);
    assert.equal(made.length, 0);

    const fetch = transportFetch(
      env({
        PILOT_CA_FILE: caFile,
        HTTPS_PROXY: "http://proxy.example.org:3128",
        NO_PROXY: "direct.example.org",
      }),
      base,
    );
    await fetch("https://iam.example.org/a");
    await fetch("https://iam.example.org/b");
    await fetch("https://direct.example.org/c");
    assert.equal(baseCalls, 1);
    assert.deepEqual(made.map((options) => options.proxy), [
      "http://proxy.example.org:3128",
      undefined,
    ]);
    assert.ok(made.every((options) => options.caCerts[0].includes("MIIB")));
  } finally {
    setClientFactory(previous);
    await Deno.remove(caFile);
  }
});

Deno.test("a known connection failure is the line of the action that met it", async () => {
  const previous = setClientFactory(() => () => {
    throw new TypeError("fetch failed", {
      cause: new Error("connect ECONNREFUSED 127.0.0.1:9", {
        cause: undefined,
      }),
    });
  });
  try {
    const fetch = transportFetch(
      env({ HTTPS_PROXY: "http://u:secret-pw-99@127.0.0.1:9" }),
    );
    const error = await requestJson("https://iam.example.org/t", {
      fetch,
      what: "the token endpoint",
    }).catch((e) => e);
    assert.ok(error instanceof ServerUnreachable);
    const line = asCliError(error, "Login failed");
    assert.ok(line instanceof CliError);
    assert.equal(
      line.message,
      `Login failed: the token endpoint could not be reached: ${
        proxyUnreachable("127.0.0.1:9", "HTTPS_PROXY")
      }.`,
    );
    const plain = asCliError(
      await requestJson("https://iam.example.org/t", {
        fetch: transportFetch(env({}), () => {
          throw new TypeError("fetch failed", {
            cause: new Error("invalid peer certificate: UnknownIssuer"),
          });
        }),
        what: "the token endpoint",
      }).catch((e) => e),
      "Login failed",
    ) as CliError;
    assert.equal(
      plain.message,
      `Login failed: the token endpoint could not be reached: ${
        certificateUnknownCa("iam.example.org")
      }.`,
    );
  } finally {
    setClientFactory(previous);
  }
});

Deno.test("readCaFile: one line for a missing file or one without a certificate", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/not.pem`, "secret-looking contents");
    for (
      const [path, why] of [
        [`${dir}/none.pem`, "there is no such file"],
        [`${dir}/not.pem`, "it holds no PEM certificate"],
        [dir, "it is a directory"],
      ]
    ) {
      assert.throws(() => readCaFile(path), (error: unknown) => {
        assert.ok(error instanceof CaFileUnusable);
        assert.equal(error.path, path);
        const line = asCliError(error, "unused");
        assert.ok(line instanceof CliError);
        assert.ok(
          line.message.startsWith(
            `PILOT_CA_FILE is not usable: ${path}: ${why}`,
          ),
          line.message,
        );
        assert.ok(!line.message.includes("secret-looking"));
        return true;
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
