/**
 * Keeps secrets out of everything pilotcli prints. Tokens and API keys are
 * registered the moment the CLI holds them; `redact` removes them, and any
 * JWT- or API-key-URL-shaped text, from a line before it is shown.
 *
 * @module
 */

const secrets = new Set<string>();

/** Marks a value (token, API key) that must never be printed. */
export function registerSecret(value: string | undefined): void {
  // Very short values would blank out ordinary words; real secrets are long.
  if (value && value.length >= 8) secrets.add(value);
}

/** Returns `text` with every registered secret and token-shaped string replaced. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.replaceAll(secret, "[redacted]");
  return out
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, "[redacted]")
    .replace(/(\/api-key\/)[^/\s"'?#):,;]+/g, "$1[redacted]");
}
