import assert from "node:assert/strict";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

Deno.test("deno task idp --tls prints the https issuer and the CA file to trust", async () => {
  const tasks = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  ).tasks as Record<string, string>;
  // The task's own permission flags, so that the test fails when they do.
  const flags = tasks.idp.split(" ").filter((word) => word.startsWith("--"));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...flags, MAIN, "--tls"],
    env: { PILOT_IDP_PORT: "0", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (!out.includes("Press Ctrl-C")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  const issuer = out.match(
    /issuer +(https:\/\/127\.0\.0\.1:\d+\/realms\/pilot)/,
  )
    ?.[1];
  const caFile = out.match(/CA to trust +(\S+)/)?.[1];
  assert.ok(issuer && caFile, out);
  assert.ok(out.includes(`export PILOT_CA_FILE=${caFile}`), out);
  const client = Deno.createHttpClient({
    caCerts: [await Deno.readTextFile(caFile)],
  });
  try {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`, {
      client,
    });
    assert.equal((await response.json()).issuer, issuer);
  } finally {
    client.close();
  }
  child.kill("SIGINT");
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
  await child.stderr.cancel();
  assert.equal((await child.status).code, 0);
  // The CA made at start goes with the server.
  await assert.rejects(Deno.stat(caFile), Deno.errors.NotFound);
});
