// `npm test`: set up whatever is missing, then run every test — the strict typecheck, the library
// suite (vitest), the consumer test of the packed library, every notebook headless through the SeekLab kernel, and the real-browser check of
// the exported pages, the course site, JupyterLab as a learner meets it, and the workshop hub (as root). Every stage runs even if an earlier one failed; the summary at the end lists
// each and the last line counts everything: "total: N passed, N failed".
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { ROOT, bin, hasCommand, runStatus, say } from "./common.mjs";
import { setup } from "./setup.mjs";
import { runNotebooks } from "./run-notebooks.mjs";
import { exportHtml } from "./export-html.mjs";
import { browserCheck } from "./browser-check.mjs";
import { consumerCheck } from "./pack/consumer-check.mjs";
import { buildSite } from "./site.mjs";
import { labCheck } from "./lab-check.mjs";

const results = [];
let passed = 0;
let failed = 0;

function record(stage, ok, detail, counts) {
  results.push({ stage, ok, detail });
  if (counts) {
    passed += counts.passed;
    failed += counts.failed;
  } else if (ok) passed++;
  else failed++;
}

async function timed(stage, fn) {
  const t0 = performance.now();
  say(`── ${stage} ──`);
  try {
    await fn();
  } catch (e) {
    record(stage, false, e.message);
  }
  say(`${stage}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Test files (relative paths) whose source contains `marker`. */
function testFilesUsing(marker) {
  const found = [];
  const walk = (dir) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith(".test.ts") && readFileSync(join(ROOT, rel), "utf8").includes(marker)) found.push(rel);
    }
  };
  walk("tests");
  return found.sort();
}

function vitestCounts(file) {
  try {
    const r = JSON.parse(readFileSync(file, "utf8"));
    return { passed: r.numPassedTests, failed: r.numFailedTests + (r.numFailedTestSuites ?? 0), skipped: r.numPendingTests + (r.numTodoTests ?? 0) };
  } catch {
    return undefined;
  }
}

/** Why the hub test cannot run here, or undefined. */
function hubUnavailable() {
  if (process.getuid?.() !== 0) return "needs root (it creates one Unix user per learner)";
  if (!process.env.SEEKLAB_JUPYTERHUB && !hasCommand("jupyterhub")) return "JupyterHub is not installed (Debian: apt-get install jupyterhub)";
  return undefined;
}

/** Run scripts/hub-test.mjs, echoing its output; its counts and the lines that say what failed. */
function hubTestRun() {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [join(ROOT, "scripts", "hub-test.mjs")], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let passed = 0;
    let failed = 1;
    const reasons = [];
    createInterface({ input: child.stdout }).on("line", (line) => {
      console.log(line);
      const m = /^hub: (\d+) passed, (\d+) failed/.exec(line);
      if (m) [passed, failed] = [Number(m[1]), Number(m[2])];
      if (/^✗|could not run/.test(line)) reasons.push(line.replace(/^✗ /, "").slice(0, 300));
    });
    child.on("exit", (code) => resolvePromise({ code: code ?? 1, passed, failed, reasons }));
  });
}

async function main() {
  const t0 = performance.now();
  await setup();

  await timed("typecheck (tsc --noEmit, strict)", async () => {
    const code = await runStatus(bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]);
    record("typecheck", code === 0, code === 0 ? "no errors" : "type errors above");
  });

  // The backend matrix: the whole library suite on wasm (the CPU default), then every test file
  // that computes with tensors (those that call useTestBackend) again on the pure-JS `cpu`
  // backend and on `webgpu` (SwiftShader's software Vulkan on a machine without a GPU), the way
  // tfjs-core runs its op tests on every backend. SEEKLAB_TEST_BACKENDS narrows or reorders it.
  const backends = (process.env.SEEKLAB_TEST_BACKENDS ?? "wasm,cpu,webgpu").split(",").map((s) => s.trim()).filter(Boolean);
  const tensorTests = testFilesUsing("useTestBackend(");
  for (const backend of backends) {
    await timed(`library tests on ${backend} (vitest)`, async () => {
      const out = join(ROOT, "build", `vitest-${backend}.json`);
      rmSync(out, { force: true });
      const files = backend === "wasm" ? [] : tensorTests;
      const code = await runStatus(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...files], {
        env: { ...process.env, SEEKLAB_BACKEND: backend },
      });
      const c = vitestCounts(out);
      const detail = c ? `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped` : `exit ${code}, no report`;
      record(`vitest (${backend})`, code === 0, detail, c && code === 0 ? { passed: c.passed, failed: c.failed } : c ? { passed: c.passed, failed: Math.max(1, c.failed) } : undefined);
    });
  }

  // The packed library in an empty project, as a user outside this repository installs it.
  await timed("consumer test (npm pack → empty project → ESM + TypeScript)", async () => {
    const r = await consumerCheck();
    const s = r.sizes;
    record("consumer test", r.ok, `${r.checks.filter((c) => c.ok).length} passed, ${r.checks.filter((c) => !c.ok).length} failed; ` +
      `tarball ${(s.tarball / 1e6).toFixed(1)} MB, node_modules CPU-only ${(s.cpuOnly / 1e6).toFixed(0)} MB, with WebGPU ${(s.gpu / 1e6).toFixed(0)} MB`);
  });

  let notebooksOk = false;
  await timed("notebooks (headless, seeklab kernel)", async () => {
    rmSync(join(ROOT, "build", "notebooks"), { recursive: true, force: true });
    const code = await runNotebooks();
    notebooksOk = code === 0;
    record("notebooks", code === 0, code === 0 ? "all executed" : "see the ✗ lines above");
  });

  if (process.env.SEEKLAB_SKIP_BROWSER === "1") {
    results.push({ stage: "browser check", ok: true, detail: "SKIPPED because SEEKLAB_SKIP_BROWSER=1 — charts were NOT checked in a browser" });
  } else {
    await timed("browser check (exported HTML in headless Chromium)", async () => {
      rmSync(join(ROOT, "build", "html"), { recursive: true, force: true });
      await exportHtml();
      const r = await browserCheck();
      record("browser check", r.failed === 0, `${r.passed} page(s) drew every chart, ${r.failed} did not${notebooksOk ? "" : " (some notebooks failed, so some pages are partial)"}`, r);
    });
  }

  if (process.env.SEEKLAB_SKIP_BROWSER !== "1") {
    await timed("course site (npm run site, reusing the executed lessons; checked in headless Chromium)", async () => {
      const r = await buildSite({ reuse: true, check: true });
      record("course site", r.failed === 0, `${r.passed} page(s) passed (charts drawn, no errors, internal links resolve), ${r.failed} failed`);
    });
  }

  if (process.env.SEEKLAB_SKIP_BROWSER !== "1") {
    await timed("npm start as a learner meets it (JupyterLab in headless Chromium: 00_welcome, Run All, Save)", async () => {
      const { createServer } = await import("node:net");
      const port = await new Promise((res) => {
        const s = createServer().listen(0, "127.0.0.1", () => {
          const free = s.address().port;
          s.close(() => res(free));
        });
      });
      const r = await labCheck({ port, lessons: ["00_welcome.ipynb"] });
      const saved = r.results.map((x) => `${x.name} ${(x.bytes / 1e6).toFixed(2)} MB after Run All + Save`).join(", ");
      record("npm start in JupyterLab", r.problems.length === 0, r.problems.length ? r.problems.join("; ") : `opens 00_welcome, quiet terminal, ${saved}`);
    });
  }

  // The workshop hub (npm run test:hub): a real JupyterHub with 3 learners, driven through its
  // HTTP API. It creates Unix users, so it needs root and JupyterHub (`.ci/run` installs Debian's).
  await timed("workshop hub (npm run test:hub: JupyterHub, 3 learners, driven through its HTTP API)", async () => {
    const why = hubUnavailable();
    if (why && process.env.CI !== "true") {
      results.push({ stage: "workshop hub", ok: true, detail: `SKIPPED: ${why}; run \`sudo npm run test:hub\` to check it` });
      return;
    }
    if (why) throw new Error(`cannot run on CI: ${why}`);
    const r = await hubTestRun();
    record("workshop hub", r.code === 0, `${r.passed} passed, ${r.failed} failed${r.reasons.length ? ` — ${r.reasons.join("; ")}` : ""}`, {
      passed: r.passed,
      failed: r.code === 0 ? r.failed : Math.max(1, r.failed),
    });
  });

  console.log("\nSummary");
  for (const r of results) console.log(`  ${r.ok ? "✓" : "✗"} ${r.stage}: ${r.detail}`);
  if (process.env.SEEKLAB_SKIP_BROWSER === "1") console.log("  !!! The browser check was skipped (SEEKLAB_SKIP_BROWSER=1). !!!");
  console.log(`  ${((performance.now() - t0) / 1000).toFixed(0)} s in all`);
  const anyFailed = results.some((r) => !r.ok);
  console.log(`total: ${passed} passed, ${anyFailed ? Math.max(failed, 1) : failed} failed`);
  process.exit(anyFailed ? 1 : 0);
}

main().catch((e) => {
  console.log(`[seeklab] npm test could not run: ${e.message}`);
  console.log("total: 0 passed, 1 failed");
  process.exit(1);
});
