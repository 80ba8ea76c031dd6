// What a learner meets after `npm start`, checked in a real browser: the URL it prints opens
// 00_welcome; the terminal shows no stack traces, no tslab `history_request` warnings and no Vulkan
// probe warnings; each lesson, run with JupyterLab's own "Run All" and saved with its own "Save",
// is under 1 MB on disk. Lessons are restored to their bytes from before the check afterwards.
// Writes build/lab-check/: terminal.log, a screenshot per lesson, sizes.json, saved/ (the saved lessons).
// Usage: node scripts/lab-check.mjs [--port 8899] [00_welcome.ipynb 01_….ipynb …] (default: 00_welcome)
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { ROOT, findChromium, say } from "./common.mjs";
import { CHROMIUM_FLAGS } from "./browser-check.mjs";

const LIMIT_BYTES = 1_000_000;
// Lines that must not reach a learner's terminal.
const BAD_TERMINAL = [/Traceback \(most recent call last\)/, /^\s+at .+\(.+:\d+:\d+\)$/, /Error: /, /history_request/, /Vulkan|vkCreateInstance/];

function waitForUrl(child, log, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no JupyterLab URL within ${timeoutMs / 1000} s`)), timeoutMs);
    const onData = (buf) => {
      const text = buf.toString();
      log.push(text);
      const m = /(http:\/\/127\.0\.0\.1:\d+\/lab[^\s]*)/.exec(log.join(""));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`npm start exited early (${code})`)));
  });
}

async function runAllAndSave(page, name) {
  await page.evaluate(async (n) => {
    const app = window.jupyterapp;
    await app.commands.execute("docmanager:open", { path: n });
  }, name);
  await page.waitForFunction(() => {
    const w = window.jupyterapp.shell.currentWidget;
    return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === "idle";
  }, null, { timeout: 120_000 });
  const t0 = Date.now();
  await page.evaluate(() => window.jupyterapp.commands.execute("notebook:run-all-cells"));
  // Done when no cell is queued or running ([*]) and the kernel has been idle for 3 s.
  let idleSince = 0;
  for (;;) {
    const busy = await page.evaluate(() => {
      const w = window.jupyterapp.shell.currentWidget;
      const running = [...w.node.querySelectorAll(".jp-InputArea-prompt")].some((p) => p.textContent.includes("*"));
      return running || w.sessionContext.session.kernel.status !== "idle";
    });
    if (!busy) {
      idleSince ||= Date.now();
      if (Date.now() - idleSince > 3000) break;
    } else idleSince = 0;
    if (Date.now() - t0 > 15 * 60_000) throw new Error(`${name}: Run All did not finish in 15 minutes`);
    await page.waitForTimeout(500);
  }
  const seconds = (Date.now() - t0) / 1000;
  // Scroll every cell into view, as a learner reading the lesson does: JupyterLab draws only what
  // is on screen, and the plotly renderer adds its PNG snapshot to a chart's output once drawn.
  const cells = await page.evaluate(() => window.jupyterapp.shell.currentWidget.content.widgets.length);
  for (let i = 0; i < cells; i++) {
    await page.evaluate((k) => window.jupyterapp.shell.currentWidget.content.scrollToItem(k, "start"), i);
    await page.waitForTimeout(150);
  }
  await page.waitForTimeout(2000);
  await page.evaluate(() => window.jupyterapp.commands.execute("docmanager:save"));
  await page.waitForTimeout(1500);
  return seconds;
}

export async function labCheck({ port = 8899, lessons = ["00_welcome.ipynb"] } = {}) {
  const chromium = findChromium();
  if (!chromium) throw new Error("Chromium was not found (apt-get install chromium)");
  const outDir = join(ROOT, "build", "lab-check");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const originals = new Map(lessons.map((n) => [n, readFileSync(join(ROOT, "notebooks", n))]));
  const log = [];
  const child = spawn(process.execPath, [join(ROOT, "scripts", "start.mjs"), "--no-browser", "--port", String(port), "--expose-app"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "", SEEKLAB_WORKSPACES_DIR: mkdtempSync(join(tmpdir(), "seeklab-lab-check-")) }, // a first visit's layout
  });
  const problems = [];
  const results = [];
  let browser;
  try {
    const url = await waitForUrl(child, log, 900_000); // a fresh clone installs everything first
    const { chromium: pw } = await import("playwright-core");
    browser = await pw.launch({ executablePath: chromium, args: CHROMIUM_FLAGS, headless: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors = [];
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    await page.goto(url, { waitUntil: "load", timeout: 120_000 });
    await page.waitForFunction(() => window.jupyterapp && window.jupyterapp.shell.currentWidget, null, { timeout: 120_000 });
    const opened = await page.evaluate(() => window.jupyterapp.shell.currentWidget.context?.path);
    if (opened !== "00_welcome.ipynb") problems.push(`the start URL opened ${opened ?? "no document"}, not 00_welcome.ipynb`);
    await page.waitForTimeout(3000);
    const dialogs = await page.locator(".jp-Dialog, .jp-toast-content").allTextContents();
    if (dialogs.some((t) => /news/i.test(t))) problems.push(`a news pop-up showed: ${dialogs.join(" | ")}`);
    await page.screenshot({ path: join(outDir, "start.png") });
    for (const name of lessons) {
      const seconds = await runAllAndSave(page, name);
      await page.screenshot({ path: join(outDir, `${name.replace(/\.ipynb$/, "")}.png`) });
      const bytes = statSync(join(ROOT, "notebooks", name)).size;
      mkdirSync(join(outDir, "saved"), { recursive: true });
      copyFileSync(join(ROOT, "notebooks", name), join(outDir, "saved", name)); // what JupyterLab saved, kept for a look
      const nb = JSON.parse(readFileSync(join(ROOT, "notebooks", name), "utf8"));
      const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
      const charts = outputs.filter((o) => o.data?.["application/vnd.plotly.v1+json"]).length;
      const pngs = outputs.filter((o) => o.data?.["image/png"]).length;
      results.push({ name, seconds, bytes, charts, pngs, outputs: outputs.length });
      say(`${name}: Run All ${seconds.toFixed(0)} s in JupyterLab; saved ${(bytes / 1e6).toFixed(2)} MB, ${outputs.length} outputs, ${charts} chart(s), ${pngs} PNG(s)`);
      if (bytes >= LIMIT_BYTES) problems.push(`${name} is ${(bytes / 1e6).toFixed(2)} MB after Run All + Save (limit 1 MB)`);
      if (outputs.length === 0) problems.push(`${name}: no outputs after Run All`);
      await page.evaluate(() => window.jupyterapp.commands.execute("kernelmenu:shutdown"));
    }
    if (consoleErrors.length) problems.push(`page errors: ${consoleErrors.join(" | ")}`);
  } finally {
    await browser?.close();
    try {
      process.kill(-child.pid, "SIGINT");
    } catch {
      /* gone */
    }
    await new Promise((r) => setTimeout(r, 3000));
    for (const [name, bytes] of originals) writeFileSync(join(ROOT, "notebooks", name), bytes);
  }
  const terminal = log.join("");
  writeFileSync(join(outDir, "terminal.log"), terminal);
  writeFileSync(join(outDir, "sizes.json"), `${JSON.stringify(results, null, 2)}\n`);
  for (const line of terminal.split("\n")) if (BAD_TERMINAL.some((p) => p.test(line))) problems.push(`terminal: ${line.slice(0, 300)}`);
  for (const p of problems) console.log(`✗ ${p}`);
  console.log(`lab check: ${problems.length === 0 ? "passed" : `${problems.length} problem(s)`} (terminal log and screenshots in build/lab-check/)`);
  return { problems, results };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const portAt = args.indexOf("--port");
  const port = portAt >= 0 ? Number(args.splice(portAt, 2)[1]) : 8899;
  labCheck({ port, lessons: args.length ? args : undefined }).then((r) => process.exit(r.problems.length ? 1 : 0), (e) => {
    console.log(`lab-check: ${e.message}`);
    process.exit(1);
  });
}
