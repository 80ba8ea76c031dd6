// Probe: can tfjs-wasm's THREADED build run in Node? (issue 13, "both cores"). Not a benchmark module.
//   node bench/helpers/wasm-threads-probe.mjs [threads]
// tfjs-backend-wasm 4.22 turns threads off in Node (flags_wasm.ts: WASM_HAS_MULTITHREAD_SUPPORT is
// false when IS_NODE, tfjs issue #3830). Forcing the flag on fails in three ways, each worked around
// here: (1) the pthread worker is created from a blob: URL, which Node's worker_threads rejects
// (ERR_WORKER_PATH); (2) the worker reads the main script, also a Blob, with fs.readFileSync;
// (3) that script is the factory's toString() and refers to the bundler's renamed globals
// (require$$0…, commonjsGlobal). With all three patched the threaded module loads and spawns its
// 8 pthread workers — but XNNPACK's thread pool still reports 1 thread, no worker ever runs, and a
// 512×512 matmul takes as long as single-threaded. So: not usable from Node with this release.
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// Make Blob URLs real files: Node's worker_threads and the worker's importScripts (fs.readFileSync) need paths.
const dir = mkdtempSync(join(tmpdir(), "tfjs-wasm-threads-"));
const RealBlob = globalThis.Blob;
let mainScript;
class FileBlob extends RealBlob {
  constructor(parts, opts) {
    super(parts, opts);
    this.__text = parts.map(String).join("");
    if (this.__text.startsWith("var WasmBackendModuleThreadedSimd")) writeFileSync((mainScript = join(dir, "main.js")), 'var require$$0=require("fs"),require$$1=require("path"),require$$3=require("perf_hooks"),require$$4=require("os"),commonjsGlobal=globalThis;' + this.__text);
  }
}
globalThis.Blob = FileBlob;
let n = 0;
URL.createObjectURL = (blob) => {
  const p = join(dir, `blob${n++}.js`);
  let text = blob.__text;
  // The pthread worker turns the main script (sent as a Blob) into a blob: URL and reads it with fs: give it the file.
  if (mainScript) text = `URL.createObjectURL=()=>${JSON.stringify(mainScript)};URL.revokeObjectURL=()=>{};` + text;
  writeFileSync(p, text);
  return p;
};
URL.revokeObjectURL = () => {};
const tf = await import("@tensorflow/tfjs");
const wasm = await import("@tensorflow/tfjs-backend-wasm");
tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
wasm.setThreadsCount(+process.argv[2] || 2);
const ok = await tf.setBackend("wasm");
await tf.ready();
const mod = tf.backend().wasm;
console.log("module threads", mod.tfjs.getThreadsCount(), "PThread workers", mod.PThread?.unusedWorkers?.length, mod.PThread?.runningWorkers?.length);
console.log("setBackend", ok, tf.getBackend(), "threads", wasm.getThreadsCount());
const a = tf.randomNormal([512, 512]);
for (let i = 0; i < 3; i++) tf.matMul(a, a).dataSync();
let best = Infinity; for (let r = 0; r < 5; r++) { const t0 = performance.now(); for (let i = 0; i < 10; i++) tf.matMul(a, a).dataSync(); best = Math.min(best, performance.now() - t0); }
console.log("10 matmuls 512x512:", best.toFixed(1), "ms");
process.exit(0);
