// Export executed notebooks (build/notebooks/*.ipynb, written by the notebook runner) to
// self-contained HTML pages in build/html with nbconvert and SeekLab's template
// (scripts/export_html.py): each chart's plotly JSON is drawn by plotly.js, inlined once per page,
// so the pages draw offline.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PYTHON, ROOT, run } from "./common.mjs";

export async function exportHtml({ from = join("build", "notebooks"), to = join("build", "html") } = {}) {
  const dir = join(ROOT, from);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort() : [];
  if (files.length === 0) throw new Error(`no executed notebooks in ${from}: run the notebooks first (node scripts/run-notebooks.mjs)`);
  await run(PYTHON, [join("scripts", "export_html.py"), "--output-dir", to, ...files.map((f) => join(from, f))]);
  return files.map((f) => join(to, f.replace(/\.ipynb$/, ".html")));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  exportHtml().then((pages) => console.log(`exported ${pages.length} page(s) to build/html`), (e) => {
    console.log(`export-html: ${e.message}`);
    process.exit(1);
  });
}
