// Lesson figures are drawn by scripts/figures/*.mjs and embedded in the notebooks that show them.
// The committed SVGs must be what the scripts draw now, and every notebook's embedded copy must be
// the committed file (run `node scripts/figures/build.mjs` after changing a figure).
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname, "..", "..");
const FIGURES = join(ROOT, "notebooks", "figures");
const built = existsSync(join(ROOT, "lib", "dist", "attention", "configs.js"));

describe("lesson figures", () => {
  it.skipIf(!built)("the committed SVGs are what scripts/figures/build.mjs draws", async () => {
    const script = pathToFileURL(join(ROOT, "scripts", "figures", "build.mjs")).href; // plain JS: no types to check
    const { drawFigures } = (await import(script)) as { drawFigures: () => Promise<Record<string, string>> };
    const figures = await drawFigures();
    expect(Object.keys(figures).length).toBeGreaterThan(0);
    for (const [name, svg] of Object.entries(figures)) {
      expect(svg, name).toMatch(/^<svg [^>]*viewBox="0 0 \d+ \d+"[\s\S]*<\/svg>\n$/);
      expect(svg, name).not.toMatch(/NaN|undefined|Infinity/);
      expect(readFileSync(join(FIGURES, name), "utf8"), `${name} is stale: run node scripts/figures/build.mjs`).toBe(svg);
    }
  });

  it("every figure a notebook shows is a committed file, shown by path (not as an SVG attachment)", () => {
    let shown = 0;
    for (const name of readdirSync(join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb"))) {
      const nb = JSON.parse(readFileSync(join(ROOT, "notebooks", name), "utf8")) as {
        cells: { cell_type: string; source: string | string[]; attachments?: Record<string, unknown> }[];
      };
      for (const cell of nb.cells.filter((c) => c.cell_type === "markdown")) {
        const text = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
        for (const m of text.matchAll(/\]\(figures\/([\w.-]+\.svg)\)/g)) {
          expect(existsSync(join(FIGURES, m[1]!)), `${name} shows ${m[1]}, missing from notebooks/figures`).toBe(true);
          shown++;
        }
        // JupyterLab's attachment resolver renders raster types only: an SVG attachment shows as a broken image
        expect(text, `${name}: show figures as ![..](figures/NAME.svg), not as attachments`).not.toMatch(/\(attachment:[^)]*\.svg\)/);
        expect(Object.keys(cell.attachments ?? {}).filter((k) => k.endsWith(".svg")), `${name}: SVG attachment`).toEqual([]);
      }
    }
    expect(shown).toBeGreaterThan(0);
  });
});
