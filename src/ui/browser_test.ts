import assert from "node:assert/strict";
import {
  type ExitStatus,
  isDesktop,
  openableLink,
  openBrowser,
  openers,
  type Spawner,
} from "./browser.ts";
import {
  BROWSER_LINK_REFUSED,
  browserFailed,
  browserNotAllowed,
  OPENING_BROWSER,
} from "./messages.ts";

const env = (vars: Record<string, string>) => ({ get: (n: string) => vars[n] });

const LINK = "https://iam.example.org/realms/pilot/device?user_code=ABCD-EFGH";

Deno.test("openers: the platform's, with no shell", () => {
  assert.deepEqual(openers("linux", env({})), [
    { command: "xdg-open", args: [] },
  ]);
  assert.deepEqual(openers("freebsd", env({})), [
    { command: "xdg-open", args: [] },
  ]);
  assert.deepEqual(openers("darwin", env({})), [{ command: "open", args: [] }]);
  assert.deepEqual(openers("windows", env({})), [
    { command: "rundll32", args: ["url.dll,FileProtocolHandler"] },
  ]);
});

Deno.test("openers: BROWSER is a list of programs, separated as PATH is", () => {
  assert.deepEqual(
    openers("linux", env({ BROWSER: "firefox: /opt/my browser/run ::" })),
    [
      { command: "firefox", args: [] },
      { command: "/opt/my browser/run", args: [] },
    ],
  );
  assert.deepEqual(
    openers("windows", env({ BROWSER: "C:\\Apps\\ff.exe;edge" })),
    [{ command: "C:\\Apps\\ff.exe", args: [] }, { command: "edge", args: [] }],
  );
  // Empty or blank: the platform's.
  assert.deepEqual(openers("darwin", env({ BROWSER: " : " })), [
    { command: "open", args: [] },
  ]);
});

Deno.test("isDesktop: a graphical session, not over SSH, not in CI", () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ["linux", {}, false],
    ["linux", { DISPLAY: ":0" }, true],
    ["linux", { WAYLAND_DISPLAY: "wayland-0" }, true],
    [
      "linux",
      { DISPLAY: ":0", SSH_CONNECTION: "10.0.0.1 22 10.0.0.2 22" },
      false,
    ],
    ["linux", { DISPLAY: ":0", SSH_TTY: "/dev/pts/1" }, false],
    ["linux", { DISPLAY: ":0", CI: "true" }, false],
    ["linux", { DISPLAY: ":0", CI: "1" }, false],
    ["linux", { DISPLAY: ":0", CI: "false" }, true],
    ["linux", { DISPLAY: ":0", CI: "0" }, true],
    ["darwin", {}, true],
    ["darwin", { SSH_CONNECTION: "x" }, false],
    ["windows", {}, true],
    ["windows", { CI: "true" }, false],
  ];
  for (const [os, vars, expected] of cases) {
    assert.equal(
      isDesktop(os, env(vars)),
      expected,
      `${os} ${JSON.stringify(vars)}`,
    );
  }
});

Deno.test("openableLink: only absolute http(s) URLs, normalized", () => {
  assert.equal(openableLink(LINK), LINK);
  assert.equal(
    openableLink("http://127.0.0.1:8400/device?user_code=A B"),
    "http://127.0.0.1:8400/device?user_code=A%20B",
  );
  for (
    const bad of [
      "javascript:alert(1)",
      "file:///etc/passwd",
      "-x https://example.org",
      "/relative",
      "",
    ]
  ) {
    assert.equal(openableLink(bad), undefined, bad);
  }
});

/** A spawner that records its runs and answers from a script. */
function fakeSpawner(
  allowed: string[],
  answers: Record<string, ExitStatus | Error>,
) {
  const runs: [string, readonly string[]][] = [];
  const spawner: Spawner = {
    permitted: (command) => allowed.includes(command),
    run(command, args) {
      runs.push([command, args]);
      const answer = answers[command];
      return answer instanceof Error
        ? Promise.reject(answer)
        : Promise.resolve(answer ?? { success: true, code: 0 });
    },
  };
  return { spawner, runs };
}

async function open(
  link: string,
  os: string,
  vars: Record<string, string>,
  spawner: Spawner,
): Promise<string[]> {
  const said: string[] = [];
  await openBrowser(link, {
    os,
    env: env(vars),
    spawner,
    say: (line) => said.push(line),
  });
  return said;
}

Deno.test("openBrowser: the link is the opener's one argument after its own", async () => {
  const { spawner, runs } = fakeSpawner(["xdg-open", "rundll32"], {});
  assert.deepEqual(await open(LINK, "linux", {}, spawner), [OPENING_BROWSER]);
  assert.deepEqual(await open(LINK, "windows", {}, spawner), [
    OPENING_BROWSER,
  ]);
  assert.deepEqual(runs, [
    ["xdg-open", [LINK]],
    ["rundll32", ["url.dll,FileProtocolHandler", LINK]],
  ]);
});

Deno.test("openBrowser: no permission for any opener is one line naming the flag", async () => {
  const { spawner, runs } = fakeSpawner([], {});
  assert.deepEqual(await open(LINK, "linux", {}, spawner), [
    browserNotAllowed(["xdg-open"]),
  ]);
  assert.deepEqual(
    await open(LINK, "linux", { BROWSER: "firefox:chromium" }, spawner),
    [browserNotAllowed(["firefox", "chromium"])],
  );
  assert.equal(
    browserNotAllowed(["firefox", "chromium"]),
    "Could not open the browser: pilotcli may not run firefox or chromium (or it is not installed), so it needs --allow-run=firefox,chromium: add it to the `deno run` or `deno install` line, or open the link above yourself.",
  );
  assert.deepEqual(runs, []);
});

Deno.test("openBrowser: a missing program is skipped for the next; the last says why", async () => {
  const missing = new Deno.errors.NotFound("No such file or directory");
  const { spawner, runs } = fakeSpawner(["a", "b", "c"], {
    a: missing,
    b: { success: false, code: 3 },
  });
  assert.deepEqual(await open(LINK, "linux", { BROWSER: "a:b:c" }, spawner), [
    OPENING_BROWSER,
    browserFailed("b", "exited with code 3"),
  ]);
  assert.deepEqual(runs.map(([command]) => command), ["a", "b"]);
  const alone = fakeSpawner(["a"], { a: missing });
  assert.deepEqual(await open(LINK, "linux", { BROWSER: "a" }, alone.spawner), [
    OPENING_BROWSER,
    "Could not open the browser: a was not found. Open the link above yourself.",
  ]);
  const broken = fakeSpawner(["a", "b"], { a: new Error("EACCES") });
  assert.deepEqual(
    await open(LINK, "linux", { BROWSER: "a:b" }, broken.spawner),
    [OPENING_BROWSER, browserFailed("a", "could not be started (EACCES)")],
  );
});

Deno.test("openBrowser: a link that is not http(s) is never handed over", async () => {
  const { spawner, runs } = fakeSpawner(["xdg-open"], {});
  assert.deepEqual(await open("javascript:alert(1)", "linux", {}, spawner), [
    BROWSER_LINK_REFUSED,
  ]);
  assert.deepEqual(runs, []);
});
