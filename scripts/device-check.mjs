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
//
// The parts live in scripts/device-check/: numbers.mjs, pack.mjs, cases.mjs, torch.mjs (with
// torch_matmul.py), check.mjs, report.mjs. This file is the command line.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pack } from "./device-check/pack.mjs";
import { check } from "./device-check/check.mjs";

// What tests/scripts/device-check.test.ts reads.
export { compareArrays, countMismatches, markdownTable } from "./device-check/numbers.mjs";
export { traceRuntimeFiles } from "./device-check/pack.mjs";
export { TOLERANCE, correctnessCases } from "./device-check/cases.mjs";
export { reportMarkdown } from "./device-check/report.mjs";

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

