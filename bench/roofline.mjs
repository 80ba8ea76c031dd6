// This machine's own roofline, measured on the active backend: an effective memory bandwidth from a
// matrix-vector product over a 64 MB weight (intensity 0.5 FLOP/B, memory-bound on any machine, and
// too big for CPU caches), a peak from the fastest matmul, then a sweep of [m, K]·[K, N] matmuls
// whose arithmetic intensity grows with m. Each row compares the measured GFLOP/s with what
// the roofline built from those two measurements predicts: min(peak, intensity · bandwidth).
// Lesson: notebooks/05a_hardware_and_cost.ipynb (section 2). Library: lib/hardware/roofline.ts.
import * as tf from "@tensorflow/tfjs";
import { matmulOp, roofline } from "seeklab";

const K = 2048, N = 2048;

async function timeMatmul(ctx, m, k = K, n = N) {
  const a = tf.randomNormal([m, k], 0, 1, "float32", 1);
  const b = tf.randomNormal([k, n], 0, 1, "float32", 2);
  try {
    const t = await ctx.time(async () => { const c = tf.matMul(a, b); await c.data(); c.dispose(); }, { minMs: 300, warmup: 2 });
    const bytes = (m * k + k * n + m * n) * 4;
    return { gflops: (2 * m * k * n) / (t.medianMs * 1e6), gbps: bytes / (t.medianMs * 1e6), medianMs: t.medianMs, minMs: t.minMs };
  } finally { a.dispose(); b.dispose(); }
}

/**
 * This machine's two roofline numbers, measured now on the active backend: bandwidth from the
 * matrix-vector product, peak from the fastest compute-heavy matmul. Other benchmarks (mla) call it
 * so that their bounds come from the same run as their timings.
 */
export async function measureMachine(ctx) {
  // From each product's FASTEST run: on a shared machine other work only slows a run down, and a
  // roofline from slowed runs would be too low (steps would look faster than the machine allows).
  const fastest = async (m, k = K, n = N) => {
    const r = await timeMatmul(ctx, m, k, n);
    const s = r.minMs / 1e3;
    return { gbps: ((m * k + k * n + m * n) * 4) / s / 1e9, gflops: (2 * m * k * n) / s / 1e9 };
  };
  const bw = await fastest(1, 4096, 4096);
  const peaks = [];
  for (const m of [64, 256]) peaks.push((await fastest(m)).gflops);
  return { bandwidthGBps: bw.gbps, peakGflops: Math.max(...peaks) };
}

export default {
  name: "roofline",
  description: "measured roofline of this machine: bandwidth from a reduction, peak from a big matmul, matmul sweep vs prediction",
  async run(ctx) {
    const bw = await timeMatmul(ctx, 1, 4096, 4096);   // reads a 64 MB weight once per product
    ctx.log(`matrix-vector over a 64 MB weight: ${bw.gbps.toFixed(1)} GB/s effective`);
    const ms = [1, 2, 4, 8, 16, 64, 256];
    const measured = [];
    for (const m of ms) {
      const r = await timeMatmul(ctx, m);
      ctx.log(`matmul [${m}, ${K}]·[${K}, ${N}]: ${r.gflops.toFixed(2)} GFLOP/s`);
      measured.push({ m, ...r });
    }
    // Peak from the compute-heavy products only: a small-m product whose 16 MB weight stays in a CPU
    // cache can beat the DRAM roof (the roofline needs the bandwidth of the level the data lives in).
    const peakGflops = Math.max(...measured.filter((r) => r.m >= 64).map((r) => r.gflops));
    // The roofline from this run's own two measurements (TFLOPS and TB/s, the library's units).
    const machine = { peakTFLOPS: peakGflops / 1000, bandwidthTBps: bw.gbps / 1000 };
    const rows = [{ op: "matvec [1,4096]·[4096,4096] (bandwidth reference)", m: 1, intensity: bw.gflops / bw.gbps, gflops: bw.gflops, gbps: bw.gbps, predictedGflops: "", measuredOverPredicted: "", bound: "memory" }];
    for (const r of measured) {
      const p = roofline(matmulOp(r.m, K, N, { bytesPerElement: 4 }), machine);
      rows.push({
        op: `matmul [${r.m},${K}]·[${K},${N}]`, m: r.m, intensity: p.intensity, gflops: r.gflops, gbps: r.gbps,
        predictedGflops: p.attainableTFLOPS * 1000, measuredOverPredicted: r.gflops / (p.attainableTFLOPS * 1000), bound: p.bound,
      });
    }
    ctx.log(`ridge point of this machine: ${(machine.peakTFLOPS / machine.bandwidthTBps).toFixed(1)} FLOP/B`);
    return rows;
  },
};
