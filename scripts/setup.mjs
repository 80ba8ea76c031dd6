// Idempotent set-up shared by `npm start` and `npm test`: npm packages, the Python environment,
// the SeekLab kernel spec and the compiled library. Each step says what it does and how long it
// took, and is skipped when already done. Plain Node, no dependencies.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { KERNEL_NAME, NPM, PYTHON, ROOT, VENV, bin, findPython, run, say, step } from "./common.mjs";

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

function sha(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** npm packages: installed when node_modules is missing or older than package.json / the lock. */
async function npmPackages() {
  const marker = join(ROOT, "node_modules", ".package-lock.json");
  const newest = Math.max(mtime(join(ROOT, "package.json")), mtime(join(ROOT, "lib", "package.json")), mtime(join(ROOT, "package-lock.json")));
  if (existsSync(marker) && mtime(marker) >= newest) {
    say("npm packages: up to date");
    return;
  }
  await step("installing npm packages (npm ci)", () =>
    run(NPM, [existsSync(join(ROOT, "package-lock.json")) ? "ci" : "install", "--no-audit", "--no-fund"]),
  );
}

/**
 * A Python environment from requirements.txt; re-installed when requirements.txt changes.
 * Default: .venv with the first python3 on PATH. The hub (scripts/hub.mjs) makes a second one with
 * the hub's own Python (`base`) and `--system-site-packages` (`venvArgs`), so that learner servers
 * run on a Python every user can execute and see JupyterHub's single-user module.
 */
export async function pythonEnv(venv = VENV, { base, venvArgs = [] } = {}) {
  const python = join(venv, "bin", "python");
  const name = relative(ROOT, venv);
  const reqs = join(ROOT, "requirements.txt");
  const stamp = join(venv, ".seeklab-requirements.sha256");
  const want = sha(reqs);
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === want) {
    say(`Python environment (${name}): up to date`);
    return;
  }
  if (!existsSync(venv === VENV ? PYTHON : python)) {
    const py = base ?? findPython();
    if (!py) throw new Error("python3 was not found: install Python 3.9+ (Debian: apt-get install python3 python3-venv)");
    await step(`creating ${name} with ${py}`, () => run(py, ["-m", "venv", ...venvArgs, venv]));
  }
  // --retries 0: where the package index is unreachable, pip otherwise retries for minutes.
  await step(`installing JupyterLab, nbclient, nbconvert, plotly, numpy into ${name} (pip)`, () =>
    run(venv === VENV ? PYTHON : python, ["-m", "pip", "install", "--retries", "0", "--disable-pip-version-check", "-q", "-r", reqs]),
  );
  writeFileSync(stamp, `${want}\n`);
}

/**
 * The tslab kernel, registered as "seeklab" inside .venv only. Its binary is an absolute path:
 * kernels start in the notebook's folder, where a relative one would not resolve.
 */
export async function kernelSpec(venv = VENV) {
  const dir = join(venv, "share", "jupyter", "kernels", KERNEL_NAME);
  const tslab = join(ROOT, "node_modules", "tslab", "bin", "tslab");
  if (!existsSync(tslab)) throw new Error(`tslab is missing at ${tslab}: run npm install`);
  // scripts/tslab-kernel.cjs starts tslab with SeekLab's notebook hooks (lib/notebook/kernel.ts).
  const spec = {
    argv: [process.execPath, join(ROOT, "scripts", "tslab-kernel.cjs"), "kernel", "--config-path", "{connection_file}"],
    display_name: "SeekLab (TypeScript)",
    language: "typescript",
    metadata: { seeklab: { root: ROOT } },
  };
  const text = `${JSON.stringify(spec, null, 2)}\n`;
  const file = join(dir, "kernel.json");
  if (existsSync(file) && readFileSync(file, "utf8") === text) {
    say(`kernel spec "${KERNEL_NAME}": up to date`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, text);
  say(`kernel spec "${KERNEL_NAME}" ("SeekLab (TypeScript)") written to ${file}`);
}

/** Write `text` to `path` unless it already holds exactly that; returns whether it wrote. */
function writeIfChanged(path, text) {
  if (existsSync(path) && readFileSync(path, "utf8") === text) return false;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return true;
}

/**
 * The project's Jupyter settings, put where every Jupyter run from .venv reads them:
 * - .venv/package.json says "commonjs": .venv sits inside this `"type": "module"` package, so
 *   without it Node treats JupyterLab's own CommonJS helpers (its yarn and build-status probes)
 *   as ES modules and they crash at start-up and on every page load.
 * - jupyter/jupyter_server_config.py → .venv/etc/jupyter/ (drops chart PNG snapshots on save).
 * - jupyter/overrides.json → .venv/share/jupyter/lab/settings/ (no "Jupyter news?" pop-up).
 * - jupyter/page_config.json → .venv/etc/jupyter/labconfig/ (no debugger panel: tslab has no
 *   debug protocol, and JupyterLab's debugger then logs "No active debugger session" errors).
 */
export function jupyterConfig(venv = VENV) {
  const wrote = [
    writeIfChanged(join(venv, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`),
    writeIfChanged(join(venv, "etc", "jupyter", "jupyter_server_config.py"), readFileSync(join(ROOT, "jupyter", "jupyter_server_config.py"), "utf8")),
    writeIfChanged(join(venv, "share", "jupyter", "lab", "settings", "overrides.json"), readFileSync(join(ROOT, "jupyter", "overrides.json"), "utf8")),
    writeIfChanged(join(venv, "etc", "jupyter", "labconfig", "page_config.json"), readFileSync(join(ROOT, "jupyter", "page_config.json"), "utf8")),
  ];
  say(`Jupyter settings (jupyter/ → ${relative(ROOT, venv)}): ${wrote.some(Boolean) ? "written" : "up to date"}`);
}

function newestTs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "dist" || entry.name === "node_modules") continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTs(p));
    else if (entry.name.endsWith(".ts") || entry.name === "tsconfig.json") newest = Math.max(newest, mtime(p));
  }
  return newest;
}

/** lib/ → lib/dist (what notebooks import as "seeklab"). */
async function buildLibrary() {
  const stamp = join(ROOT, "lib", "dist", "index.js");
  if (existsSync(stamp) && mtime(stamp) >= newestTs(join(ROOT, "lib"))) {
    say("library (lib/dist): up to date");
    return;
  }
  await step("building the library (tsc -p lib)", () => run(bin("tsc"), ["-p", join("lib", "tsconfig.json")]));
}

export async function setup({ python = true } = {}) {
  const t0 = performance.now();
  await npmPackages();
  if (python) {
    await pythonEnv();
    await kernelSpec();
    jupyterConfig();
  }
  await buildLibrary();
  say(`set-up complete in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  setup().catch((e) => {
    console.error(`[seeklab] set-up failed: ${e.message}`);
    process.exit(1);
  });
}
