/**
 * The reliability suites' names for the CLI runner of tests/e2e/cli.ts, which
 * runs pilotcli with the narrow permissions it ships with, records the
 * argument list of every process it starts (so the secrets suite can check
 * that no secret was on a command line), the time taken, and kills a run
 * that outlives a safety limit.
 *
 * @module
 */

export {
  CliProcess as Cli,
  type CliResult as RunResult,
  runCli,
  started,
} from "../e2e/cli.ts";
