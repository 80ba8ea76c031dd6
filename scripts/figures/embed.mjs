// Embed figures in the notebooks that show them. A markdown cell shows a figure with
// `![what it shows](attachment:NAME.svg)`; this copies notebooks/figures/NAME.svg into the cell's
// attachments. Why not `![](figures/NAME.svg)`: the HTML export (nbconvert, from build/notebooks)
// would lose the relative path, while attachments travel inside the notebook and render in
// JupyterLab (even untrusted: an SVG in an <img> runs no script) and in the exported page.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../common.mjs";

const REF = /\(attachment:([\w.-]+\.svg)\)/g;

/** The attachments a markdown cell should carry: every referenced figure that exists in `dir`. */
export function attachmentsFor(source, dir) {
  const text = Array.isArray(source) ? source.join("") : source;
  const out = {};
  for (const m of text.matchAll(REF)) {
    const file = join(dir, m[1]);
    if (!existsSync(file)) throw new Error(`embedFigures: a cell shows ${m[1]}, which is not in ${dir}`);
    out[m[1]] = { "image/svg+xml": readFileSync(file).toString("base64") };
  }
  return out;
}

/**
 * Bring every notebook's figure attachments up to date with `dir`.
 * @returns the notebooks that changed
 */
export function embedFigures(dir, notebooks = join(ROOT, "notebooks")) {
  const changed = [];
  for (const name of readdirSync(notebooks).filter((f) => f.endsWith(".ipynb")).sort()) {
    const path = join(notebooks, name);
    const before = readFileSync(path, "utf8");
    const nb = JSON.parse(before);
    for (const cell of nb.cells) {
      if (cell.cell_type !== "markdown") continue;
      const want = attachmentsFor(cell.source, dir);
      if (Object.keys(want).length) cell.attachments = want;
      else delete cell.attachments;
    }
    const after = `${JSON.stringify(nb, null, 1)}\n`;
    if (after !== before && JSON.stringify(JSON.parse(before)) !== JSON.stringify(nb)) {
      writeFileSync(path, after);
      changed.push(name);
    }
  }
  return changed;
}
