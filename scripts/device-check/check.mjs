// `node scripts/device-check.mjs check`: the whole check on the device (run.sh calls it).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fmt } from "./numbers.mjs";
import { compareCase, correctnessCases, runCases } from "./cases.mjs";
import { runTorch } from "./torch.mjs";
import { reportMarkdown } from "./report.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root here; the pack's root (build/device) on the device. */
const ROOT = resolve(HERE, "..", "..");

/**
 * Why no GPU adapter: ask Dawn again in a child process with the Vulkan loader's own logging on,
 * and list the driver manifests and libraries; written to OUT/vulkan-diagnostics.log.
 */
function diagnoseVulkan(outDir, log) {
  const probe = `const w = await import("webgpu"); const g = w.create([]);
for (const o of [{}, { powerPreference: "high-performance" }, { forceFallbackAdapter: true }]) {
  const a = await g.requestAdapter(o); console.log("requestAdapter(" + JSON.stringify(o) + "):", a ? JSON.stringify({ ...a.info, vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description, device: a.info.device }) : null);
}`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, VK_LOADER_DEBUG: "error,warn,info,driver" },
  });
  const text = [
    `$ ls -la of the Vulkan manifest folders\n${shell("ls -la /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1") ?? ""}`,
    `$ ldconfig -p | grep -iE 'vulkan|nvidia'\n${shell("ldconfig -p | grep -iE 'vulkan|nvidia'") ?? "(nothing)"}`,
    `$ ls /dev/nvidia* /dev/dri\n${shell("ls -la /dev/nvidia* /dev/dri 2>&1") ?? ""}`,
    `$ Dawn adapter probe with VK_LOADER_DEBUG (exit ${r.status}${r.error ? `, ${r.error.message}` : ""})`,
    (r.stdout ?? "") + (r.stderr ?? ""),
  ].join("\n\n");
  writeFileSync(join(outDir, "vulkan-diagnostics.log"), text.slice(0, 4 << 20));
  log(`Vulkan diagnostics: ${join(outDir, "vulkan-diagnostics.log")}`);
  for (const l of (r.stdout ?? "").split("\n").filter((x) => x.startsWith("requestAdapter"))) log(`  ${l}`);
  const errs = ((r.stderr ?? "") + (r.stdout ?? "")).split("\n").filter((l) => /ERROR|error|fail/i.test(l) && !l.startsWith("requestAdapter"));
  for (const l of errs.slice(0, 15)) log(`  ${l.slice(0, 300)}`);
  return { adapters: (r.stdout ?? "").split("\n").filter((x) => x.startsWith("requestAdapter")), errors: errs.slice(0, 30).map((l) => l.slice(0, 300)) };
}

function shell(cmd) {
  const r = spawnSync("sh", ["-c", cmd], { encoding: "utf8", timeout: 30_000 });
  return r.stdout?.trim() || undefined;
}

export async function check(args) {
  const argOut = args.indexOf("--out");
  const outDir = argOut >= 0 ? args[argOut + 1] : (process.env.OUT ?? join(ROOT, "build", "device-out"));
  mkdirSync(outDir, { recursive: true });
  const allowSoftware = process.env.DEVICE_CHECK_ALLOW_SOFTWARE === "1" || args.includes("--allow-software");
  const skipBench = args.includes("--skip-bench");
  const t0 = performance.now();
  const log = (m) => console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${m}`);
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    gpu: shell("nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader"),
    vulkan: { VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES, LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH },
    manifest: existsSync(join(ROOT, "MANIFEST.json")) ? JSON.parse(readFileSync(join(ROOT, "MANIFEST.json"), "utf8")) : undefined,
  };
  const save = () => {
    writeFileSync(join(outDir, "device-report.json"), JSON.stringify(report, null, 2) + "\n");
    writeFileSync(join(outDir, "device-report.md"), reportMarkdown(report));
  };
  log(`node ${process.version}, ${report.cores} cores, GPU: ${report.gpu ?? "(no nvidia-smi)"}`);

  const tf = await import("@tensorflow/tfjs");
  const S = await import("seeklab");
  const bench = await import(pathToFileURL(join(ROOT, "bench", "backends.mjs")).href);
  const cases = correctnessCases(tf, S, bench);

  // 1. References on cpu (pure JS), then wasm, then webgpu — WebGPU activated once, last.
  const results = {};
  for (const b of ["cpu", "wasm"]) {
    await S.initBackend(b, { quiet: true });
    log(`correctness: computing on ${b} …`);
    results[b] = await runCases(tf, cases, log);
  }
  let webgpu;
  try {
    webgpu = await S.initBackend("webgpu", { quiet: true });
  } catch (e) {
    report.adapter = { error: String(e.message ?? e) };
  }
  if (webgpu) {
    const backend = tf.backend();
    const limits = backend.device?.limits;
    report.adapter = {
      detail: webgpu.detail,
      accelerator: webgpu.accelerator,
      software: webgpu.accelerator !== "webgpu",
      info: backend.adapterInfo ? { ...backend.adapterInfo } : undefined,
      limits: limits && {
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
      },
    };
    log(`WebGPU adapter: ${webgpu.detail}`);
    if (report.adapter.software && !allowSoftware) {
      report.adapter.error = "the adapter is a software one (no GPU driver reached): set DEVICE_CHECK_ALLOW_SOFTWARE=1 to test the path anyway";
      webgpu = undefined;
    }
  }
  if (!webgpu) {
    log(`WebGPU: ${report.adapter.error}`);
    report.vulkanDiagnostics = diagnoseVulkan(outDir, log);
  }
  else {
    log("correctness: computing on webgpu …");
    results.webgpu = await runCases(tf, cases, log);
  }
  const rows = [];
  for (const c of cases) {
    if (results.webgpu) rows.push(...compareCase(c, results.webgpu[c.name], results.cpu[c.name], "cpu"));
    if (results.webgpu && c.alsoAgainst) rows.push(...compareCase(c, results.webgpu[c.name], results.cpu[c.alsoAgainst], `cpu ${c.alsoAgainst.split(",")[0]}`));
    if (results.webgpu && c.alsoAgainst) rows.push(...compareCase(c, results.webgpu[c.name], results.webgpu[c.alsoAgainst], `webgpu ${c.alsoAgainst.split(",")[0]}`));
  }
  // wasm against cpu for context (not gating): how far two CPU float32 backends differ.
  const wasmRel = new Map();
  for (const c of cases) for (const r of compareCase(c, results.wasm[c.name], results.cpu[c.name], "cpu")) wasmRel.set(`${r.op}|${r.output}`, r.result === "FAIL" ? r.error ?? r.rel : r.rel);
  for (const r of rows) if (r.against === "cpu") r.wasmRel = wasmRel.get(`${r.op}|${r.output}`);
  report.correctness = {
    tolerance: "rel = max|webgpu − reference| / max|reference| ≤ tol; integer outputs must match exactly",
    rows,
    timingsMs: Object.fromEntries(Object.entries(results).map(([b, r]) => [b, Object.fromEntries(Object.entries(r).map(([k, v]) => [k, +v.ms.toFixed(1)]))])),
    leaks: Object.fromEntries(Object.entries(results).map(([b, r]) => [b, Object.entries(r).filter(([, v]) => v.leaked).map(([k, v]) => `${k}: ${v.leaked}`)])),
  };
  const failed = rows.filter((r) => r.result === "FAIL");
  report.correctness.passed = rows.filter((r) => r.result === "PASS").length;
  report.correctness.failed = failed.length;
  if (results.webgpu) log(`correctness on webgpu: ${report.correctness.passed} passed, ${failed.length} failed`);
  for (const f of failed) log(`  FAIL ${f.op} [${f.output}] vs ${f.against}: ${f.error ?? `rel ${fmt(f.rel)} > ${f.tol}`}`);
  save();

  // 2. The backends benchmark, one child process per backend.
  if (!skipBench) {
    const software = report.adapter?.software;
    const argB = args.indexOf("--bench-backends");
    const wanted = argB >= 0 ? args[argB + 1].split(",") : ["webgpu", "wasm", "cpu"];
    const names = wanted.filter((n) => n !== "webgpu" || webgpu);
    log(`benchmark: ${names.join(", ")} …`);
    const b = await bench.benchBackendsDetailed({ backends: names, gpuExtra: software ? [] : [2048, 4096], log: (m) => log(`  ${m}`) });
    report.bench = b;
    save();
  }

  // 3. PyTorch on CUDA, where present, for the same matmul.
  if (!args.includes("--skip-torch")) {
    const sizes = [512, 1024, 2048, 4096];
    report.torch = runTorch(sizes, log);
    if (report.torch.rows) {
      const wg = new Map((report.bench?.rows ?? []).filter((r) => r.backend === "webgpu" && r.workload === "matmul").map((r) => [parseInt(r.shape, 10), r.rate]));
      for (const r of report.torch.rows) {
        r.webgpu_gflops = wg.get(r.n);
        r.torch_over_webgpu = r.webgpu_gflops ? r.fp32_readback_gflops / r.webgpu_gflops : undefined;
      }
      log(`PyTorch ${report.torch.torch} on ${report.torch.device}: ${report.torch.rows.map((r) => `n=${r.n} ${fmt(r.fp32_gflops)} GFLOP/s`).join(", ")}`);
    } else log(`PyTorch: ${report.torch.reason ?? report.torch.error ?? "no CUDA"}`);
  }
  report.seconds = +((performance.now() - t0) / 1000).toFixed(1);
  report.verdict = !webgpu ? "FAIL: no usable WebGPU adapter" : failed.length ? `FAIL: ${failed.length} correctness rows failed` : "PASS";
  save();
  console.log("\n" + reportMarkdown(report));
  log(`wrote ${join(outDir, "device-report.md")} and .json`);
  process.exitCode = report.verdict === "PASS" ? 0 : 1;
}
