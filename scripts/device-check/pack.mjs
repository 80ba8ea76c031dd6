// `node scripts/device-check.mjs pack`: build build/device/ — the compiled library, only the runtime
// files Node loads (traced), Dawn and node xz-compressed, the Vulkan loader, and the check itself.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root here; the pack's root (build/device) on the device. */
const ROOT = resolve(HERE, "..", "..");

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

export function copy(src, dest) {
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

export function pack(args) {
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
  put(join(ROOT, "scripts", "device-check.mjs"), "scripts/device-check.mjs");
  for (const f of readdirSync(HERE)) put(join(HERE, f), `scripts/device-check/${f}`);
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
