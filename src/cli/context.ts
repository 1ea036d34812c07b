/**
 * What a command's run function is given: the terminal, the environment,
 * the network, the clock and the session store. `runtimeContext` wires the
 * real ones; tests hand in their own.
 *
 * @module
 */

import type { Clock } from "../auth/device.ts";
import type { Fetch } from "../auth/http.ts";
import type { Env } from "../config.ts";
import type { LockOptions } from "../session/lock.ts";
import type { SessionStore } from "../session/store.ts";
import type { LineReader, TextWriter } from "../ui/io.ts";

/** The collaborators of every command. */
export interface Context {
  /** Data goes here (a token, JSON). */
  readonly stdout: TextWriter;
  /** Messages go here (progress, questions, errors). */
  readonly stderr: TextWriter;
  /** Lines typed or piped in. */
  readonly stdin: LineReader;
  /** The environment. */
  readonly env: Env;
  /** The operating system, as `Deno.build.os` names it. */
  readonly os: string;
  /** The network. */
  readonly fetch: Fetch;
  /** The clock. */
  readonly clock: Clock;
  /** Aborts on Ctrl-C. */
  readonly signal: AbortSignal;
  /**
   * How the session store and the config file wait for another process's
   * lock: Ctrl-C ends the wait.
   */
  readonly lock: LockOptions;
  /**
   * The session store of a config dir, of `profile` or else the one of
   * PILOT_AUTH_URL.
   */
  openStore(dir: string, profile?: string): SessionStore;
}
