// Browser smoke test: loads every public page in Debian's Chromium, in the light and
// dark colour schemes and on a phone-sized screen, and fails on any console error,
// uncaught page error, failed request or error status of a sub-resource.
//
//   node tests/browser/smoke.mjs http://127.0.0.1:8080
//
// CHROMIUM overrides the browser path (default /usr/bin/chromium); SCREENSHOT_DIR, if
// set, receives a full-page screenshot of every page in every variant.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const base = (process.argv[2] || process.env.BASE_URL || "").replace(/\/$/, "");
if (!/^https?:\/\//.test(base)) {
  console.error("usage: node smoke.mjs BASE_URL   (e.g. http://127.0.0.1:8080)");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const screenshotDir = process.env.SCREENSHOT_DIR;
if (screenshotDir) mkdirSync(screenshotDir, { recursive: true });

// Every public page and the status it must answer with.
const PAGES = [
  { path: "/", status: 200, html: true },
  { path: "/pricing", status: 200, html: true },
  { path: "/api/docs", status: 200, html: true },
  { path: "/signup", status: 200, html: true },
  { path: "/signup/sent", status: 200, html: true },
  { path: "/signin", status: 200, html: true },
  { path: "/signin?notice=verified", status: 200, html: true },
  { path: "/forgot-password", status: 200, html: true },
  { path: "/forgot-password/sent", status: 200, html: true },
  { path: "/verify-email?token=example", status: 200, html: true },
  { path: "/reset-password?token=example", status: 200, html: true },
  // Signed out, the account page leads to sign-in.
  { path: "/account", status: 200, html: true },
  { path: "/no-such-page", status: 404, html: true },
  { path: "/healthz", status: 200, html: false },
];

const VARIANTS = [
  { name: "light", colorScheme: "light", viewport: { width: 1280, height: 800 } },
  { name: "dark", colorScheme: "dark", viewport: { width: 1280, height: 800 } },
  {
    name: "mobile",
    colorScheme: "light",
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
  },
];

let passed = 0;
let failed = 0;

function report(name, problems) {
  if (problems.length === 0) {
    passed += 1;
    console.log(`ok    ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL  ${name}`);
    for (const p of problems) console.log(`        ${p}`);
  }
}

/** Opens `path` in a fresh page and collects everything that went wrong. */
async function visit(context, spec, variant) {
  const page = await context.newPage();
  const problems = [];
  const url = base + spec.path;
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    // Chromium logs the document's own status; an expected 404 is not a failure.
    const own = msg.location().url === url && /status of 404/.test(msg.text());
    if (!(own && spec.status === 404)) problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on("response", (response) => {
    const isDocument = response.request().isNavigationRequest() && response.url() === url;
    if (!isDocument && response.status() >= 400) {
      problems.push(`${response.status()} for ${response.url()}`);
    }
  });

  const response = await page.goto(url, { waitUntil: "load" });
  if (!response) {
    problems.push("no response");
  } else {
    if (response.status() !== spec.status) {
      problems.push(`status ${response.status()}, expected ${spec.status}`);
    }
    const type = response.headers()["content-type"] || "";
    if (spec.html !== type.startsWith("text/html")) problems.push(`content type ${type}`);
  }
  await page.waitForLoadState("networkidle");

  if (spec.html) problems.push(...(await checkLayout(page, variant)));
  if (screenshotDir) {
    const file = `${variant.name}${spec.path.replace(/\//g, "_") || "_"}.png`;
    await page.screenshot({ path: join(screenshotDir, file), fullPage: true });
  }
  await page.close();
  return problems;
}

/** The theme matches the colour scheme and nothing overflows sideways on a phone. */
async function checkLayout(page, variant) {
  const problems = [];
  const { background, overflow, hasHeader } = await page.evaluate(() => ({
    background: getComputedStyle(document.body).backgroundColor,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    hasHeader: !!document.querySelector(".site-header"),
  }));
  if (!hasHeader) problems.push("the page is not in the layout");
  const dark = isDark(background);
  if (dark !== (variant.colorScheme === "dark")) {
    problems.push(`background ${background} does not match the ${variant.colorScheme} scheme`);
  }
  if (overflow > 0) problems.push(`content overflows the viewport by ${overflow}px`);
  if (variant.isMobile) {
    const nav = page.locator("#site-nav");
    if (await nav.isVisible()) problems.push("the mobile nav is open before the menu is tapped");
    await page.locator(".nav-toggle").click();
    if (!(await nav.isVisible())) problems.push("the menu button does not open the nav");
  }
  return problems;
}

function isDark(cssColor) {
  const [r, g, b] = (cssColor.match(/\d+(\.\d+)?/g) || ["255", "255", "255"]).map(Number);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
}

/** The toggle flips the theme and the choice survives a reload. */
async function checkThemeToggle(context) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.goto(base + "/", { waitUntil: "load" });
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const before = isDark(await background());
  await page.locator(".theme-toggle").click();
  const after = isDark(await background());
  if (after === before) problems.push("the toggle did not change the theme");
  await page.reload({ waitUntil: "load" });
  if (isDark(await background()) !== after) problems.push("the chosen theme was not remembered");
  const stored = await page.evaluate(() => document.documentElement.getAttribute("data-theme"));
  if (stored !== (after ? "dark" : "light")) problems.push(`data-theme is ${stored}`);
  await page.close();
  return problems;
}

/** The API reference lists the operations and sends a real request from its form. */
async function checkApiReference(context) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.goto(base + "/api/docs", { waitUntil: "load" });
  const operation = page.locator(".api-operation", { hasText: "/symbols" }).first();
  await operation.waitFor({ timeout: 5000 });
  const count = await page.locator(".api-operation").count();
  if (count < 3) problems.push(`only ${count} operations listed`);
  await operation.locator("input[name=limit]").fill("2");
  await operation.locator("button[type=submit]").click();
  const output = operation.locator(".api-output");
  await output.filter({ hasText: "200" }).waitFor({ timeout: 5000 }).catch(() => {});
  const text = await output.textContent();
  if (!/^200 /m.test(text || "") || !/"next_cursor"/.test(text || "")) {
    problems.push(`the request from the form did not answer 200 with a page: ${text}`);
  }
  // A POST with the example JSON body: the scan runs over the demo market.
  const scan = page.locator(".api-operation", { hasText: "/scans/run" }).first();
  await scan.locator("textarea[name=body]").fill('{"scan": "close > sma(50) rank by volume limit 3"}');
  await scan.locator("button[type=submit]").click();
  const scanOutput = scan.locator(".api-output");
  await scanOutput.filter({ hasText: "200" }).waitFor({ timeout: 5000 }).catch(() => {});
  const scanText = (await scanOutput.textContent()) || "";
  if (!/^200 /m.test(scanText) || !/"matches"/.test(scanText)) {
    problems.push(`the scan sent from the form did not answer 200 with matches: ${scanText}`);
  }
  await page.close();
  return problems;
}

const browser = await chromium.launch({
  executablePath,
  // Root (as in CI containers) cannot use Chromium's sandbox.
  args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
});
try {
  for (const variant of VARIANTS) {
    const { name, ...options } = variant;
    const context = await browser.newContext(options);
    for (const spec of PAGES) {
      let problems;
      try {
        problems = await visit(context, spec, variant);
      } catch (error) {
        problems = [`error: ${error.message}`];
      }
      report(`${name.padEnd(6)} ${spec.path}`, problems);
    }
    await context.close();
  }
  const context = await browser.newContext({ colorScheme: "light" });
  report("theme toggle is remembered", await checkThemeToggle(context));
  report("API reference sends a request", await checkApiReference(context));
  await context.close();
} finally {
  await browser.close();
}

console.log(`smoke: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
