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

  it("every figure a notebook shows is embedded, and is the committed file", () => {
    for (const name of readdirSync(join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb"))) {
      const nb = JSON.parse(readFileSync(join(ROOT, "notebooks", name), "utf8")) as {
        cells: { cell_type: string; source: string | string[]; attachments?: Record<string, Record<string, string>> }[];
      };
      for (const cell of nb.cells.filter((c) => c.cell_type === "markdown")) {
        const text = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
        for (const m of text.matchAll(/\(attachment:([\w.-]+\.svg)\)/g)) {
          const file = join(FIGURES, m[1]!);
          expect(existsSync(file), `${name} shows ${m[1]}, missing from notebooks/figures`).toBe(true);
          const embedded = cell.attachments?.[m[1]!]?.["image/svg+xml"];
          expect(embedded, `${name}: ${m[1]} is not embedded (run node scripts/figures/build.mjs)`).toBeDefined();
          expect(Buffer.from(embedded!, "base64").toString("utf8"), `${name}: ${m[1]} is stale (run node scripts/figures/build.mjs)`).toBe(readFileSync(file, "utf8"));
        }
        // a relative image path would not survive the HTML export
        expect(text, `${name}: show figures as attachment:NAME.svg`).not.toMatch(/\]\(figures\//);
      }
    }
  });
});
