/**
 * The real clock, for the CLI and the library alike.
 *
 * @module
 */

import type { Clock } from "../auth/device.ts";
import { sleep } from "../sleep.ts";

/** The real clock; `sleep` ends early, rejecting, when the signal aborts. */
export const systemClock: Clock = { now: () => Date.now(), sleep };
