// The wasm kernels that initBackend installs for speed (lib/backend/bmmKernel.ts, identityAlias.ts,
// heapCopies.ts, topk.ts) give the numbers a plain loop or tfjs's own kernel gives, free what they
// allocate, and can be switched off again.
// wasm only: these kernels exist only there (the cpu and webgpu legs keep tfjs's own).
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { restoreBatchMatMulKernel, simdBatchMatMulInstalled, useSimdBatchMatMul } from "../../lib/backend/bmmKernel.js";
import { restoreIdentityKernels, useAliasingIdentity } from "../../lib/backend/identityAlias.js";
import { restoreCopyKernels, useHeapCopies } from "../../lib/backend/heapCopies.js";
import { restoreTopKKernel, useOnePassTopK } from "../../lib/backend/topk.js";
import { Rng } from "../../lib/random.js";
import { expectNoLeaks } from "../helpers/backend.js";
import { expectClose } from "../helpers/close.js";

/** C = op(A)·op(B) for every batch, by the definition (float64 sums). */
function naive(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], ta: boolean, tb: boolean): { data: Float64Array; shape: number[] } {
  const [ar, ac] = aShape.slice(-2) as [number, number];
  const [br, bc] = bShape.slice(-2) as [number, number];
  const batchA = aShape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batchB = bShape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batch = Math.max(batchA, batchB);
  const m = ta ? ac : ar, k = ta ? ar : ac, n = tb ? br : bc;
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const ao = (batchA === 1 ? 0 : t) * ar * ac;
    const bo = (batchB === 1 ? 0 : t) * br * bc;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[ao + (ta ? q * ac + i : i * ac + q)]! * b[bo + (tb ? j * bc + q : q * bc + j)]!;
        out[(t * m + i) * n + j] = s;
      }
    }
  }
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(aShape.slice(0, -2), bShape.slice(0, -2));
  return { data: out, shape: [...outer, m, n] };
}

function randomTensor(shape: number[], rng: Rng): { t: tf.Tensor; data: Float32Array } {
  const data = Float32Array.from(rng.normals(shape.reduce((p, d) => p * d, 1), 0, 1));
  return { t: tf.tensor(data, shape), data };
}

describe("the SIMD BatchMatMul kernel (wasm)", () => {
  beforeAll(async () => {
    await initBackend("wasm", { quiet: true });
  });
  afterAll(() => {
    useSimdBatchMatMul();
  });

  it("is installed by initBackend on wasm, and can be switched off and on", () => {
    expect(simdBatchMatMulInstalled()).toBe(true);
    restoreBatchMatMulKernel();
    expect(simdBatchMatMulInstalled()).toBe(false);
    useSimdBatchMatMul();
    expect(simdBatchMatMulInstalled()).toBe(true);
  });

  // [aShape (untransposed m×k), bShape (untransposed k×n)] — batched, broadcast, 2-D, and widths
  // that exercise the 16-, 4- and 1-column loops.
  const cases: [number[], number[]][] = [
    [[3, 5, 7], [3, 7, 33]],
    [[128, 31, 16], [128, 16, 31]],
    [[2, 4, 9, 16], [2, 4, 16, 9]],
    [[1, 12, 6], [5, 6, 19]],
    [[5, 12, 6], [6, 19]],
    [[12, 6], [4, 6, 3]],
    [[20, 24], [24, 17]],
    [[16, 1, 96], [16, 96, 40]],
    [[2, 9, 1], [2, 1, 5]],
  ];
  for (const [aS, bS] of cases) {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      it(`[${aS}]${ta ? "ᵀ" : ""} · [${bS}]${tb ? "ᵀ" : ""} equals the definition`, async () => {
        const rng = new Rng(aS.length * 100 + bS[bS.length - 1]! + (ta ? 7 : 0) + (tb ? 13 : 0));
        const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!] : s);
        const A = randomTensor(swap(aS, ta), rng);
        const B = randomTensor(swap(bS, tb), rng);
        const want = naive(A.data, A.t.shape, B.data, B.t.shape, ta, tb);
        await expectNoLeaks(async () => {
          const got = tf.matMul(A.t, B.t, ta, tb);
          expect(got.shape).toEqual(want.shape);
          // float32 sums of ≤ 96 products of N(0, 1) numbers against float64 sums
          await expectClose(await got.data(), want.data, { rtol: 1e-5, atol: 1e-5, what: "matMul" });
          got.dispose();
        });
        tf.dispose([A.t, B.t]);
      });
    }
  }

  it("gives the same numbers as tfjs's own kernel, and its gradients too", async () => {
    const rng = new Rng(5);
    const q = randomTensor([4, 3, 10, 8], rng).t;
    const k = randomTensor([4, 3, 10, 8], rng).t;
    const v = randomTensor([4, 3, 10, 8], rng).t;
    const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.sum(tf.square(tf.matMul(tf.softmax(tf.matMul(q, k, false, true)), v))) as tf.Scalar;
    const run = () => {
      const [gq, gk, gv] = tf.grads(f)([q, k, v]);
      const y = f(q, k, v);
      const out = [y, gq!, gk!, gv!].map((t) => Array.from(t.dataSync()));
      tf.dispose([y, gq, gk, gv]);
      return out;
    };
    const fast = run();
    restoreBatchMatMulKernel();
    const own = run();
    useSimdBatchMatMul();
    fast.forEach((xs, i) => xs.forEach((x, j) => expect(x).toBeCloseTo(own[i]![j]!, 3)));
    tf.dispose([q, k, v]);
  });

  it("the committed kernel bytes (bmmSimdBytes.ts, fusedSimdBytes.ts) are what their .wat files assemble to", () => {
    // Needs wabt (a devDependency); the library ships only the bytes. Exits 1 when they are stale.
    const out = execFileSync(process.execPath, ["scripts/build-wasm-kernels.mjs", "--check"], { cwd: new URL("../..", import.meta.url), encoding: "utf8" });
    expect(out).toBe("");
  });
});

describe("Identity and same-dtype Cast share memory on wasm", () => {
  beforeAll(async () => {
    await initBackend("wasm", { quiet: true });
  });

  it("a clone outlives its source, keeps its values, and frees the memory only once both are gone", async () => {
    const bytes = tf.memory().numBytes;
    const x = tf.tensor([1.5, -2, 3]);
    const y = tf.clone(x);
    const z = tf.cast(x, "float32");
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1.5, -2, 3]);
    expect(Array.from(await z.data())).toEqual([1.5, -2, 3]);
    y.dispose();
    z.dispose();
    expect(tf.memory().numBytes).toBe(bytes);
  });

  it("casts to another dtype still convert", async () => {
    const x = tf.tensor([1.7, -2.2, 3]);
    const i = tf.cast(x, "int32");
    const back = tf.cast(tf.tensor([1, 2], [2], "int32"), "float32");
    expect(i.dtype).toBe("int32");
    expect(Array.from(await i.data())).toEqual([1, -2, 3]);
    expect(Array.from(await back.data())).toEqual([1, 2]);
    tf.dispose([x, i, back]);
  });

  it("gradients through saved tensors are unchanged, with and without the alias", async () => {
    const x = tf.tensor([0.3, -1.2, 2.5, 0.7]);
    const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(x), tf.exp(x))) as tf.Scalar;
    const grad = async () => {
      const g = tf.grad(f)(x);
      const out = Array.from(await g.data());
      g.dispose();
      return out;
    };
    const g1 = await grad();
    restoreIdentityKernels();
    const g0 = await grad();
    useAliasingIdentity();
    expect(g1).toEqual(g0);
    const want = [0.3, -1.2, 2.5, 0.7].map((v) => {
      const s = 1 / (1 + Math.exp(-v));
      return s * (1 - s) * Math.exp(v) + s * Math.exp(v);
    });
    g1.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
    x.dispose();
  });
});

/** The same computation with SeekLab's kernel and with tfjs-wasm's own, as plain arrays. */
function withAndWithout(use: () => void, restore: () => void, f: () => tf.Tensor | tf.Tensor[]): { ours: number[][]; own: number[][] } {
  const run = () => tf.tidy(() => [f()].flat().map((t) => Array.from(t.dataSync())));
  use();
  const ours = run();
  restore();
  const own = run();
  use();
  return { ours, own };
}

describe("Concat, Gather and TopK on wasm give what tfjs-wasm's own kernels give", () => {
  beforeAll(async () => {
    await initBackend("wasm", { quiet: true });
  });

  it("Concat along every axis, float32 and int32, with an empty input among them", async () => {
    const rng = new Rng(11);
    const a = tf.tensor(rng.normals(2 * 3 * 4, 0, 1), [2, 3, 4]);
    const b = tf.tensor(rng.normals(2 * 3 * 5, 0, 1), [2, 3, 5]);
    const c = tf.tensor(rng.normals(2 * 2 * 4, 0, 1), [2, 2, 4]);
    const e = tf.zeros([2, 3, 0]);
    const ia = tf.tensor([1, 2, 3, 4], [2, 2], "int32");
    await expectNoLeaks(() => {
      const { ours, own } = withAndWithout(useHeapCopies, restoreCopyKernels, () => [
        tf.concat([a, b, e], 2), tf.concat([a, c], 1), tf.concat([a, a], 0), tf.concat([ia, ia], 1),
      ]);
      expect(ours).toEqual(own);
    });
    tf.dispose([a, b, c, e, ia]);
  });

  it("Gather of rows and of inner blocks; an index out of range is still reported", async () => {
    const x = tf.tensor(new Rng(12).normals(6 * 4 * 8, 0, 1), [6, 4, 8]);
    const rows = tf.tensor1d([5, 0, 0, 3, 2], "int32");
    const mid = tf.tensor2d([[3, 1], [0, 0]], [2, 2], "int32");
    await expectNoLeaks(() => {
      const { ours, own } = withAndWithout(useHeapCopies, restoreCopyKernels, () => [
        tf.gather(x, rows), tf.gather(x, mid, 1), tf.gather(x, rows, 2), tf.gather(x, tf.range(2, 7, 1, "int32"), 2), tf.gather(x, tf.range(1, 4, 1, "int32"), 1),
      ]);
      expect(ours).toEqual(own);
    });
    expect(() => tf.gather(x, tf.tensor1d([6], "int32"))).toThrow(/index value 6 is not in/);
    tf.dispose([x, rows, mid]);
  });

  it("TopK: largest first, ties to the lower index, as tfjs's kernel; NaN rows and large k go to tfjs", async () => {
    const rng = new Rng(13);
    const scores = tf.sigmoid(tf.tensor(rng.normals(40 * 64, 0, 1), [40, 64]));
    const ties = tf.tensor2d([[1, 3, 3, 2, 3, 0], [5, 5, 5, 5, 5, 5], [-1, -2, -3, -4, -5, -6]]);
    const withNaN = tf.tensor2d([[1, NaN, 3, 2]]);
    await expectNoLeaks(() => {
      const { ours, own } = withAndWithout(useOnePassTopK, restoreTopKKernel, () => [
        ...Object.values(tf.topk(scores, 8)), ...Object.values(tf.topk(ties, 4)), ...Object.values(tf.topk(ties, 1)),
        ...Object.values(tf.topk(scores, 20)), ...Object.values(tf.topk(withNaN, 2)),
      ]);
      expect(ours.map((xs) => xs.map((v) => (Number.isNaN(v) ? "NaN" : v)))).toEqual(own.map((xs) => xs.map((v) => (Number.isNaN(v) ? "NaN" : v))));
    });
    const t = tf.topk(ties, 4);
    expect(Array.from(await t.indices.data())).toEqual([1, 2, 4, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    tf.dispose([scores, ties, withNaN, t.values, t.indices]);
  });
});
