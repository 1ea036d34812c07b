/**
 * Plays the person of a device login in a real browser: Debian's Chromium,
 * headless, driven by playwright-core (which never downloads a browser), with
 * a fresh profile that is removed afterwards.
 *
 * @module
 */

import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";

/** Options of {@linkcode approveInBrowser}. */
export interface ApproveInBrowserOptions {
  /** Who signs in. */
  username: string;
  /** Their password; default: the username (any password works in demo mode). */
  password?: string;
  /** Say "No" at the consent page: the client's next poll gets `access_denied`. */
  deny?: boolean;
}

/** Chromium's flags for a quiet, offline, headless run in a container. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** How long one page step may take. */
const STEP_TIMEOUT_MS = 15_000;

/**
 * Approves (or denies) a device login in headless Chromium: opens
 * `verificationUri` (verification_uri_complete), confirms the code, signs in
 * and answers the consent page. The browser at CHROMIUM_PATH (default
 * /usr/bin/chromium) is always closed and its profile removed.
 *
 * @throws Error naming the step when a page is not the one expected.
 */
export async function approveInBrowser(
  verificationUri: string,
  opts: ApproveInBrowserOptions,
): Promise<void> {
  const profile = await Deno.makeTempDir({ prefix: "pilot-idp-chromium-" });
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: Deno.env.get("CHROMIUM_PATH") || "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);

    await page.goto(verificationUri);
    // oidc-provider's page posts the code itself, then asks to confirm it.
    await expectPage(page, "#device-confirm", "code confirmation");
    await page.click("#device-confirm");

    await expectPage(page, "#kc-form-login", "sign-in");
    await page.fill("#username", opts.username);
    await page.fill("#password", opts.password ?? opts.username);
    await page.click("#kc-form-login #kc-login");

    const afterLogin = await expectPage(
      page,
      "#kc-oauth",
      "sign-in",
      ["#device-success", "#device-denied"],
    );
    if (afterLogin === "#kc-oauth") {
      await page.click(
        opts.deny ? "#kc-oauth #kc-cancel" : "#kc-oauth #kc-login",
      );
    }

    const end = await expectPage(
      page,
      opts.deny ? "#device-denied" : "#device-success",
      opts.deny ? "denied" : "success",
      [opts.deny ? "#device-success" : "#device-denied"],
    );
    if (end !== (opts.deny ? "#device-denied" : "#device-success")) {
      throw new Error(
        `approveInBrowser: expected the ${
          opts.deny ? "denied" : "success"
        } page, got ${end} at ${page.url()}`,
      );
    }
  } finally {
    await context?.close();
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/**
 * Waits for `selector` (or one of `alternatives`), failing at once on an
 * error page or a failed sign-in; answers the selector found.
 */
async function expectPage(
  page: Page,
  selector: string,
  step: string,
  alternatives: string[] = [],
): Promise<string> {
  const problems = ["#input-error", "#error", "#device-error"];
  const wanted = [selector, ...alternatives];
  const any = [...wanted, ...problems].join(", ");
  try {
    await page.locator(any).first().waitFor({ state: "attached" });
  } catch (cause) {
    throw new Error(
      `approveInBrowser: no ${step} page at ${page.url()}`,
      { cause },
    );
  }
  for (const candidate of wanted) {
    if (await page.locator(candidate).count() > 0) return candidate;
  }
  for (const problem of problems) {
    const found = page.locator(problem);
    if (await found.count() > 0) {
      throw new Error(
        `approveInBrowser: ${step}: ${
          (await found.first().textContent())?.trim()
        } at ${page.url()}`,
      );
    }
  }
  throw new Error(`approveInBrowser: no ${step} page at ${page.url()}`);
}
