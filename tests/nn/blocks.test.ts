// lib/nn building blocks against plain-JavaScript arithmetic written here (never the library's own values).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, rtolFor, useTestBackend } from "../helpers/backend.js";
import { linear } from "../../lib/nn/linear.js";
import { rmsNorm } from "../../lib/nn/rmsnorm.js";
import { applyRope, applyRopeMatmul, ropePermutation, ropeTables } from "../../lib/nn/rope.js";
import { attention, attentionProbs, causalMask, MASK_VALUE } from "../../lib/nn/attention.js";
import { initLinear, initNormal } from "../../lib/nn/init.js";
import { Rng, deriveSeed } from "../../lib/random.js";
import { assertClose } from "../helpers/close.js";

beforeAll(async () => {
  await useTestBackend();
});

function randn(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(new Rng(seed).normals(shape.reduce((a, b) => a * b, 1)), shape);
}

describe("linear", () => {
  it("computes x·W + b over any leading dims", async () => {
    const xs = new Rng(1).normals(2 * 3 * 4);
    const ws = new Rng(2).normals(4 * 5);
    const bs = new Rng(3).normals(5);
    const y = linear(tf.tensor(xs, [2, 3, 4]), tf.tensor(ws, [4, 5]), tf.tensor(bs, [5]));
    expect(y.shape).toEqual([2, 3, 5]);
    const want: number[] = [];
    for (let r = 0; r < 6; r++)
      for (let o = 0; o < 5; o++) {
        let s = bs[o]!;
        for (let i = 0; i < 4; i++) s += xs[r * 4 + i]! * ws[i * 5 + o]!;
        want.push(s);
      }
    assertClose(await y.data(), want, { rtol: rtolFor(1e-5), atol: 1e-6 });
  });
  it("names the expected width on a mismatch", () => {
    expect(() => linear(tf.zeros([2, 3]), tf.zeros([4, 5]))).toThrow(/in=4.*\[2,3\]/);
  });
});

describe("rmsNorm", () => {
  it("is x / sqrt(mean(x²) + 1e-6) · weight", async () => {
    const xs = new Rng(4).normals(3 * 6);
    const gs = new Rng(5).normals(6);
    const y = rmsNorm(tf.tensor(xs, [3, 6]), tf.tensor(gs, [6]));
    const want: number[] = [];
    for (let r = 0; r < 3; r++) {
      let ms = 0;
      for (let i = 0; i < 6; i++) ms += xs[r * 6 + i]! ** 2 / 6;
      for (let i = 0; i < 6; i++) want.push((xs[r * 6 + i]! / Math.sqrt(ms + 1e-6)) * gs[i]!);
    }
    assertClose(await y.data(), want, { rtol: rtolFor(1e-5), atol: 1e-6 });
  });
});

describe("RoPE", () => {
  it("rotates interleaved pairs (x[2i], x[2i+1]) by pos·θ^(-2i/d)", async () => {
    const d = 8;
    const xs = new Rng(6).normals(1 * 3 * 1 * d);
    const y = await applyRope(tf.tensor(xs, [1, 3, 1, d]), ropeTables(d, 16), 5).data();
    const want: number[] = [];
    for (let s = 0; s < 3; s++)
      for (let i = 0; i < d / 2; i++) {
        const ang = (5 + s) * Math.pow(10000, (-2 * i) / d);
        const a = xs[s * d + 2 * i]!,
          b = xs[s * d + 2 * i + 1]!;
        want.push(a * Math.cos(ang) - b * Math.sin(ang), a * Math.sin(ang) + b * Math.cos(ang));
      }
    assertClose(y, want, { rtol: rtolFor(1e-5), atol: 1e-5 });
  });

  it("applyRopeMatmul (the fast spelling) gives applyRope's numbers, for rank 3 and 4, and checks its input", async () => {
    const tables = ropeTables(8, 16);
    for (const shape of [[2, 5, 3, 8], [2, 5, 8]]) {
      const x = randn(shape, 11);
      const a = applyRope(x, tables, 6);
      const b = applyRopeMatmul(x, tables, 6);
      assertClose(await b.data(), await a.data(), { rtol: rtolFor(1e-5), atol: 1e-5 });
      tf.dispose([x, a, b]);
    }
    expect(() => applyRopeMatmul(tf.zeros([1, 2, 6]), tables)).toThrow("applyRopeMatmul: x's last dimension must be headDim=8; got [1,2,6]");
    expect(() => applyRopeMatmul(tf.zeros([1, 4, 8]), tables, 13)).toThrow("positions startPos 13 .. 16 must lie in [0, maxSeqLen=16)");
  });

  it("rotate-half is the interleaved rotation after a channel permutation", async () => {
    const d = 16;
    const perm = ropePermutation(d);
    const x = randn([2, 5, 3, d], 7);
    const tables = ropeTables(d, 32, 10000);
    const inter = applyRope(x, tables, 4, "interleaved");
    const half = applyRope(tf.gather(x, perm, 3), tables, 4, "rotateHalf");
    assertClose(await half.data(), await tf.gather(inter, perm, 3).data(), { rtol: rtolFor(1e-5), atol: 1e-5 });
  });

  it("preserves norms and makes q·k depend only on the relative position", async () => {
    const d = 16;
    const tables = ropeTables(d, 64);
    const q = randn([1, 1, d], 8);
    const k = randn([1, 1, d], 9);
    const n0 = (await tf.norm(q).data())[0]!;
    const n1 = (await tf.norm(applyRope(q, tables, 37)).data())[0]!;
    expect(Math.abs(n1 - n0)).toBeLessThan(1e-4 * n0);
    const dot = async (pq: number, pk: number) =>
      (await tf.sum(tf.mul(applyRope(q, tables, pq), applyRope(k, tables, pk))).data())[0]!;
    const a = await dot(10, 3); // distance 7
    const b = await dot(40, 33); // distance 7
    const c = await dot(12, 3); // distance 9
    expect(Math.abs(a - b)).toBeLessThan(1e-4 * (Math.abs(a) + 1));
    expect(Math.abs(a - c)).toBeGreaterThan(1e-3);
  });

  it("rejects positions past maxSeqLen and odd widths", () => {
    expect(() => applyRope(tf.zeros([1, 4, 8]), ropeTables(8, 4), 1)).toThrow(/maxSeqLen=4/);
    expect(() => ropeTables(7, 4)).toThrow(/even/);
  });
});

describe("causal attention", () => {
  it("a query at absolute position p sees keys ≤ p", async () => {
    const m = causalMask(2, 5, 2)!; // queries at positions 2 and 3
    expect(Array.from(await m.data())).toEqual([0, 0, 0, MASK_VALUE, MASK_VALUE, 0, 0, 0, 0, MASK_VALUE]);
    expect(causalMask(1, 5, 4)).toBeNull(); // a decode step sees everything
  });

  it("matches a hand-written softmax attention with the last keys as queries", async () => {
    const [sq, sk, dk, dv] = [2, 4, 3, 2];
    const qs = new Rng(10).normals(sq * dk),
      ks = new Rng(11).normals(sk * dk),
      vs = new Rng(12).normals(sk * dv);
    const out = attention(tf.tensor(qs, [1, 1, sq, dk]), tf.tensor(ks, [1, 1, sk, dk]), tf.tensor(vs, [1, 1, sk, dv]));
    const want: number[] = [];
    for (let i = 0; i < sq; i++) {
      const p = sk - sq + i; // default offset: queries are the last keys
      const s: number[] = [];
      for (let j = 0; j <= p; j++) {
        let dot = 0;
        for (let c = 0; c < dk; c++) dot += qs[i * dk + c]! * ks[j * dk + c]!;
        s.push(dot / Math.sqrt(dk));
      }
      const mx = Math.max(...s);
      const e = s.map((x) => Math.exp(x - mx));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < dv; c++) want.push(e.reduce((acc, w, j) => acc + (w / z) * vs[j * dv + c]!, 0));
    }
    assertClose(await out.data(), want, { rtol: rtolFor(1e-5), atol: 1e-6 });
    const probs = await attentionProbs(tf.tensor(qs, [1, 1, sq, dk]), tf.tensor(ks, [1, 1, sk, dk])).data();
    expect(probs[3]).toBe(0); // query 0 (position 2) must not see key 3
  });

  it("leaves no tensors behind", async () => {
    const q = randn([1, 2, 3, 4], 13),
      k = randn([1, 2, 5, 4], 14),
      v = randn([1, 2, 5, 4], 15);
    await expectNoLeaks(() => attention(q, k, v, { offset: 2 }).dispose());
    await expectNoLeaks(() => applyRope(q, ropeTables(4, 8), 1).dispose());
  });
});

describe("seeded init", () => {
  it("is reproducible and scaled", async () => {
    const a = await initLinear(64, 32, 42).data();
    const b = await initLinear(64, 32, 42).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    const sd = Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0) / a.length);
    expect(Math.abs(sd - 1 / 8)).toBeLessThan(0.02);
    expect(initNormal([2, 3], 1, 1).shape).toEqual([2, 3]);
    expect(deriveSeed(1, "wq")).not.toBe(deriveSeed(1, "wk"));
  });
});
