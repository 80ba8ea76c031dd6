// The GPU device check: SeekLab's library ops on a real GPU through WebGPU (Dawn on the NVIDIA
// driver's Vulkan), compared with the pure-JS `cpu` backend, then the backends benchmark, then
// (where PyTorch and CUDA are there) the same matmul in PyTorch for a side-by-side ratio.
//
// It is made for a machine with a GPU and NO network, that may not even have Node:
//
//   node scripts/device-check.mjs pack [--no-build]     (here) build build/device/, ~38 MiB:
//       node_modules/seeklab          the compiled library (lib/dist *.js + lib/package.json)
//       node_modules/@tensorflow/…    only the files Node loads at run time (traced: each package's
//                                     package.json + its dist/*.node.js bundle; wasm binaries)
//       node_modules/webgpu           index.js + the linux-x64 dawn.node, xz-compressed
//       vulkan/libvulkan.so.1         this machine's Vulkan loader (the device may lack one)
//       node/node.xz                  this machine's node binary, xz-compressed
//       scripts/, bench/, run.sh      this script, bench/backends.mjs, scripts/device-check.sh
//   sh scripts/device-check.sh build/device             (there) the whole check; see that file
//   node scripts/device-check.mjs check [--out DIR]     the Node part (run.sh calls it)
//
// With the device tool: run({ command: "sh scripts/device-check.sh build/device",
// carry: ["build/device"], timeout_s: 420 }); the report lands in $OUT/device-report.{md,json}.
// Try it here first with SwiftShader standing in for the GPU:
//   DEVICE_CHECK_ALLOW_SOFTWARE=1 DEVICE_CHECK_FORCE_CARRIED_NODE=1 \
//     VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json sh scripts/device-check.sh build/device
//
// One process activates WebGPU at most once: re-activating it after another backend makes
// lib/backend/ start a second Dawn instance, which aborted SwiftShader here
// (`__pthread_tpp_change_priority: Assertion failed`). So the correctness suite computes on cpu,
// then wasm, then webgpu, and the benchmark runs each backend in a child process.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root here; the pack's root (build/device) on the device. */
const ROOT = resolve(HERE, "..");

// ───────────────────────────── numbers and tables (used by the tests too) ─────────────────────────────

/**
 * How far `got` is from `want`: the largest absolute difference, the reference's scale (its
 * largest magnitude) and their ratio `rel` — the "max relative difference" the report states.
 * Relative to the scale, not elementwise, so that entries near zero don't blow it up.
 */
export function compareArrays(got, want) {
  if (got.length !== want.length) return { maxAbs: Infinity, scale: NaN, rel: Infinity, note: `length ${got.length} ≠ ${want.length}` };
  let maxAbs = 0;
  let scale = 0;
  let bad = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!Number.isFinite(got[i])) bad++;
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(want[i]));
  }
  const rel = bad ? Infinity : maxAbs / Math.max(scale, 1e-30);
  return { maxAbs, scale, rel, ...(bad ? { note: `${bad} non-finite values` } : {}) };
}

/** Entries that differ (for integer outputs such as the chosen experts). */
export function countMismatches(got, want) {
  if (got.length !== want.length) return Infinity;
  let n = 0;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) n++;
  return n;
}

function fmt(v) {
  if (typeof v !== "number") return String(v ?? "");
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return "0";
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : a >= 0.01 ? v.toFixed(3) : v.toExponential(2);
}

/** A markdown table of flat rows (columns in first-seen order). */
export function markdownTable(rows, cols) {
  if (rows.length === 0) return "(none)";
  const names = cols ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v) => fmt(v).replace(/\|/g, "\\|");
  return [
    `| ${names.join(" | ")} |`,
    `|${names.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${names.map((c) => cell(r[c])).join(" | ")} |`),
  ].join("\n");
}

// ───────────────────────────────────────────── pack ─────────────────────────────────────────────

const TRACE = `
import * as tf from "@tensorflow/tfjs";
const s = await import("seeklab");
for (const b of ["cpu", "wasm"]) {
  await s.initBackend(b, { quiet: true });
  const y = tf.matMul(tf.ones([4, 4]), tf.ones([4, 4]));
  await y.data();
}
// WebGPU's modules load without an adapter; only what they require matters here.
const w = await import("webgpu");
Object.assign(globalThis, w.globals);
if (!globalThis.navigator) Object.defineProperty(globalThis, "navigator", { value: {}, configurable: true, writable: true });
await import("@tensorflow/tfjs-backend-webgpu");
const { createRequire } = await import("node:module");
console.log("@@trace " + JSON.stringify(Object.keys(createRequire(process.cwd() + "/").cache)));
`;

/** Files under node_modules that Node loaded while importing seeklab and the three backends. */
export function traceRuntimeFiles() {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", TRACE], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("@@trace "));
  if (r.status !== 0 || !line) throw new Error(`tracing the runtime files failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice(8));
}

/** The package folder (holding package.json) of a file under node_modules. */
function packageRoot(file) {
  let d = dirname(file);
  while (d !== dirname(d)) {
    if (existsSync(join(d, "package.json")) && dirname(d).split(sep).includes("node_modules")) return d;
    d = dirname(d);
  }
  return undefined;
}

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function copy(src, dest) {
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(src, dest);
}

function which(cmd) {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Compress `src` to `dest` (xz when available, else gzip), reusing a cached copy in `cacheDir`
 * keyed by the source's size and mtime: xz of a 100 MB node binary takes minutes on 2 cores.
 */
function compressCached(src, dest, cacheDir) {
  const st = statSync(src);
  const xz = which("xz");
  const ext = xz ? ".xz" : ".gz";
  const key = `${src.replace(/[^A-Za-z0-9]+/g, "_")}-${st.size}-${Math.floor(st.mtimeMs)}${ext}`;
  const cached = join(cacheDir, key);
  if (!existsSync(cached)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.tmp`;
    if (xz) execFileSync("sh", ["-c", `xz -T0 -6 -c "$1" > "$2"`, "sh", src, tmp]);
    else writeFileSync(tmp, gzipSync(readFileSync(src), { level: 9 }));
    execFileSync("mv", [tmp, cached]);
  }
  const out = dest + ext;
  copy(cached, out);
  return out;
}

function findVulkanLoader() {
  const r = spawnSync("sh", ["-c", "ldconfig -p 2>/dev/null | grep 'libvulkan.so.1 (libc6,x86-64)'"], { encoding: "utf8" });
  const fromCache = r.stdout.match(/=>\s*(\S+)/)?.[1];
  for (const p of [fromCache, "/usr/lib/x86_64-linux-gnu/libvulkan.so.1", "/usr/lib64/libvulkan.so.1", "/usr/lib/libvulkan.so.1"]) {
    if (p && existsSync(p)) return realpathSync(p);
  }
  return undefined;
}

function isX64Elf(file) {
  const b = readFileSync(file).subarray(0, 20);
  return b[0] === 0x7f && b[1] === 0x45 && b[4] === 2 && b.readUInt16LE(18) === 0x3e;
}

function pack(args) {
  const dest = join(ROOT, "build", "device");
  const cacheDir = join(ROOT, "build", "device-cache");
  if (!args.includes("--no-build")) {
    console.log("building the library (tsc -p lib/tsconfig.json) …");
    execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "lib", "tsconfig.json")], { stdio: "inherit" });
  }
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const nm = join(ROOT, "node_modules");
  const libDir = realpathSync(join(ROOT, "lib"));
  const copied = new Set();
  const put = (src, rel) => {
    if (copied.has(rel) || src.endsWith(".map")) return;
    copied.add(rel);
    copy(src, join(dest, rel));
  };

  // The library: every compiled .js (ESM, so not in the CJS trace) and its package.json.
  put(join(libDir, "package.json"), "node_modules/seeklab/package.json");
  for (const f of walk(join(libDir, "dist"))) if (f.endsWith(".js")) put(f, join("node_modules/seeklab", relative(libDir, f)));

  // The CommonJS files Node actually loads (tfjs bundles, seedrandom, long, …) and their package.json.
  console.log("tracing the files Node loads for seeklab, cpu, wasm and webgpu …");
  let dawn;
  for (const f of traceRuntimeFiles()) {
    const real = realpathSync(f);
    if (real.startsWith(libDir + sep)) continue;
    if (!real.startsWith(nm + sep)) throw new Error(`a runtime file lies outside node_modules: ${real}`);
    if (real.endsWith("dawn.node")) {
      dawn = real;
      continue;
    }
    put(real, relative(ROOT, real));
    const pkg = packageRoot(real);
    if (pkg) put(join(pkg, "package.json"), relative(ROOT, join(pkg, "package.json")));
  }
  // The wasm backend reads its binaries from its dist folder (not through require).
  const wasmDist = join(nm, "@tensorflow", "tfjs-backend-wasm", "dist");
  for (const f of readdirSync(wasmDist)) if (f.endsWith(".wasm")) put(join(wasmDist, f), relative(ROOT, join(wasmDist, f)));
  // webgpu is ESM: its index.js, package.json and the linux-x64 binding only.
  const webgpu = join(nm, "webgpu");
  for (const f of ["package.json", "index.js", "LICENSE.md"]) put(join(webgpu, f), relative(ROOT, join(webgpu, f)));
  dawn = join(webgpu, "dist", "linux-x64", "dawn.node");
  if (!existsSync(dawn)) throw new Error(`${dawn} is missing: is the 'webgpu' package installed?`);
  console.log("compressing dawn.node and node (cached in build/device-cache) …");
  compressCached(dawn, join(dest, "node_modules", "webgpu", "dist", "linux-x64", "dawn.node"), cacheDir);
  if (!isX64Elf(process.execPath)) console.log(`warning: ${process.execPath} is not an x86-64 ELF binary; the device will need its own node ≥ 20.19`);
  else compressCached(process.execPath, join(dest, "node", "node"), cacheDir);
  const vk = findVulkanLoader();
  if (vk) copy(vk, join(dest, "vulkan", "libvulkan.so.1"));
  else console.log("warning: no libvulkan.so.1 here; the device must provide its own Vulkan loader");

  // The check itself.
  put(fileURLToPath(import.meta.url), "scripts/device-check.mjs");
  put(join(ROOT, "bench", "backends.mjs"), "bench/backends.mjs");
  put(join(ROOT, "scripts", "device-check.sh"), "run.sh");
  writeFileSync(join(dest, "package.json"), JSON.stringify({ name: "seeklab-device-check", private: true, type: "module" }, null, 2) + "\n");

  const files = walk(dest).map((f) => ({ path: relative(dest, f), bytes: statSync(f).size }));
  const total = files.reduce((a, f) => a + f.bytes, 0);
  let commit = "";
  try {
    commit = execFileSync("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {}
  const manifest = { date: new Date().toISOString(), commit, node: process.version, files: files.length, bytes: total, largest: files.sort((a, b) => b.bytes - a.bytes).slice(0, 8) };
  writeFileSync(join(dest, "MANIFEST.json"), JSON.stringify(manifest, null, 2) + "\n");
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  console.log(`build/device: ${files.length} files, ${mib(total)} MiB`);
  for (const f of manifest.largest) console.log(`  ${mib(f.bytes).padStart(6)} MiB  ${f.path}`);
  if (total > 56 * 2 ** 20) throw new Error(`build/device is ${mib(total)} MiB: too close to the device tool's 64 MiB limit (with the working tree)`);
  console.log(`run it:  sh scripts/device-check.sh build/device   (device tool: carry ["build/device"])`);
}

// ───────────────────────────────────── the correctness suite ─────────────────────────────────────

/** Tolerances on `rel` (max |webgpu − cpu| / max |cpu|). tfjs's own op tests allow 1e-3 on GPU backends. */
export const TOLERANCE = { op: 1e-3, layer: 2e-3, training: 2e-3 };

function prod(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The cases: each `run()` returns named outputs (tensors, numbers or number arrays), computed on
 * the active backend from seeded inputs (Rng draws uploaded once, so every backend sees the same
 * numbers). `exact` outputs are integers compared entry by entry.
 */
export function correctnessCases(tf, S, bench) {
  const T = (shape, seed, std = 1) => tf.tensor(new S.Rng(seed).normals(prod(shape), 0, std), shape, "float32");
  const mlaCfg = { dModel: 64, nHeads: 4, qLoraRank: 32, kvLoraRank: 32, qkNopeHeadDim: 16, qkRopeHeadDim: 8, vHeadDim: 16, maxSeqLen: 32 };
  const mla = (mode) => async () => {
    const w = S.initMLAWeights(mlaCfg, 11);
    const cache = S.createMLACache(mlaCfg, 2, mode);
    const x = T([2, 12, 64], 12);
    const x2 = T([2, 1, 64], 13);
    try {
      const prefill = S.mlaForward(x, w, mlaCfg, { mode, cache, startPos: 0 });
      const decode = S.mlaForward(x2, w, mlaCfg, { mode, cache, startPos: 12 });
      return { prefill, decode };
    } finally {
      cache.dispose();
      tf.dispose([x, x2, ...Object.values(w).filter(Boolean)]);
    }
  };
  const moeCfg = { nExperts: 8, topK: 2, scoreFunc: "sigmoid", routeScale: 2.5 };
  const moeSetup = () => {
    const w = S.initMoEWeights(32, 16, 8, 21, { nShared: 1, withBias: true });
    const x = T([48, 32], 22);
    return { w, x, done: () => (x.dispose(), S.disposeMoEWeights(w)) };
  };
  return [
    { name: "matmul 128×96 · 96×160", tol: TOLERANCE.op, run: async () => ({ y: tf.tidy(() => tf.matMul(T([128, 96], 1), T([96, 160], 2))) }) },
    {
      name: "batched matmul, transposeB [2,3,32,24]·[2,3,40,24]ᵀ",
      tol: TOLERANCE.op,
      run: async () => ({ y: tf.tidy(() => tf.matMul(T([2, 3, 32, 24], 3), T([2, 3, 40, 24], 4), false, true)) }),
    },
    { name: "linear x·W + b (rank 3)", tol: TOLERANCE.op, run: async () => ({ y: tf.tidy(() => S.linear(T([2, 8, 48], 5), T([48, 40], 6), T([40], 7))) }) },
    { name: "rmsNorm [2,16,64]", tol: TOLERANCE.op, run: async () => ({ y: tf.tidy(() => S.rmsNorm(T([2, 16, 64], 8, 3), T([64], 9))) }) },
    {
      name: "RoPE interleaved, startPos 5",
      tol: TOLERANCE.op,
      run: async () => ({ y: tf.tidy(() => S.applyRope(T([2, 16, 4, 32], 10), S.ropeTables(32, 64), 5)) }),
    },
    {
      name: "RoPE rotate-half, startPos 5",
      tol: TOLERANCE.op,
      run: async () => ({ y: tf.tidy(() => S.applyRope(T([2, 16, 4, 32], 10), S.ropeTables(32, 64), 5, "rotateHalf")) }),
    },
    {
      name: "causal attention q[2,4,16,32] k,v[2,4,24,32]",
      tol: TOLERANCE.op,
      run: async () => ({ y: tf.tidy(() => S.attention(T([2, 4, 16, 32], 14), T([2, 4, 24, 32], 15), T([2, 4, 24, 32], 16), { offset: 8 })) }),
    },
    {
      name: "SwiGLU FFN 64→96→64",
      tol: TOLERANCE.op,
      run: async () => {
        const w = S.initSwiGLUWeights(64, 96, 17);
        try {
          return { y: tf.tidy(() => S.swiglu(T([32, 64], 18), w)) };
        } finally {
          S.disposeSwiGLU(w);
        }
      },
    },
    {
      name: "MHA (GQA 4q/2kv) prefill 12 + decode 1, KV cache",
      tol: TOLERANCE.layer,
      run: async () => {
        const cfg = { dModel: 64, nHeads: 4, nKvHeads: 2, headDim: 16, maxSeqLen: 32 };
        const w = S.initMHAWeights(cfg, 19);
        const cache = S.createMHACache(cfg, 2);
        const x = T([2, 12, 64], 12);
        const x2 = T([2, 1, 64], 13);
        try {
          return { prefill: S.mhaForward(x, w, cfg, { cache, startPos: 0 }), decode: S.mhaForward(x2, w, cfg, { cache, startPos: 12 }) };
        } finally {
          cache.dispose();
          tf.dispose([x, x2, ...Object.values(w).filter((t) => t instanceof tf.Tensor)]);
        }
      },
    },
    { name: "MLA naive, prefill 12 + decode 1", tol: TOLERANCE.layer, run: mla("naive") },
    { name: "MLA absorbed, prefill 12 + decode 1", tol: TOLERANCE.layer, run: mla("absorbed"), alsoAgainst: "MLA naive, prefill 12 + decode 1" },
    {
      name: "MoE gate (sigmoid, top-2 of 8, bias)",
      tol: TOLERANCE.op,
      exact: ["indices"],
      run: async () => {
        const { w, x, done } = moeSetup();
        try {
          const r = S.route(x, w.gate, moeCfg, w.bias);
          return { scores: r.scores, weights: r.weights, indices: r.indices };
        } finally {
          done();
        }
      },
    },
    {
      name: "MoE layer, sparse dispatch (moeForward)",
      tol: TOLERANCE.layer,
      run: async () => {
        const { w, x, done } = moeSetup();
        try {
          return { y: await S.moeForward(x, w, moeCfg) };
        } finally {
          done();
        }
      },
    },
    {
      name: "MoE layer, dense reference (moeForwardDense)",
      tol: TOLERANCE.layer,
      run: async () => {
        const { w, x, done } = moeSetup();
        try {
          return { y: S.moeForwardDense(x, w, moeCfg) };
        } finally {
          done();
        }
      },
    },
    {
      name: "training: tiny transformer, loss before and after 3 AdamW steps",
      tol: TOLERANCE.training,
      run: async () => {
        const tr = bench.makeTrainStep({ batch: 8, dModel: 32, nLayers: 2, nHeads: 2, ffnHidden: 64 }, 3);
        try {
          const losses = [];
          for (let i = 0; i < 3; i++) losses.push(await tr.step(3e-3));
          losses.push(await tr.loss());
          return { losses };
        } finally {
          tr.dispose();
        }
      },
    },
  ];
}

/** Run every case on the active backend; outputs become plain arrays. Errors are kept, not thrown. */
async function runCases(tf, cases, log) {
  const out = {};
  for (const c of cases) {
    const t0 = performance.now();
    const before = tf.memory().numTensors;
    try {
      const raw = await c.run();
      const vals = {};
      for (const [k, v] of Object.entries(raw)) {
        if (v instanceof tf.Tensor) {
          vals[k] = { shape: v.shape, data: Array.from(await v.data()) };
          v.dispose();
        } else vals[k] = { shape: Array.isArray(v) ? [v.length] : [], data: Array.isArray(v) ? v : [v] };
      }
      const leaked = tf.memory().numTensors - before;
      out[c.name] = { ok: true, vals, ms: performance.now() - t0, leaked };
    } catch (e) {
      out[c.name] = { ok: false, error: String(e?.message ?? e).split("\n")[0].slice(0, 300), ms: performance.now() - t0 };
      log(`  ${c.name}: ERROR ${out[c.name].error}`);
    }
  }
  return out;
}

/** Rows comparing `got` (a backend's outputs) with `want` (cpu's), one per output. */
function compareCase(c, got, want, label) {
  if (!got?.ok) return [{ op: c.name, output: "—", against: label, result: "FAIL", error: got?.error ?? "not run" }];
  if (!want?.ok) return [{ op: c.name, output: "—", against: label, result: "n/a", error: `reference failed: ${want?.error}` }];
  return Object.keys(want.vals).map((k) => {
    const g = got.vals[k]?.data ?? [];
    const w = want.vals[k].data;
    if (c.exact?.includes(k)) {
      const n = countMismatches(g, w);
      return { op: c.name, output: k, shape: want.vals[k].shape.join("×"), against: label, mismatches: n, rel: n / w.length, tol: 0, result: n === 0 ? "PASS" : "FAIL" };
    }
    const d = compareArrays(g, w);
    return {
      op: c.name,
      output: k,
      shape: want.vals[k].shape.join("×") || "scalar",
      against: label,
      maxAbs: d.maxAbs,
      scale: d.scale,
      rel: d.rel,
      tol: c.tol,
      result: d.rel <= c.tol ? "PASS" : "FAIL",
      ...(d.note ? { error: d.note } : {}),
    };
  });
}

// ───────────────────────────────────────────── PyTorch ─────────────────────────────────────────────

const TORCH_PY = String.raw`
import json, sys, time
import torch
sizes = json.loads(sys.argv[1])
out = {"torch": torch.__version__, "cuda": torch.cuda.is_available()}
if not torch.cuda.is_available():
    print("@@torch " + json.dumps(out)); sys.exit(0)
torch.backends.cuda.matmul.allow_tf32 = False   # plain float32, as WebGPU computes
out["device"] = torch.cuda.get_device_name(0)
rows = []
for n in sizes:
    g = torch.Generator(device="cuda").manual_seed(1)
    a = torch.randn(n, n, device="cuda", generator=g)
    b = torch.randn(n, n, device="cuda", generator=g)
    for _ in range(3): (a @ b)
    torch.cuda.synchronize()
    reps = max(3, min(200, int(2e11 / (2 * n ** 3))))
    t0 = time.perf_counter()
    for _ in range(reps): c = a @ b
    torch.cuda.synchronize()
    dev = (time.perf_counter() - t0) / reps
    # the same work as SeekLab's matmulGflops: the product and its copy back to the host
    times = []
    for _ in range(max(3, min(50, reps))):
        t0 = time.perf_counter(); c = (a @ b).cpu(); times.append(time.perf_counter() - t0)
    times.sort()
    rb = times[len(times) // 2]
    torch.backends.cuda.matmul.allow_tf32 = True
    for _ in range(3): (a @ b)
    torch.cuda.synchronize(); t0 = time.perf_counter()
    for _ in range(reps): c = a @ b
    torch.cuda.synchronize(); tf32 = (time.perf_counter() - t0) / reps
    torch.backends.cuda.matmul.allow_tf32 = False
    rows.append({"n": n, "fp32_gflops": 2 * n ** 3 / dev / 1e9, "fp32_readback_gflops": 2 * n ** 3 / rb / 1e9, "tf32_gflops": 2 * n ** 3 / tf32 / 1e9})
out["rows"] = rows
print("@@torch " + json.dumps(out))
`;

function runTorch(sizes, log) {
  const probe = spawnSync("python3", ["-c", "import torch"], { encoding: "utf8", timeout: 120_000 });
  if (probe.error || probe.status !== 0) return { available: false, reason: (probe.error?.message ?? probe.stderr ?? "").trim().split("\n").pop() };
  log("PyTorch found: timing the same matmul on CUDA …");
  const r = spawnSync("python3", ["-c", TORCH_PY, JSON.stringify(sizes)], { encoding: "utf8", timeout: 180_000 });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("@@torch "));
  if (!line) return { available: true, error: `exit ${r.status}: ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}` };
  return { available: true, ...JSON.parse(line.slice(8)) };
}

// ───────────────────────────────────────────── check ─────────────────────────────────────────────

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

async function check(args) {
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

export function reportMarkdown(r) {
  const lines = [`# SeekLab device check — ${r.date?.slice(0, 10)}`, ""];
  lines.push(`- verdict: **${r.verdict ?? "(incomplete)"}**${r.seconds ? ` (${r.seconds} s)` : ""}`);
  lines.push(`- GPU (nvidia-smi): ${r.gpu ?? "none"}`);
  lines.push(`- WebGPU adapter: ${r.adapter?.detail ?? "none"}${r.adapter?.error ? ` — ${r.adapter.error}` : ""}`);
  if (r.adapter?.limits) lines.push(`- adapter limits: ${Object.entries(r.adapter.limits).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  lines.push(`- host: node ${r.node}, ${r.cores} × ${r.cpu}, ${r.memGiB} GiB`);
  if (r.manifest) lines.push(`- pack: commit ${r.manifest.commit}, ${r.manifest.files} files, ${(r.manifest.bytes / 2 ** 20).toFixed(1)} MiB`);
  lines.push("");
  if (r.correctness) {
    lines.push(`## Correctness: webgpu against cpu (${r.correctness.passed ?? 0} passed, ${r.correctness.failed ?? 0} failed)`, "");
    lines.push(`${r.correctness.tolerance}. wasmRel: the same measure for wasm against cpu, for scale.`, "");
    lines.push(markdownTable(r.correctness.rows, ["op", "output", "shape", "against", "maxAbs", "rel", "tol", "wasmRel", "result", "error"]));
    lines.push("");
  }
  if (r.bench) {
    lines.push("## Backends benchmark (each backend in its own process; vsWasm = rate / wasm's rate at the same shape)", "");
    lines.push(markdownTable(r.bench.rows, ["backend", "workload", "shape", "ms", "rate", "unit", "vsWasm"]));
    lines.push("");
    for (const b of r.bench.backends) lines.push(`- ${b.name}: ${b.detail ?? ""} (${b.shapes} shapes, ${fmt(b.seconds)} s)${b.error ? ` — FAILED: ${b.error}` : ""}`);
    lines.push("");
  }
  if (r.torch) {
    lines.push("## PyTorch, same float32 matmul", "");
    if (r.torch.rows) {
      lines.push(`PyTorch ${r.torch.torch} on ${r.torch.device}. fp32: TF32 off (what WebGPU computes); readback: product + copy to host, as SeekLab's matmulGflops times it; torch/webgpu compares those two.`, "");
      lines.push(markdownTable(r.torch.rows, ["n", "fp32_gflops", "fp32_readback_gflops", "tf32_gflops", "webgpu_gflops", "torch_over_webgpu"]));
    } else lines.push(`not run: ${r.torch.reason ?? r.torch.error ?? "CUDA not available"}`);
    lines.push("");
  }
  return lines.join("\n");
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [cmd, ...args] = process.argv.slice(2);
  const run = cmd === "pack" ? async () => pack(args) : cmd === "check" ? () => check(args) : undefined;
  if (!run) {
    console.log("usage: node scripts/device-check.mjs pack [--no-build] | check [--out DIR] [--skip-bench] [--bench-backends webgpu,wasm,cpu] [--skip-torch] [--allow-software]");
    process.exit(2);
  }
  run().catch((e) => {
    console.log(`device-check ${cmd} failed: ${e.stack ?? e.message}`);
    process.exit(1);
  });
}
