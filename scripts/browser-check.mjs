// The real-browser check: open every exported notebook page in headless Chromium (Debian's
// `chromium`) with every network request outside the page itself blocked, and assert that each
// chart drew (a `svg.main-svg` inside every `.seeklab-plot`) and that the page logged no errors.
// Prints "browser: N passed, N failed". SEEKLAB_SKIP_BROWSER=1 skips it (the test summary says so).
// Usage: node scripts/browser-check.mjs [--dir build/html]
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, findChromium } from "./common.mjs";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  "--disable-dev-shm-usage",
];

async function checkPage(browser, file) {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  // Offline by design: only the page's own file may load; CDN requests (require.js, MathJax, fonts) are aborted.
  await page.route("**/*", (route) => (route.request().url().startsWith("file://") ? route.continue() : route.abort()));
  await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 60_000 });
  const plots = await page.locator(".seeklab-plot").count();
  let drawn = 0;
  const deadline = Date.now() + Number(process.env.SEEKLAB_CHART_TIMEOUT_MS ?? 30_000);
  while (Date.now() < deadline) {
    drawn = await page.locator(".seeklab-plot svg.main-svg").evaluateAll((svgs) => new Set(svgs.map((s) => s.closest(".seeklab-plot"))).size);
    if (drawn >= plots) break;
    await page.waitForTimeout(200);
  }
  await page.close();
  // Requests we aborted on purpose show up as failed loads; they are not the page's fault.
  const real = errors.filter((e) => !/net::ERR_FAILED|ERR_BLOCKED|Failed to load resource/.test(e));
  return { plots, drawn, errors: real };
}

export async function browserCheck({ dir = join(ROOT, "build", "html") } = {}) {
  const chromium = findChromium();
  if (!chromium) {
    throw new Error(
      "Chromium was not found (looked for /usr/bin/chromium). Install it with `sudo apt-get install chromium` " +
        "(Debian/Ubuntu), point SEEKLAB_CHROMIUM at a Chrome/Chromium binary, or set SEEKLAB_SKIP_BROWSER=1 to skip this check.",
    );
  }
  const pages = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".html")).sort() : [];
  if (pages.length === 0) throw new Error(`no HTML pages in ${dir}: export the executed notebooks first`);
  const { chromium: pw } = await import("playwright-core");
  const browser = await pw.launch({ executablePath: chromium, args: CHROMIUM_FLAGS, headless: true });
  let passed = 0;
  let failed = 0;
  try {
    for (const f of pages) {
      const r = await checkPage(browser, join(dir, f));
      const ok = r.drawn === r.plots && r.errors.length === 0;
      if (ok) passed++;
      else failed++;
      console.log(`${ok ? "✓" : "✗"} ${f}: ${r.drawn}/${r.plots} chart(s) drawn${r.errors.length ? `; errors:\n    ${r.errors.join("\n    ")}` : ""}`);
    }
  } finally {
    await browser.close();
  }
  console.log(`browser: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dirArg = process.argv.indexOf("--dir");
  browserCheck(dirArg > 0 ? { dir: process.argv[dirArg + 1] } : {}).then((r) => process.exit(r.failed ? 1 : 0), (e) => {
    console.log(`browser-check: ${e.message}`);
    process.exit(1);
  });
}
