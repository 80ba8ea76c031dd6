// The consumer test (part of `npm test`): seeklab as a user outside this repository meets it.
// Packs lib/, installs the tarball with the user's own @tensorflow/tfjs into an empty temporary
// project (tarballs from the npm cache that `npm ci` filled), then
//   1. runs an ESM script there (consumer.mjs, beside this file): the backend, MLA on the user's
//      own tensors, Bradley–Terry, every data loader without a path, the missing-WebGPU message;
//   2. typechecks a TypeScript file (consumer.ts) against the installed types with
//      "module": "nodenext" and no skipLibCheck;
//   3. fails on any "already registered" line (two TensorFlow.js instances);
//   4. measures node_modules for a CPU-only install, then again with the optional WebGPU packages.
// Usage: node scripts/pack/consumer-check.mjs [--keep]   (--keep leaves the temporary project)
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { NPM, ROOT } from "../common.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const TFJS = "4.22.0";
const WEBGPU = ["webgpu@0.6.2", `@tensorflow/tfjs-backend-webgpu@${TFJS}`];

function sh(cmd, args, cwd, what) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, SEEKLAB_BACKEND: "" } });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${out.slice(-3000)}`);
  return out;
}

/** Bytes on disk under `dir` (files only; links not followed). */
function diskBytes(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += diskBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

export async function consumerCheck({ keep = false, log = console.log } = {}) {
  const work = mkdtempSync(join(tmpdir(), "seeklab-consumer-"));
  const checks = [];
  const check = (name, ok, detail = "") => {
    checks.push({ name, ok, detail });
    log(`  ${ok ? "✓" : "✗"} ${name}${detail ? `: ${detail}` : ""}`);
  };
  try {
    // 1. Pack: prepack builds dist/ clean and copies the datasets in (run here, so that npm's
    //    --json report is not mixed with the scripts' output), postpack removes the copy.
    sh(process.execPath, [join(HERE, "prepack.mjs")], ROOT, "prepack");
    let packOut;
    try {
      packOut = sh(NPM, ["pack", "--ignore-scripts", "--pack-destination", work, "--json"], join(ROOT, "lib"), "npm pack");
    } finally {
      sh(process.execPath, [join(HERE, "postpack.mjs")], ROOT, "postpack");
    }
    const packed = JSON.parse(packOut)[0];
    const tarball = join(work, packed.filename);
    const tarBytes = statSync(tarball).size;
    const names = packed.files.map((f) => f.path);
    check("tarball under 5 MB", tarBytes < 5e6, `${mb(tarBytes)} packed, ${packed.files.length} files`);
    check("README and LICENSE shipped", names.includes("README.md") && names.includes("LICENSE"));
    const maps = names.filter((n) => n.endsWith(".map"));
    const tsShipped = names.filter((n) => n.endsWith(".ts") && !n.endsWith(".d.ts"));
    check("source maps carry their sources (or none ship)", tsShipped.length === 0, `${maps.length} maps, sources inlined (inlineSources)`);

    // 2. An empty project with the user's own TensorFlow.js, installed from the npm cache (--prefer-offline: package metadata from the registry when the cache lacks it).
    const app = join(work, "app");
    cpSync(join(HERE, "consumer"), app, { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "seeklab-consumer", private: true, type: "module", allowScripts: { webgpu: false, "core-js": false } }, null, 2));
    sh(NPM, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball, `@tensorflow/tfjs@${TFJS}`], app, "npm install (CPU-only)");
    const cpuBytes = diskBytes(join(app, "node_modules"));
    check("CPU-only install", true, `node_modules ${mb(cpuBytes)}`);

    // 3. The ESM script, then the types.
    const run = spawnSync(process.execPath, ["consumer.mjs"], { cwd: app, encoding: "utf8", env: { ...process.env, SEEKLAB_BACKEND: "" } });
    const out = `${run.stdout ?? ""}${run.stderr ?? ""}`;
    log(out.trimEnd().split("\n").map((l) => `    ${l}`).join("\n"));
    check("ESM script runs", run.status === 0, run.status === 0 ? "" : `exit ${run.status}`);
    check("one TensorFlow.js instance (no 'already registered')", !/already registered/i.test(out));
    // TypeScript itself (node_modules/.bin/tsc is tslab's 5.0 fork). Errors are sorted by file:
    // seeklab's declarations and the consumer's file must have none; @tensorflow/tfjs 4.22's own
    // declarations (tfjs-layers) fail strict checking on their own, which is theirs to fix.
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: app, encoding: "utf8" });
    const errors = `${tsc.stdout ?? ""}`.split("\n").filter((l) => /^\S.*\(\d+,\d+\): error TS/.test(l));
    const ours = errors.filter((l) => l.startsWith("consumer.ts") || l.startsWith("node_modules/seeklab/"));
    const theirs = errors.length - ours.length;
    if (ours.length) log(ours.slice(0, 30).map((l) => `    ${l}`).join("\n"));
    check('TypeScript ("module": "nodenext", no skipLibCheck): seeklab\'s declarations and a consumer file check clean', tsc.stdout !== undefined && ours.length === 0,
      `${ours.length} error(s) in seeklab or consumer.ts; ${theirs} in TensorFlow.js's own declarations (not seeklab's)`);

    // 4. The GPU install: the optional peers added.
    sh(NPM, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", ...WEBGPU], app, "npm install (WebGPU)");
    const gpuBytes = diskBytes(join(app, "node_modules"));
    check("GPU install (webgpu + tfjs-backend-webgpu added)", true, `node_modules ${mb(gpuBytes)}`);
    return { ok: checks.every((c) => c.ok), checks, sizes: { tarball: tarBytes, cpuOnly: cpuBytes, gpu: gpuBytes } };
  } finally {
    if (keep) log(`  (kept ${work})`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await consumerCheck({ keep: process.argv.includes("--keep") });
  console.log(`consumer check: ${r.checks.filter((c) => c.ok).length} passed, ${r.checks.filter((c) => !c.ok).length} failed`);
  process.exit(r.ok ? 0 : 1);
}
