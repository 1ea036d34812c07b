/**
 * What is wrong with a server's answer, as the messages of auth/'s errors
 * say it (the CLI puts "Failed to log in ...: the discovery document is not
 * usable: " or the like before them). They name an endpoint, a field or a
 * host, never a value the server sent: that may be hostile.
 *
 * @module
 */

/** A discovery document's endpoint (`name`) is not on the realm's origin. */
export function endpointOffOrigin(name: string, origin: string): string {
  return `${name} must be on ${origin}, the realm's origin`;
}

/** A device authorization response's link (`name`) is not an http(s) link on the realm's origin. */
export function linkOffOrigin(name: string, origin: string): string {
  return `${name} must be a link on ${origin}, the realm's origin`;
}

/** An answer from `what` at `host` was larger than `mib` MiB. */
export function answerTooLarge(
  what: string,
  host: string,
  mib: number,
): string {
  return `${what} at ${host} sent an answer larger than ${mib} MiB`;
}

/** An answer from `what` at `host` was still arriving after `seconds`. */
export function answerTooSlow(
  what: string,
  host: string,
  seconds: number,
): string {
  return `${what} at ${host} did not send its whole answer within ${seconds} s (PILOT_HTTP_TIMEOUT)`;
}

/** A token field (`name`) that is no RFC 6750 token of at most `kib` KiB. */
export function notAToken(name: string, kib: number): string {
  return `${name} is not a token (RFC 6750 characters, at most ${kib} KiB)`;
}

/** A number field (`name`) outside its range of seconds. */
export function notSeconds(name: string, min: number, max: number): string {
  return `${name} is not a number of seconds from ${min} to ${max}`;
}

/** A number field (`name`) outside its whole-number range. */
export function notWholeSeconds(
  name: string,
  min: number,
  max: number,
): string {
  return `${name} is not a whole number of seconds from ${min} to ${max}`;
}
