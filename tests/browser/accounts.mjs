// Browser test of the account pages, end to end in Debian's Chromium: sign up, follow
// the verification mail, sign in, turn on two-factor sign-in with a code computed here
// (RFC 6238), keep the recovery codes, sign out and in again with the app code and with
// a recovery code, create and revoke an API key, revoke another browser's session, and
// reset a forgotten password from its mail.
//
//   node tests/browser/accounts.mjs BASE_URL MAIL_DIR
//
// MAIL_DIR is where an SMTP sink (crates/server/tests/smtp/sink.py) writes the server's
// mail as .eml files. CHROMIUM overrides the browser path (default /usr/bin/chromium);
// SCREENSHOT_DIR, if set, receives a full-page screenshot at each step worth seeing.

import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const base = (process.argv[2] || "").replace(/\/$/, "");
const mailDir = process.argv[3];
if (!/^https?:\/\//.test(base) || !mailDir) {
  console.error("usage: node accounts.mjs BASE_URL MAIL_DIR");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const screenshotDir = process.env.SCREENSHOT_DIR;
if (screenshotDir) mkdirSync(screenshotDir, { recursive: true });

async function shot(page, name) {
  if (screenshotDir) await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

const EMAIL = `ada.${Date.now()}@example.com`;
const PASSWORD = "tangerine pelican orbit 42";
const NEW_PASSWORD = "marmalade glacier violin 77";

// ---- RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s) ----

function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of text.replace(/[\s=]/g, "").toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

const step = (ms = Date.now()) => Math.floor(ms / 1000 / 30);

function totp(secret, counter = step()) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const hmac = createHmac("sha1", base32Decode(secret)).update(message).digest();
  const offset = hmac[hmac.length - 1] & 0x0f;
  const binary = hmac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}

// RFC 6238 appendix B, SHA-1, 8 digits truncated to our 6: checks the code above.
{
  const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
  const expect = { 59: "287082", 1111111109: "081804", 1234567890: "005924" };
  for (const [seconds, code] of Object.entries(expect)) {
    const got = totp(secret, Math.floor(Number(seconds) / 30));
    if (got !== code) throw new Error(`TOTP self-check failed at ${seconds}: ${got} != ${code}`);
  }
}

/** Waits until the 30-second step is past `used`, since a code works once. */
async function nextStep(used) {
  while (step() <= used) await new Promise((r) => setTimeout(r, 500));
  return step();
}

// ---- Mail from the SMTP sink ----

const seen = new Set();

function decodePart(part) {
  const split = part.search(/\r?\n\r?\n/);
  if (split < 0) return part;
  const headers = part.slice(0, split);
  const body = part.slice(split).trim();
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") {
    return body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  }
  return body;
}

/** Every part of a raw message, decoded, as one text. */
function decodeMessage(raw) {
  const boundaries = [...raw.matchAll(/boundary="?([^";\r\n]+)"?/gi)].map((m) => m[1]);
  let parts = [raw];
  for (const boundary of boundaries) {
    parts = parts.flatMap((p) => p.split(`--${boundary}`));
  }
  return parts.map(decodePart).join("\n");
}

/** The path and token of the newest unread mail to `to` that links to `path`. */
async function mailLink(to, path) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const names = readdirSync(mailDir)
      .filter((n) => n.endsWith(".eml") && !seen.has(n))
      .sort();
    for (const name of names) {
      const raw = readFileSync(join(mailDir, name), "utf8");
      if (!raw.toLowerCase().includes(to.toLowerCase())) continue;
      const text = decodeMessage(raw);
      const escaped = path.replace(/[?]/g, "\\?");
      const match = new RegExp(`${escaped}\\?token=([A-Za-z0-9_-]+)`).exec(text);
      if (match) {
        seen.add(name);
        return `${path}?token=${match[1]}`;
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no mail to ${to} with a ${path} link within 90 s`);
}

// ---- The test ----

const problems = [];
let checks = 0;

function check(condition, what) {
  checks += 1;
  if (condition) {
    console.log(`ok    ${what}`);
  } else {
    console.log(`FAIL  ${what}`);
    problems.push(what);
  }
}

/** Requests each page has sent and not yet seen answered, for a timeout's report. */
const inFlight = new WeakMap();

/** A page that records script errors and failed sub-resources. */
async function open(context, label) {
  const page = await context.newPage();
  const pending = new Map();
  inFlight.set(page, pending);
  page.on("request", (request) => pending.set(request, Date.now()));
  page.on("requestfinished", (request) => pending.delete(request));
  page.on("requestfailed", (request) => pending.delete(request));
  page.on("pageerror", (error) => problems.push(`${label}: page error: ${error.message}`));
  page.on("console", (msg) => {
    // A refused form answers 422 on purpose; Chromium logs the document's status.
    if (msg.type() === "error" && !/status of 4\d\d/.test(msg.text())) {
      problems.push(`${label}: console error: ${msg.text()}`);
    }
  });
  page.on("response", (response) => {
    if (!response.request().isNavigationRequest() && response.status() >= 400) {
      problems.push(`${label}: ${response.status()} for ${response.url()}`);
    }
  });
  return page;
}

const path = (page) => {
  const url = new URL(page.url());
  return url.pathname + url.search;
};

/** What a page was doing when a wait on it failed: where it is, what it still awaits. */
function whereStuck(page) {
  const now = Date.now();
  const open = [...(inFlight.get(page) || new Map())].map(
    ([request, since]) => `${request.method()} ${request.url()} (open ${now - since} ms)`,
  );
  return `at ${page.url()}; requests unanswered: ${open.length ? open.join(", ") : "none"}`;
}

async function submit(page, form, button) {
  try {
    await Promise.all([
      page.waitForNavigation({ waitUntil: "load" }),
      page.locator(form).getByRole("button", { name: button }).click(),
    ]);
  } catch (error) {
    throw new Error(`"${button}" in ${form}: ${error.message}\n  ${whereStuck(page)}`);
  }
}

async function signIn(page, password = PASSWORD) {
  await page.goto(`${base}/signin`);
  await page.fill("#email", EMAIL);
  await page.fill("#password", password);
  await submit(page, "form[action='/signin']", "Sign in");
}

async function signOut(page) {
  await submit(page, "form.nav-form", "Sign out");
  check(path(page) === "/signin?notice=signed-out", `signed out (at ${path(page)})`);
}

async function useRecoveryCode(page, code) {
  await page.locator("details summary").click();
  await page.fill("#recovery_code", code);
  await submit(page, "form[action='/signin/2fa']", "Continue");
}

async function apiStatus(key) {
  const response = await fetch(`${base}/api/v1/account`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return response.status;
}

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
try {
  const main = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await open(main, "main");

  // Sign up, with a refused weak password first.
  await page.goto(`${base}/signup`);
  await page.fill("#email", EMAIL);
  await page.fill("#name", "Ada");
  await page.fill("#password", "password1");
  await submit(page, "form[action='/signup']", "Sign up");
  check((await page.locator(".advice li").count()) > 0, "a weak password shows the advice");
  await shot(page, "01-signup-weak-password");
  check((await page.inputValue("#email")) === EMAIL, "the email stays in the form");
  await page.fill("#password", PASSWORD);
  await submit(page, "form[action='/signup']", "Sign up");
  check(path(page) === "/signup/sent", `sign-up leads to "check your mail" (${path(page)})`);

  // Verify from the mail: the link shows a button, the button verifies.
  await page.goto(base + (await mailLink(EMAIL, "/verify-email")));
  await submit(page, "form[action='/verify-email']", "Verify my email");
  check(path(page) === "/signin?notice=verified", `verified (at ${path(page)})`);
  check(await page.getByText("Your email address is verified").isVisible(), "verified notice");

  // Sign in, wrong password first.
  await page.fill("#email", EMAIL);
  await page.fill("#password", "not my password");
  await submit(page, "form[action='/signin']", "Sign in");
  check(await page.getByText("The email or password is wrong.").isVisible(), "wrong password message");
  await shot(page, "02-signin-wrong-password");
  await signIn(page);
  check(path(page) === "/account", `signed in to /account (at ${path(page)})`);
  check((await page.textContent("#account-email")).includes(EMAIL), "the account shows the email");
  const cookies = await main.cookies();
  const session = cookies.find((c) => c.name.endsWith("ss_session"));
  check(session && session.httpOnly && session.sameSite === "Lax", "HttpOnly SameSite=Lax session cookie");

  // Turn on two-factor sign-in with a code computed from the secret on the page.
  await submit(page, "#security", "Set up two-factor sign-in");
  check(await page.locator(".qr svg").isVisible(), "the QR code is shown");
  await shot(page, "03-two-factor-setup");
  const secret = (await page.textContent("#totp-secret")).trim();
  check(/^[A-Z2-7]{16,}$/.test(secret), "the base32 secret is shown");
  await page.fill("#confirm_code", totp(secret) === "000000" ? "111111" : "000000");
  await submit(page, "#security", "Turn on");
  check(await page.locator("#security .field-error").isVisible(), "a wrong code is refused next to the field");
  const secretAgain = (await page.textContent("#totp-secret")).trim();
  check(secretAgain === secret, "the pending secret is shown again");
  let used = step();
  await page.fill("#confirm_code", totp(secret, used));
  await submit(page, "#security", "Turn on");
  const recovery = await page.locator(".recovery-codes code").allTextContents();
  check(recovery.length === 10, `ten recovery codes shown once (${recovery.length})`);
  await shot(page, "04-recovery-codes");
  check((await page.textContent("#security")).includes("On"), "two-factor sign-in is on");

  // Sign out, then in with the app code (a wrong one first).
  await signOut(page);
  await signIn(page);
  check(path(page).startsWith("/signin/2fa"), `the second step is asked for (at ${path(page)})`);
  await page.fill("#code", totp(secret) === "123456" ? "654321" : "123456");
  await submit(page, "form[action='/signin/2fa']", "Continue");
  check(await page.getByText("attempts left").isVisible(), "a wrong code shows the attempts left");
  await shot(page, "05-two-factor-wrong-code");
  used = await nextStep(used);
  await page.fill("#code", totp(secret, used));
  await submit(page, "form[action='/signin/2fa']", "Continue");
  check(path(page) === "/account", `signed in with the app code (at ${path(page)})`);

  // Sign out, then in with a recovery code.
  await signOut(page);
  await signIn(page);
  await useRecoveryCode(page, recovery[0]);
  check(path(page) === "/account", `signed in with a recovery code (at ${path(page)})`);

  // An API key: created, shown once, works, revoked, stops working.
  await page.fill("#key_name", "browser bot");
  await page.check("input[name=scopes][value='account:read']");
  await page.check("input[name=scopes][value='scans:read']");
  await page.fill("#key_days", "7");
  await submit(page, "#keys", "Create key");
  const key = (await page.textContent("#new-key-value")).trim();
  check(key.startsWith("sk_live_"), "the new key is shown");
  await shot(page, "06-new-api-key");
  check((await apiStatus(key)) === 200, "the key works on the API");
  const row = page.locator("li[data-key='browser bot']");
  check((await row.textContent()).includes("account:read"), "the key is listed with its scopes");
  await submit(page, "li[data-key='browser bot']", "Revoke");
  check(await page.getByText("The API key is revoked.").isVisible(), "revoked notice");
  check((await row.count()) === 0, "the revoked key is gone from the list");
  check((await apiStatus(key)) === 401, "the revoked key no longer works");

  // The account page fits a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `no sideways scrolling on a phone (${overflow}px)`);
  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, "07-account-phone-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Another browser signs in; this one ends its session.
  const other = await browser.newContext();
  const otherPage = await open(other, "other");
  await signIn(otherPage);
  await useRecoveryCode(otherPage, recovery[1]);
  check(path(otherPage) === "/account", "the other browser is signed in");
  await page.goto(`${base}/account`);
  const foreign = page.locator("#sessions li.item:not(:has(.badge-on))");
  check((await foreign.count()) >= 1, "the other session is listed");
  await submit(page, "#sessions li.item:not(:has(.badge-on)) >> nth=0", "Revoke");
  check(await page.getByText("The session has ended.").isVisible(), "session revoked notice");
  await otherPage.goto(`${base}/account`);
  check(path(otherPage).startsWith("/signin"), `the other browser is signed out (at ${path(otherPage)})`);
  check(path(page) === "/account?done=session", "this browser stays signed in");
  await other.close();

  // Forgotten password, end to end, from a fresh browser.
  const fresh = await browser.newContext();
  const resetPage = await open(fresh, "reset");
  await resetPage.goto(`${base}/signin`);
  await Promise.all([resetPage.waitForNavigation(), resetPage.click("text=Forgot your password?")]);
  await resetPage.fill("#email", EMAIL);
  await submit(resetPage, "form[action='/forgot-password']", "Email me a link");
  check(path(resetPage) === "/forgot-password/sent", "the reset mail is on its way");
  await resetPage.goto(base + (await mailLink(EMAIL, "/reset-password")));
  await resetPage.fill("#password", NEW_PASSWORD);
  await submit(resetPage, "form[action='/reset-password']", "Set the new password");
  check(await resetPage.locator("#code").isVisible(), "a code is asked for with two-factor on");
  await shot(resetPage, "08-reset-needs-code");
  await resetPage.fill("#password", NEW_PASSWORD);
  await resetPage.fill("#code", recovery[2]);
  await submit(resetPage, "form[action='/reset-password']", "Set the new password");
  check(path(resetPage) === "/signin?notice=reset", `the password is reset (at ${path(resetPage)})`);
  await signIn(resetPage, NEW_PASSWORD);
  await useRecoveryCode(resetPage, recovery[3]);
  check(path(resetPage) === "/account", "signed in with the new password");
  await page.goto(`${base}/account`);
  check(path(page).startsWith("/signin"), "the reset ended the other sessions");
  await fresh.close();
  await main.close();
} catch (error) {
  problems.push(`error: ${error.stack || error.message}`);
} finally {
  await browser.close();
}

console.log(`${checks} checks, ${problems.length} problems`);
for (const p of problems) console.log(`  problem: ${p}`);
process.exit(problems.length === 0 ? 0 : 1);
