/**
 * Where each command's run function lives: `main` runs the one the
 * arguments name (parse.ts). All are imported statically: in the one-file
 * program of `deno task build`, a module loaded lazily, and every module it
 * imports, is wrapped in an initializer that V8 compiles anew on every run,
 * which cost more than evaluating the few commands a run does not use
 * (docs/benchmarks.md). Only the QR code's encoder loads when used.
 *
 * @module
 */

import { apiCommand } from "./api.ts";
import { completionsCommand } from "./completions.ts";
import { loginCommand } from "./login.ts";
import { logoutCommand } from "./logout.ts";
import {
  profileAddCommand,
  profileListCommand,
  profileRemoveCommand,
  profileUseCommand,
} from "./profile.ts";
import { statusCommand } from "./status.ts";
import { tokenCommand } from "./token.ts";

/** The commands, by their route. */
export const COMMANDS = {
  "user login": loginCommand,
  "user logout": logoutCommand,
  "user status": statusCommand,
  "user token": tokenCommand,
  "api": apiCommand,
  "profile add": profileAddCommand,
  "profile list": profileListCommand,
  "profile use": profileUseCommand,
  "profile remove": profileRemoveCommand,
  "completions": completionsCommand,
} as const;

/** A command's route, such as "user status". */
export type Route = keyof typeof COMMANDS;

/** Whether `route` is the route of a command. */
export function isRoute(route: string): route is Route {
  return Object.hasOwn(COMMANDS, route);
}
