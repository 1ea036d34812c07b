/**
 * The reliability suites' names for the CLI runner of tests/e2e/cli.ts, which
 * runs pilotcli with the narrow permissions it ships with, records the
 * argument list and environment of every process it starts (so the secrets
 * suite can check that no secret was on a command line), gives the pid and
 * the time taken, and kills a run that outlives a safety limit.
 *
 * @module
 */

export {
  type CliOptions as RunOptions,
  CliProcess as Cli,
  type CliResult as RunResult,
  runCli,
  type Started,
  started,
} from "../e2e/cli.ts";
