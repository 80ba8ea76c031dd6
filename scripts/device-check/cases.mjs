// The correctness suite: library ops and layers on the active backend from seeded inputs, run on
// cpu (the reference), wasm and webgpu and compared with stated tolerances.
import { compareArrays, countMismatches } from "./numbers.mjs";

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
export async function runCases(tf, cases, log) {
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
export function compareCase(c, got, want, label) {
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
