// SeekLab's MoE kernels on wasm (lib/backend/routeKernel.ts, expertKernels.ts, moeSimd.wat):
// the router's selection and weights, and the experts' products with their gather and scatter.
// Each is checked against a plain-JavaScript loop written here from the definition (float32
// rounding at every step, sums in order — so the expected numbers are exact), against the
// composite ops they replace (useCompositeOps), for ties, NaN, bad arguments and leaks.
// wasm only: the kernels exist only there.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { useCompositeOps, useFusedKernels } from "../../lib/backend/fusedKernels.js";
import { ROUTE_KERNEL, routeOnHeap, allFiniteOnHeap, type RouteKernelAttrs } from "../../lib/backend/routeKernel.js";
import { EXPERTS_DOWN_KERNEL, EXPERTS_UP_KERNEL } from "../../lib/backend/expertKernels.js";
import { route, disposeRoute, type GateConfig } from "../../lib/moe/gate.js";
import { initMoEWeights, disposeMoEWeights, moeForward, moeForwardWithStats } from "../../lib/moe/moe.js";
import { Rng } from "../../lib/random.js";
import { expectNoLeaks } from "../helpers/backend.js";
import { assertClose } from "../helpers/close.js";

const f = Math.fround;

/** DeepSeek-V3's gate on one row, in float32 steps: the expected indices and weights. */
function routeByHand(s: Float32Array, bias: Float32Array | undefined, a: RouteKernelAttrs): { idx: number[]; w: number[] } {
  const E = s.length;
  const sel = Array.from(s, (v, j) => (bias ? f(v + bias[j]!) : v));
  let eligible = sel.map((_, j) => j);
  if (a.nGroups > 1 && a.topKGroups < a.nGroups) {
    const per = E / a.nGroups;
    const score = Array.from({ length: a.nGroups }, (_, g) => {
      const vals = sel.slice(g * per, (g + 1) * per).sort((p, q) => q - p);
      return bias && per > 1 ? f(vals[0]! + vals[1]!) : vals[0]!;
    });
    // Best groups first, ties to the lower group (a stable sort).
    const kept = score.map((_, g) => g).sort((p, q) => score[q]! - score[p]!).slice(0, a.topKGroups);
    eligible = eligible.filter((j) => kept.includes(Math.floor(j / per)));
  }
  const idx = eligible.sort((p, q) => sel[q]! - sel[p]! || p - q).slice(0, a.topK);
  let w = idx.map((j) => s[j]!);
  if (a.normalize) {
    let sum = 0;
    for (const p of w) sum = f(sum + p);
    const den = f(sum + f(1e-30 * a.topK));
    w = w.map((p) => f(f(p + f(1e-30)) / den));
  }
  return { idx, w: w.map((p) => f(p * f(a.routeScale))) };
}

/** Scores with many exact ties: multiples of 1/8 (and a bias of multiples of 1/16). */
function tiedScores(T: number, E: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: T * E }, () => r.int(8) / 8);
}

describe("SeekLab's MoE kernels (wasm)", () => {
  beforeAll(async () => {
    await initBackend("wasm", { quiet: true });
  });
  afterAll(() => {
    useFusedKernels();
  });

  const configs: [string, number, RouteKernelAttrs, boolean][] = [
    ["sigmoid top-6 of 64 with a bias", 64, { topK: 6, nGroups: 1, topKGroups: 1, normalize: true, routeScale: 2.5 }, true],
    ["softmax-style top-2 of 10, no bias", 10, { topK: 2, nGroups: 1, topKGroups: 1, normalize: false, routeScale: 1 }, false],
    ["8 groups, 3 kept, top-8 of 64, bias (V3's rule)", 64, { topK: 8, nGroups: 8, topKGroups: 3, normalize: true, routeScale: 1 }, true],
    ["4 groups, 2 kept, no bias", 16, { topK: 3, nGroups: 4, topKGroups: 2, normalize: true, routeScale: 1 }, false],
    ["groups of one expert, bias", 6, { topK: 2, nGroups: 6, topKGroups: 3, normalize: true, routeScale: 1 }, true],
    ["topK = nExperts", 5, { topK: 5, nGroups: 1, topKGroups: 1, normalize: true, routeScale: 1 }, false],
    ["top-12 of 48 in 4 groups, 3 kept, bias (more than 8: the one-by-one list)", 48, { topK: 12, nGroups: 4, topKGroups: 3, normalize: true, routeScale: 1 }, true],
    ["top-16 of 37, no bias", 37, { topK: 16, nGroups: 1, topKGroups: 1, normalize: false, routeScale: 16 }, false],
    ["top-8 of 203 (a ragged last block), bias", 203, { topK: 8, nGroups: 1, topKGroups: 1, normalize: true, routeScale: 1 }, true],
  ];
  for (const [name, E, attrs, withBias] of configs) {
    it(`SeekLabRoute, ${name}: the plain loop's indices and weights exactly, ties included`, async () => {
      const T = 37;
      const s = tiedScores(T, E, E + attrs.topK);
      const b = withBias ? Float32Array.from({ length: E }, (_, j) => ((j * 7) % 5) / 16) : undefined;
      const scores = tf.tensor2d(s, [T, E]);
      const bias = b ? tf.tensor1d(b) : undefined;
      await expectNoLeaks(async () => {
        const out = routeOnHeap(scores, bias, attrs)!;
        expect(out).toBeDefined();
        expect(out.indices.dtype).toBe("int32");
        const [idx, w] = [await out.indices.data(), await out.weights.data()];
        for (let t = 0; t < T; t++) {
          const want = routeByHand(s.subarray(t * E, (t + 1) * E), b, attrs);
          expect(Array.from(idx.subarray(t * attrs.topK, (t + 1) * attrs.topK)), `row ${t}`).toEqual(want.idx);
          expect(Array.from(w.subarray(t * attrs.topK, (t + 1) * attrs.topK)), `row ${t}`).toEqual(want.w);
        }
        tf.dispose([out.indices, out.weights]);
      });
      tf.dispose([scores, ...(bias ? [bias] : [])]);
    });
  }

  const gates: [string, GateConfig][] = [
    ["sigmoid, bias, route scale", { nExperts: 32, topK: 4, scoreFunc: "sigmoid", routeScale: 2.5 }],
    ["softmax", { nExperts: 12, topK: 3, scoreFunc: "softmax" }],
    ["group-limited", { nExperts: 16, topK: 4, scoreFunc: "sigmoid", nGroups: 4, topKGroups: 2 }],
  ];
  for (const [name, cfg] of gates) {
    it(`route (${name}) gives the composite ops' indices and weights bit for bit, and the same gradient`, async () => {
      const r = new Rng(3);
      const x = tf.tensor2d(r.normals(40 * 8), [40, 8]);
      const g = tf.variable(tf.tensor2d(r.normals(8 * cfg.nExperts, 0, 0.5), [8, cfg.nExperts]));
      const bias = cfg.scoreFunc === "sigmoid" ? tf.tensor1d(r.normals(cfg.nExperts, 0, 0.1)) : undefined;
      const probe = tf.tensor2d(r.normals(40 * cfg.topK), [40, cfg.topK]);
      const once = () => tf.tidy(() => {
        const out = route(x, g as unknown as tf.Tensor2D, cfg, bias);
        const grad = tf.grad((gw: tf.Tensor) => tf.sum(tf.mul(route(x, gw as tf.Tensor2D, cfg, bias).weights, probe)))(g);
        return [out.indices, out.weights, grad].map((t) => Array.from(t.dataSync()));
      });
      await expectNoLeaks(() => {
        useFusedKernels();
        const fused = once();
        useCompositeOps();
        const composite = once();
        useFusedKernels();
        expect(fused[0]).toEqual(composite[0]);
        expect(fused[1]).toEqual(composite[1]);
        assertClose(fused[2]!, composite[2]!, { rtol: 1e-5, atol: 1e-7, what: "gate weight gradient" });
      });
      tf.dispose([x, g, probe, ...(bias ? [bias] : [])]);
    });
  }

  it("route uses the kernel on wasm, and leaves a NaN score to the composite ops", async () => {
    const scores = tf.tensor2d([[0.1, NaN, 0.3], [0.2, 0.1, 0.4]]);
    expect(routeOnHeap(scores, undefined, { topK: 1, nGroups: 1, topKGroups: 1, normalize: true, routeScale: 1 })).toBeUndefined();
    const fine = tf.tensor2d([[0.1, 0.2, 0.3]]);
    const out = routeOnHeap(fine, undefined, { topK: 2, nGroups: 1, topKGroups: 1, normalize: false, routeScale: 1 })!;
    expect(Array.from(await out.indices.data())).toEqual([2, 1]);
    useCompositeOps();
    expect(routeOnHeap(fine, undefined, { topK: 2, nGroups: 1, topKGroups: 1, normalize: false, routeScale: 1 })).toBeUndefined();
    useFusedKernels();
    tf.dispose([scores, fine, out.indices, out.weights]);
  });

  it("allFiniteOnHeap finds NaN and ±Infinity anywhere, including the last few values", () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of [0, 5, 8, 10]) {
        const v = new Float32Array(11).fill(1);
        v[at] = bad;
        const t = tf.tensor1d(v);
        expect(allFiniteOnHeap(t), `${bad} at ${at}`).toBe(false);
        t.dispose();
      }
    }
    const ok = tf.tensor1d(new Float32Array(11).fill(-3.4e38));
    expect(allFiniteOnHeap(ok)).toBe(true);
    ok.dispose();
  });

  it("rejects bad arguments with errors that name them, leaving nothing behind", async () => {
    await expectNoLeaks(() => tf.tidy(() => badArguments()));
  });

  function badArguments(): void {
    const s = tf.zeros([4, 8]) as tf.Tensor2D;
    const a: RouteKernelAttrs = { topK: 2, nGroups: 1, topKGroups: 1, normalize: true, routeScale: 1 };
    const badBias = tf.zeros([7]) as tf.Tensor1D;
    expect(() => routeOnHeap(s, badBias, a)).toThrow(/routeOnHeap: bias must be float32 \[nExperts = 8\]; got float32 \[7\]/);
    expect(() => routeOnHeap(s, undefined, { ...a, topK: 9 })).toThrow(/routeOnHeap: topK must be an integer in \[1, 8\]/);
    expect(() => routeOnHeap(s, undefined, { ...a, nGroups: 3 })).toThrow(/routeOnHeap: nGroups must be an integer ≥ 1 dividing nExperts = 8; got 3/);
    expect(() => routeOnHeap(s, undefined, { ...a, nGroups: 4, topKGroups: 5 })).toThrow(/routeOnHeap: topKGroups must be an integer in \[1, nGroups = 4\]; got 5/);
    expect(() => routeOnHeap(s, undefined, { ...a, nGroups: 4, topKGroups: 1, topK: 3 })).toThrow(/routeOnHeap: topK must be an integer in \[1, 2\]/);
    expect(() => routeOnHeap(s, undefined, { ...a, routeScale: 0 })).toThrow(/routeOnHeap: routeScale must be/);
    expect(() => routeOnHeap(tf.zeros([8]) as unknown as tf.Tensor2D, undefined, a)).toThrow(/routeOnHeap: scores must be float32 \[tokens, nExperts\]/);
    const x = tf.zeros([3, 4]);
    const w = tf.zeros([4, 5]);
    const run = (name: string, inputs: tf.Tensor[], attrs: object) => () => tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap);
    expect(run(EXPERTS_UP_KERNEL, [x, tf.tensor1d([0, 3], "int32"), w, w], { sizes: [2] })).toThrow(/SeekLabExpertsUp: rows\[1\] = 3 is outside \[0, 3\)/);
    expect(run(EXPERTS_UP_KERNEL, [x, tf.tensor1d([0, 1], "int32"), w, w], { sizes: [3] })).toThrow(/SeekLabExpertsUp: rows must be int32 \[Σ sizes = 3\]/);
    expect(run(EXPERTS_UP_KERNEL, [x, tf.tensor1d([0], "int32"), w, tf.zeros([5, 5])], { sizes: [1] })).toThrow(/SeekLabExpertsUp: weight 1 must be float32 \[4, 5\]; got float32 \[5,5\]/);
    expect(run(EXPERTS_DOWN_KERNEL, [tf.zeros([1, 5]), tf.tensor1d([0], "int32"), tf.tensor1d([6], "int32"), tf.zeros([6]), tf.zeros([5, 4])], { sizes: [1], nTokens: 3 })).toThrow(/SeekLabExpertsDown: widx\[0\] = 6 is outside \[0, 6\)/);
    expect(run(EXPERTS_DOWN_KERNEL, [tf.zeros([2, 5]), tf.tensor1d([0], "int32"), tf.tensor1d([0], "int32"), tf.zeros([6]), tf.zeros([5, 4])], { sizes: [1], nTokens: 3 })).toThrow(/SeekLabExpertsDown: h has 2 rows but sizes add up to 1/);
  }

  for (const [k, n, sizes] of [[12, 9, [5, 0, 3, 1, 8]], [8, 16, [4, 2]], [6, 3, [1]]] as [number, number, number[]][]) {
    it(`SeekLabExpertsUp/Down (k ${k}, n ${n}, groups of ${sizes}): a float32 loop's numbers exactly, rows added in order`, async () => {
      const r = new Rng(k * n);
      const T = 7;
      const N = sizes.reduce((p, m) => p + m, 0);
      const xs = r.normals(T * k);
      const rows = Int32Array.from({ length: N }, () => r.int(T));
      const w1s = sizes.map(() => r.normals(k * n));
      const w3s = sizes.map(() => r.normals(k * n));
      const w2s = sizes.map(() => r.normals(n * k));
      const hs = r.normals(N * n);
      const wts = r.normals(N + 3);
      const widx = Int32Array.from({ length: N }, () => r.int(N + 3));
      const group = Array.from(sizes.flatMap((m, e) => Array<number>(m).fill(e)));
      // x[rows[i]] · W of row i's group, summed from 0 in order with float32 rounding
      const product = (a: (kk: number) => number, W: Float32Array, kIn: number, nOut: number, j: number) => {
        let acc = 0;
        for (let kk = 0; kk < kIn; kk++) acc = f(acc + f(a(kk) * W[kk * nOut + j]!));
        return acc;
      };
      const wantG = Array.from({ length: N * n }, (_, q) => product((kk) => xs[rows[Math.floor(q / n)]! * k + kk]!, w1s[group[Math.floor(q / n)]!]!, k, n, q % n));
      const wantU = Array.from({ length: N * n }, (_, q) => product((kk) => xs[rows[Math.floor(q / n)]! * k + kk]!, w3s[group[Math.floor(q / n)]!]!, k, n, q % n));
      const wantY = new Float32Array(T * k);
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < k; j++) {
          const o = product((kk) => hs[i * n + kk]!, w2s[group[i]!]!, n, k, j);
          wantY[rows[i]! * k + j] = f(wantY[rows[i]! * k + j]! + f(o * wts[widx[i]!]!));
        }
      }
      const x = tf.tensor2d(xs, [T, k]);
      const ws = [...w1s, ...w3s].map((v) => tf.tensor2d(v, [k, n]));
      const w2 = w2s.map((v) => tf.tensor2d(v, [n, k]));
      const [rowsT, widxT, hT, wtsT] = [tf.tensor1d(rows, "int32"), tf.tensor1d(widx, "int32"), tf.tensor2d(hs, [N, n]), tf.tensor1d(wts)];
      await expectNoLeaks(async () => {
        const [g, u] = tf.engine().runKernel(EXPERTS_UP_KERNEL, [x, rowsT, ...ws] as unknown as tf.NamedTensorMap, { sizes } as unknown as tf.NamedAttrMap) as tf.Tensor[];
        expect(Array.from(await g!.data())).toEqual(wantG);
        expect(Array.from(await u!.data())).toEqual(wantU);
        const y = tf.engine().runKernel(EXPERTS_DOWN_KERNEL, [hT, rowsT, widxT, wtsT, ...w2] as unknown as tf.NamedTensorMap, { sizes, nTokens: T } as unknown as tf.NamedAttrMap) as tf.Tensor;
        expect(y.shape).toEqual([T, k]);
        expect(Array.from(await y.data())).toEqual(Array.from(wantY));
        tf.dispose([g!, u!, y]);
      });
      tf.dispose([x, ...ws, ...w2, rowsT, widxT, hT, wtsT]);
    });
  }

  for (const [nExperts, topK, capacityFactor] of [[256, 8, undefined], [64, 6, undefined], [32, 4, 0.75], [16, 4, 1.0], [6, 2, undefined]] as [number, number, number | undefined][]) {
    it(`an MoE layer (${nExperts} experts, top-${topK}${capacityFactor ? `, capacity ${capacityFactor}` : ""}) on the kernels: the composite path's routing and plan, output within float32 rounding`, async () => {
      const w = initMoEWeights(16, 8, nExperts, 11, { withBias: true, nShared: 1 });
      const x = tf.tensor2d(new Rng(12).normals(45 * 16), [45, 16]);
      const cfg: GateConfig = { nExperts, topK, scoreFunc: "sigmoid", routeScale: 2.5 };
      const run = async () => {
        const o = await moeForwardWithStats(x, w, cfg, { capacityFactor });
        const out = { y: Array.from(await o.y.data()), idx: Array.from(await o.indices.data()), w: Array.from(await o.weights.data()), load: o.plan.load, dropped: o.plan.dropped };
        tf.dispose([o.y, o.weights, o.indices, o.scores]);
        return out;
      };
      await expectNoLeaks(async () => {
        useFusedKernels();
        const fused = await run();
        useCompositeOps();
        const composite = await run();
        useFusedKernels();
        expect(fused.idx).toEqual(composite.idx);
        expect(fused.w).toEqual(composite.w);
        expect(fused.load).toEqual(composite.load);
        expect(fused.dropped).toEqual(composite.dropped);
        // The composite path multiplies per expert with XNNPACK, whose sums run in another order.
        assertClose(fused.y, composite.y, { rtol: 1e-5, atol: 1e-6, what: "MoE layer" });
      });
      await expectNoLeaks(async () => (await moeForward(x, w, cfg)).dispose());
      x.dispose();
      disposeMoEWeights(w);
    });
  }

  it("is registered under its names", () => {
    for (const name of [ROUTE_KERNEL, EXPERTS_UP_KERNEL, EXPERTS_DOWN_KERNEL]) expect(tf.getKernel(name, "wasm")).toBeDefined();
  });
});
