/**
 * The plain HTML pages of the test identity server. Element ids follow
 * Keycloak's own templates where Keycloak has the page, so that a test or a
 * person driving a browser finds the same handles:
 *
 * - device code entry: the form `#op.deviceInputForm` (oidc-provider's) with the
 *   input `[name=user_code]`, submitted by `#device-submit`;
 * - device code confirmation: `#device-confirm` submits the form
 *   `#op.deviceConfirmForm`, `#device-abort` aborts the sign-in;
 * - sign-in: the form `#kc-form-login` with `#username`, `#password` and the
 *   submit button `#kc-login`; a failed attempt shows `#input-error`;
 * - consent: the form `#kc-oauth` with `#kc-login` (name `accept`, "Yes") and
 *   `#kc-cancel` (name `cancel`, "No");
 * - the end of the device flow: `#device-success`, or `#device-denied` when
 *   the person said no; errors show `#error` (and `#device-error`).
 *
 * @module
 */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A whole page: `title` and the already-escaped `body`. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:sans-serif;max-width:28em;margin:3em auto;padding:0 1em}
label,input,button{display:block;margin:.4em 0}
.error{color:#b00020}
code{font-size:1.5em}
</style>
</head>
<body>
<h1 id="kc-page-title">${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

/** What went wrong on the code entry page, if anything. */
export type CodeEntryProblem =
  | "none"
  | "denied"
  | "wrong-code"
  | "expired"
  | "used"
  | "error";

/**
 * The page that asks for the user code. `form` is oidc-provider's form (it
 * carries the xsrf token and the `user_code` input).
 */
export function codeEntryPage(form: string, problem: CodeEntryProblem): string {
  const message = {
    none: `<p id="device-instruction">Enter the code shown by your device.</p>`,
    denied:
      `<p id="device-denied" class="error">Access was denied: the sign-in request was aborted.</p>`,
    "wrong-code":
      `<p id="device-error" class="error">Invalid code, please try again.</p>`,
    expired:
      `<p id="device-error" class="error">The code has expired. Please go back to your device and try connecting again.</p>`,
    used:
      `<p id="device-error" class="error">The code has already been used.</p>`,
    error:
      `<p id="device-error" class="error">There was an error processing your request.</p>`,
  }[problem];
  return page(
    "Device Login",
    `${message}
${form}
<button id="device-submit" type="submit" form="op.deviceInputForm">Submit</button>`,
  );
}

/** The page that asks to confirm that the code is the device's. */
export function codeConfirmPage(
  form: string,
  clientName: string,
  userCode: string,
): string {
  return page(
    "Device Login",
    `<p>Do you want to sign in <strong id="client-name">${
      escapeHtml(clientName)
    }</strong>? Check that your device shows this code:</p>
<p><code id="user-code">${escapeHtml(userCode)}</code></p>
${form}
<button id="device-confirm" type="submit" form="op.deviceConfirmForm">Confirm</button>
<button id="device-abort" type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button>`,
  );
}

/** The page shown once the device is signed in. */
export function deviceSuccessPage(clientName: string): string {
  return page(
    "Device Login Successful",
    `<p id="device-success">Device login successful: ${
      escapeHtml(clientName)
    } is signed in. You may close this page.</p>`,
  );
}

/** The sign-in form, posting to `action`. */
export function loginPage(
  action: string,
  username = "",
  error?: string,
): string {
  return page(
    "Sign in to pilot",
    `${
      error
        ? `<p id="input-error" class="error">${escapeHtml(error)}</p>\n`
        : ""
    }<form id="kc-form-login" method="post" action="${escapeHtml(action)}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" value="${
      escapeHtml(username)
    }" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<input id="kc-login" name="login" type="submit" value="Sign In">
</form>`,
  );
}

/** The consent form ("Do you grant these access privileges?"), posting to `action`. */
export function consentPage(
  action: string,
  clientName: string,
  scopes: string[],
): string {
  const items = scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("");
  return page(
    "Grant Access",
    `<p>Do you grant <strong id="client-name">${
      escapeHtml(clientName)
    }</strong> these access privileges?</p>
<ul id="scopes">${items}</ul>
<form id="kc-oauth" method="post" action="${escapeHtml(action)}">
<button id="kc-login" name="accept" value="yes" type="submit">Yes</button>
<button id="kc-cancel" name="cancel" value="no" type="submit">No</button>
</form>`,
  );
}

/** An error page. */
export function errorPage(error: string, description?: string): string {
  return page(
    "We are sorry...",
    `<p id="error" class="error">${escapeHtml(error)}</p>${
      description
        ? `\n<p id="error-description">${escapeHtml(description)}</p>`
        : ""
    }`,
  );
}

/** The RP-initiated logout confirmation (GET on the logout endpoint). */
export function logoutPage(form: string): string {
  return page(
    "Logging out",
    `<p>Do you want to log out?</p>
${form}
<button id="kc-logout" type="submit" form="op.logoutForm" name="logout" value="yes">Logout</button>`,
  );
}

/** The page after an RP-initiated logout. */
export function loggedOutPage(): string {
  return page(
    "You are logged out",
    `<p id="logout-success">You are logged out.</p>`,
  );
}
