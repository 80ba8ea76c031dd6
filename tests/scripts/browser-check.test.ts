// The browser check must catch a chart that did not draw and a page that logged an error, and
// pass a page whose charts drew. Needs Debian's chromium (npm test fails earlier without it).
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { lineChart } from "../../lib/plot/charts.js";
import { figureHtml, saveHtml } from "../../lib/plot/show.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", process.env.SEEKLAB_CHROMIUM].find((p) => p && existsSync(p));

describe.skipIf(!chromium)("browser check (scripts/browser-check.mjs)", () => {
  it("passes drawn charts, fails an undrawn chart and a page that logs an error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "seeklab-browser-"));
    const fig = lineChart([{ name: "y", x: [0, 1, 2], y: [1, 4, 9] }], { title: "squares" });
    await saveHtml(fig, join(dir, "a_good.html"));
    // Charts without plotly.js on the page: the divs exist, nothing draws.
    writeFileSync(join(dir, "b_no_plotly.html"), `<!doctype html><html><body>${figureHtml(fig)}</body></html>`);
    writeFileSync(join(dir, "c_error.html"), `<!doctype html><html><body><script>console.error("boom")</script></body></html>`);
    let out = "";
    let code = 0;
    try {
      out = execFileSync(process.execPath, [join(ROOT, "scripts", "browser-check.mjs"), "--dir", dir], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, SEEKLAB_CHART_TIMEOUT_MS: "3000" }, // a chart that will never draw
      });
    } catch (e) {
      const err = e as { status: number; stdout: string };
      code = err.status;
      out = err.stdout;
    }
    expect(code).toBe(1);
    expect(out).toContain("✓ a_good.html: 1/1 chart(s) drawn");
    expect(out).toContain("✗ b_no_plotly.html: 0/1 chart(s) drawn");
    expect(out).toMatch(/✗ c_error\.html: 0\/0 chart\(s\) drawn; errors:\s+console: boom/);
    expect(out.trim().split("\n").at(-1)).toBe("browser: 1 passed, 2 failed");
  }, 120_000);
});
