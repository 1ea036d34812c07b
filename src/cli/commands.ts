/**
 * Where each command's run function lives: `main` loads the one the
 * arguments name (parse.ts). `user status` and `user token`, which scripts
 * run most and which need the session's modules anyway, are imported
 * statically; the others load only when they run (docs/benchmarks.md).
 *
 * @module
 */

import { statusCommand } from "./status.ts";
import { tokenCommand } from "./token.ts";

/** The loaders of the commands, by their route. */
export const COMMANDS = {
  "user login": async () => (await import("./login.ts")).loginCommand,
  "user logout": async () => (await import("./logout.ts")).logoutCommand,
  "user status": () => Promise.resolve(statusCommand),
  "user token": () => Promise.resolve(tokenCommand),
  "api": async () => (await import("./api.ts")).apiCommand,
  "profile add": async () => (await import("./profile.ts")).profileAddCommand,
  "profile list": async () => (await import("./profile.ts")).profileListCommand,
  "profile use": async () => (await import("./profile.ts")).profileUseCommand,
  "profile remove": async () =>
    (await import("./profile.ts")).profileRemoveCommand,
  "completions": async () =>
    (await import("./completions.ts")).completionsCommand,
} as const;

/** A command's route, such as "user status". */
export type Route = keyof typeof COMMANDS;

/** Whether `route` is the route of a command. */
export function isRoute(route: string): route is Route {
  return Object.hasOwn(COMMANDS, route);
}
