import assert from "node:assert/strict";
import * as library from "./lib.ts";
import { PilotError, SessionNotSaved } from "./errors.ts";
import { sampleSession, SECRET } from "./session/testdata/fixtures.ts";

Deno.test("every error class the library exports is a PilotError named as it is exported", () => {
  const classes = Object.entries(library).filter(([, value]) =>
    typeof value === "function" && value.prototype instanceof Error
  );
  assert.ok(classes.length > 10, classes.map(([name]) => name).join());
  for (const [exported, value] of classes) {
    const Class = value as unknown as new (...args: never[]) => Error;
    // Constructed with placeholder arguments: the name is set either way.
    const error = Reflect.construct(Class, [
      "dir",
      "file",
      "open-mode",
      { mode: 0o644 },
    ]);
    assert.ok(error instanceof PilotError, exported);
    assert.equal(error.name, exported);
  }
});

Deno.test("SessionNotSaved keeps its session out of what printing the error shows", () => {
  const session = sampleSession({ apiKey: "pk-" + SECRET, method: "api-key" });
  const error = new SessionNotSaved(session, "/x/session.json", "disk full");
  assert.equal(error.session, session);
  const shown = [
    Deno.inspect(error, { depth: Infinity }),
    JSON.stringify(error),
    String(error),
    JSON.stringify({ ...error }),
  ].join("\n");
  assert.ok(!shown.includes(SECRET), shown);
});
