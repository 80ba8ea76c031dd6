// Execute notebooks headless through the SeekLab kernel (nbclient from .venv).
// Usage: node scripts/run-notebooks.mjs [notebook.ipynb ...]   (default: every notebooks/*.ipynb)
// Prints "notebooks: N passed, N failed" last and exits non-zero on any failure.
import { existsSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PYTHON, ROOT, runStatus } from "./common.mjs";

export function allNotebooks() {
  const dir = join(ROOT, "notebooks");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => join("notebooks", f));
}

export async function runNotebooks(paths = allNotebooks(), { out = join("build", "notebooks") } = {}) {
  if (!existsSync(PYTHON)) throw new Error("no .venv: run `npm run setup` (or `npm test`) first");
  const files = paths.map((p) => relative(ROOT, resolve(p)));
  return runStatus(PYTHON, [join("scripts", "run_notebooks.py"), "--out", out, ...files], {
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  runNotebooks(args.length ? args : undefined).then((code) => process.exit(code), (e) => {
    console.log(`run-notebooks: ${e.message}`);
    process.exit(1);
  });
}
