/**
 * Timing helpers for the measured charts in notebooks and for bench/.
 *
 * Introduced in notebooks/00_welcome.ipynb (the matmul throughput chart). Times are wall-clock
 * and include reading the result back, so asynchronous backends (WebGPU) are timed honestly.
 */
import * as tf from "@tensorflow/tfjs";

export interface Timing {
  meanMs: number;
  medianMs: number;
  minMs: number;
  runs: number;
}

/**
 * Run `fn` repeatedly (after `warmup` untimed runs) until `minMs` have passed and at least
 * `minRuns` runs were made.
 */
export async function timeIt(
  fn: () => unknown | Promise<unknown>,
  opts: { minMs?: number; warmup?: number; minRuns?: number; maxRuns?: number } = {},
): Promise<Timing> {
  const { minMs = 200, warmup = 1, minRuns = 3, maxRuns = 1000 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while ((performance.now() - start < minMs || times.length < minRuns) && times.length < maxRuns) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  const sorted = times.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    medianMs: sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2,
    minMs: sorted[0]!,
    runs: times.length,
  };
}

/**
 * Throughput of an n×n by n×n float32 matmul on the active backend, in GFLOP/s (2n³ FLOPs each),
 * including the read-back of the result.
 */
export async function matmulGflops(n: number, opts: { minMs?: number } = {}): Promise<{ n: number; gflops: number; medianMs: number }> {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`matmulGflops(n): expected a positive integer size; got ${n}`);
  const a = tf.randomNormal([n, n], 0, 1, "float32", 1);
  const b = tf.randomNormal([n, n], 0, 1, "float32", 2);
  try {
    const t = await timeIt(
      async () => {
        const c = tf.matMul(a, b);
        await c.data();
        c.dispose();
      },
      { minMs: opts.minMs ?? 300 },
    );
    return { n, gflops: (2 * n ** 3) / (t.medianMs * 1e6), medianMs: t.medianMs };
  } finally {
    a.dispose();
    b.dispose();
  }
}
