// The tfjs-wasm kernel traps that shaped lib/nn/bmm.ts, lib/attention/paged.ts and lib/moe/moe.ts,
// each measured as a pair (slow spelling vs fast spelling of the same numbers) in the same run:
//   - a batch of products ([16,1,96]·[16,96,2048]) vs 16 two-dimensional products (XNNPACK);
//   - a transpose flag (q·kᵀ with transposeB) vs kᵀ stored the other way round;
//   - slicing 64 row blocks out of a big tensor (each slice copies the whole source) vs gathering them.
//   Each pair runs twice: on tfjs-wasm's own kernels, and on the kernels initBackend installs on wasm
//   (lib/backend/bmmKernel.ts, heapCopies.ts), which remove the first two traps and the slice/gather gap.
import * as tf from "@tensorflow/tfjs";
import { restoreBatchMatMulKernel, restoreCopyKernels, useHeapCopies, useSimdBatchMatMul } from "seeklab";

function pair(ctx, name, slow, fast, kernels) {
  return (async () => {
    const run = (fn) => ctx.time(async () => { const y = tf.tidy(fn); await y.data(); y.dispose(); }, { minMs: 300, warmup: 2 });
    const s = await run(slow);
    const f = await run(fast);
    ctx.log(`${name} (${kernels}): ${s.medianMs.toFixed(3)} ms vs ${f.medianMs.toFixed(3)} ms`);
    return { case: name, kernels, "slow ms": s.medianMs, "fast ms": f.medianMs, "slow ÷ fast": s.medianMs / f.medianMs };
  })();
}

export default {
  name: "wasm-kernels",
  description: "tfjs kernel traps on the active backend: batched vs 2-D matMul, transpose flag vs stored layout, slice vs gather",
  async run(ctx) {
    const H = 16, T = 2048;
    const q = tf.randomNormal([H, 1, 96]), kT = tf.randomNormal([H, 96, T]);
    const qs = tf.unstack(q), kTs = tf.unstack(kT);
    const ql = tf.randomNormal([H, 256]), kv = tf.randomNormal([T, 256]), kvT = tf.randomNormal([256, T]);
    const big = tf.randomNormal([2048, 128]);
    const idx = Array.from({ length: 64 }, (_, i) => tf.range(i * 32, i * 32 + 32, 1, "int32"));
    const rows = [];
    const wasm = tf.getBackend() === "wasm";
    for (const kernels of wasm ? ["tfjs-wasm's", "SeekLab's"] : [tf.getBackend()]) {
      if (kernels === "tfjs-wasm's") { restoreBatchMatMulKernel(); restoreCopyKernels(); }
      else if (wasm) { useSimdBatchMatMul(); useHeapCopies(); }
      rows.push(
        await pair(ctx, "16 heads' scores: batched [16,1,96]·[16,96,2048] vs 16 × 2-D", () => tf.matMul(q, kT), () => tf.stack(qs.map((x, i) => tf.matMul(x, kTs[i]))), kernels),
        await pair(ctx, "latent scores [16,256]·[2048,256]ᵀ: transposeB vs stored [256,2048]", () => tf.matMul(ql, kv, false, true), () => tf.matMul(ql, kvT), kernels),
        await pair(ctx, "64 row blocks of a [2048,128] tensor: tf.slice vs tf.gather", () => tf.concat(idx.map((_, i) => tf.slice(big, [i * 32, 0], [32, -1]))), () => tf.concat(idx.map((ix) => tf.gather(big, ix))), kernels),
      );
    }
    tf.dispose([q, kT, ...qs, ...kTs, ql, kv, kvT, big, ...idx]);
    return rows;
  },
};
