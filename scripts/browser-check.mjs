// The real-browser check: open every exported notebook page in headless Chromium (Debian's
// `chromium`) with every network request outside the page itself blocked, and assert that each
// chart drew (a `svg.main-svg` inside every `.seeklab-plot`) and that the page logged no errors.
// Prints "browser: N passed, N failed". SEEKLAB_SKIP_BROWSER=1 skips it (the test summary says so).
// Usage: node scripts/browser-check.mjs [--dir build/html]
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
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

async function checkPage(browser, file, { origin } = {}) {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  // Offline by design: only the page's own file may load; CDN requests (require.js, MathJax, fonts) are aborted.
  const local = origin ?? "file://";
  await page.route("**/*", (route) => (route.request().url().startsWith(local) ? route.continue() : route.abort()));
  await page.goto(origin ? file : pathToFileURL(file).href, { waitUntil: "load", timeout: 60_000 });
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

/** Serve `dir` on a random loopback port, as any static host would (file:// pages are stricter). */
async function staticServer(dir) {
  const { createServer } = await import("node:http");
  const { readFile } = await import("node:fs/promises");
  const { extname, normalize } = await import("node:path");
  const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json", ".png": "image/png", ".woff2": "font/woff2" };
  const server = createServer(async (req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (path.endsWith("/")) path += "index.html";
    try {
      const body = await readFile(join(dir, path));
      res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end("not found");
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Internal links of an HTML file that name no existing file (read from its source, no browser). */
function brokenLinksInSource(file, dir) {
  const html = readFileSync(file, "utf8");
  const broken = [];
  for (const m of html.matchAll(/\b(?:href|src)="([^"#?]+)[^"]*"/g)) {
    const url = m[1];
    if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(url)) continue; // absolute: another site
    const target = url.startsWith("/") ? join(dir, url) : join(dirname(file), decodeURIComponent(url));
    if (!existsSync(target) || (statSync(target).isDirectory() && !existsSync(join(target, "index.html")))) broken.push(url);
  }
  return broken;
}

/**
 * The course site (build/site), served over HTTP on loopback like any static host: every page
 * outside api/ (and api/index.html) opens in headless Chromium and must draw all its charts and log
 * no error; every page's internal links, api/ included, must name files that exist (TypeDoc's
 * hundreds of pages are link-checked from their source to keep this quick).
 * Prints "site: N passed, N failed".
 */
export async function siteCheck({ dir = join(ROOT, "build", "site") } = {}) {
  const chromium = findChromium();
  if (!chromium) throw new Error("Chromium was not found (apt-get install chromium, or SEEKLAB_CHROMIUM)");
  const pages = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".html")) pages.push(join(d, e.name));
    }
  };
  if (existsSync(dir)) walk(dir);
  if (pages.length === 0) throw new Error(`no HTML pages in ${dir}: run npm run site first`);
  const { server, origin } = await staticServer(dir);
  const { chromium: pw } = await import("playwright-core");
  const browser = await pw.launch({ executablePath: chromium, args: CHROMIUM_FLAGS, headless: true });
  let passed = 0;
  let failed = 0;
  let charts = 0;
  let inBrowser = 0;
  try {
    for (const file of pages.sort()) {
      const rel = file.slice(dir.length + 1);
      const r = { plots: 0, drawn: 0, errors: brokenLinksInSource(file, dir).map((u) => `broken link: ${u}`) };
      if (!rel.startsWith("api/") || rel === "api/index.html") {
        inBrowser++;
        const b = await checkPage(browser, `${origin}/${rel}`, { origin });
        Object.assign(r, { plots: b.plots, drawn: b.drawn, errors: [...r.errors, ...b.errors] });
      }
      charts += r.drawn;
      const ok = r.drawn === r.plots && r.errors.length === 0;
      if (ok) passed++;
      else failed++;
      if (!ok || r.plots > 0) console.log(`${ok ? "✓" : "✗"} ${rel}: ${r.drawn}/${r.plots} chart(s) drawn${r.errors.length ? `; errors:\n    ${r.errors.join("\n    ")}` : ""}`);
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`site: ${passed} passed, ${failed} failed (${pages.length} pages, ${inBrowser} opened in Chromium, ${charts} charts drawn, every internal link checked)`);
  return { passed, failed };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href && process.argv.includes("--site")) {
  siteCheck().then((r) => process.exit(r.failed ? 1 : 0), (e) => {
    console.log(`browser-check: ${e.message}`);
    process.exit(1);
  });
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dirArg = process.argv.indexOf("--dir");
  browserCheck(dirArg > 0 ? { dir: process.argv[dirArg + 1] } : {}).then((r) => process.exit(r.failed ? 1 : 0), (e) => {
    console.log(`browser-check: ${e.message}`);
    process.exit(1);
  });
}
