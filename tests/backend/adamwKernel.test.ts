// Training-step kernels that initBackend installs on wasm: the one-kernel AdamW update
// (lib/backend/adamwKernel.ts) gives what AdamW's readable tfjs ops give, over several steps, with
// and without clipping, and frees what it allocates; the matmul gradient of lib/backend/matmulGrad.ts
// gives what tfjs-core's own gradient gives in every transpose case. (AdamW itself is checked
// against NumPy in tests/model/model.test.ts, which runs the fused kernel on wasm.) wasm only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { fusedAdamW, useCompositeAdamW, useFusedAdamW } from "../../lib/backend/adamwKernel.js";
import { explicitTransposeMatMulGradInstalled, restoreMatMulGrad, useExplicitTransposeMatMulGrad } from "../../lib/backend/matmulGrad.js";
import { AdamW, type AdamWOptions } from "../../lib/model/adamw.js";
import { Rng } from "../../lib/random.js";
import { expectNoLeaks } from "../helpers/backend.js";
import { assertClose } from "../helpers/close.js";

const SHAPES = [[48, 40], [40], [3, 17], [5]];
let runs = 0;

/** Weights after `steps` AdamW updates with seeded gradients, as plain arrays. */
function train(opts: AdamWOptions, steps: number, gradScale: number): number[][] {
  const rng = new Rng(3);
  runs++;
  const vars = SHAPES.map((s, i) => {
    const init = tf.tensor(rng.normals(s.reduce((p, d) => p * d, 1), 0, 1), s);
    const v = tf.variable(init, true, `adamw_k${runs}_${i}`);
    init.dispose(); // the variable keeps its own reference to the data
    return v;
  });
  const opt = new AdamW(vars, opts);
  for (let t = 0; t < steps; t++) {
    const grads = Object.fromEntries(vars.map((v) => [v.name, tf.tensor(rng.normals(v.size, 0, gradScale), v.shape)]));
    opt.step(grads, 0.05 * (t + 1));
    tf.dispose(Object.values(grads));
  }
  const out = vars.map((v) => Array.from(v.dataSync()));
  opt.dispose();
  tf.dispose(vars);
  return out;
}

describe("one-kernel AdamW and the matmul gradient (wasm)", () => {
  beforeAll(async () => {
    await initBackend("wasm", { quiet: true });
  });
  afterAll(() => {
    useFusedAdamW();
    useExplicitTransposeMatMulGrad();
  });

  it("is installed by initBackend on wasm and switches off for A/B runs", () => {
    expect(fusedAdamW()).toBe(true);
    useCompositeAdamW();
    expect(fusedAdamW()).toBe(false);
    useFusedAdamW();
    expect(fusedAdamW()).toBe(true);
  });

  for (const [what, opts, gradScale] of [
    ["clipped (global norm above clipNorm)", { clipNorm: 1, weightDecay: 0.1 }, 1],
    ["not clipped (norm below clipNorm)", { clipNorm: 1e3, weightDecay: 0.01, beta2: 0.999 }, 0.1],
    ["clipping off", { clipNorm: 0, weightDecay: 0.1 }, 2],
    ["clipping off, no decay", { clipNorm: 0, weightDecay: 0 }, 2],
  ] as [string, AdamWOptions, number][]) {
    it(`gives the readable update's weights after 4 steps, ${what}`, async () => {
      let fused: number[][] = [];
      await expectNoLeaks(() => {
        useFusedAdamW();
        fused = train(opts, 4, gradScale);
      });
      useCompositeAdamW();
      const composite = train(opts, 4, gradScale);
      useFusedAdamW();
      // Without clipping every step rounds as the ops round: bit for bit. With it, only the norm
      // (summed in float64 vs the ops' float32) differs, by float32 rounding.
      const tol = opts.clipNorm ? { rtol: 1e-5, atol: 1e-6 } : {};
      fused.forEach((w, i) => assertClose(w, composite[i]!, { ...tol, what: `weight ${i} [${SHAPES[i]}]` }));
    });
  }

  // tfjs-core's gradient handles neither x [..., k]·W (batched x, one W) nor is it what initBackend
  // installs on wasm; both must give the same numbers on every product the library writes.
  const cases: [string, number[], number[], boolean, boolean][] = [
    ["2-D a·b", [7, 5], [5, 6], false, false],
    ["2-D a·bᵀ", [7, 5], [6, 5], false, true],
    ["2-D aᵀ·b", [5, 7], [5, 6], true, false],
    ["2-D aᵀ·bᵀ", [5, 7], [6, 5], true, true],
    ["batched q·kᵀ", [2, 3, 4, 8], [2, 3, 5, 8], false, true],
    ["batched p·v", [2, 3, 4, 5], [2, 3, 5, 8], false, false],
    ["batched aᵀ·b", [3, 5, 4], [3, 5, 6], true, false],
  ];
  for (const [what, sa, sb, ta, tb] of cases) {
    it(`the matmul gradient equals tfjs-core's: ${what}`, () => {
      const rng = new Rng(11);
      const a = tf.tensor(rng.normals(sa.reduce((p, d) => p * d, 1), 0, 1), sa);
      const b = tf.tensor(rng.normals(sb.reduce((p, d) => p * d, 1), 0, 1), sb);
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.sin(tf.matMul(x, y, ta, tb)));
      restoreMatMulGrad();
      const want = tf.grads(f)([a, b]);
      useExplicitTransposeMatMulGrad();
      const before = tf.memory().numTensors;
      const got = tf.grads(f)([a, b]);
      expect(tf.memory().numTensors).toBe(before + 2);
      assertClose(got[0]!.dataSync(), want[0]!.dataSync(), { rtol: 1e-5, atol: 1e-5, what: `${what}: d/da` });
      assertClose(got[1]!.dataSync(), want[1]!.dataSync(), { rtol: 1e-5, atol: 1e-5, what: `${what}: d/db` });
      tf.dispose([a, b, ...want, ...got]);
    });
  }

  it("the matmul gradient sums W's gradient over x's leading axes for x [..., k]·W (against the flattened 2-D product)", () => {
    expect(explicitTransposeMatMulGradInstalled()).toBe(true);
    const rng = new Rng(12);
    const x = tf.tensor(rng.normals(2 * 3 * 5, 0, 1), [2, 3, 5]);
    const w = tf.tensor(rng.normals(5 * 4, 0, 1), [5, 4]);
    for (const tb of [false, true]) {
      const wt = tb ? tf.transpose(w) : w;
      const folded = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.sin(tf.matMul(a, b, false, tb))))([x, wt]);
      const flat = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.sin(tf.matMul(a.reshape([6, 5]), b, false, tb))))([x, wt]);
      assertClose(folded[0]!.dataSync(), flat[0]!.dataSync(), { rtol: 1e-5, atol: 1e-6, what: `dx (transposeB ${tb})` });
      assertClose(folded[1]!.dataSync(), flat[1]!.dataSync(), { rtol: 1e-5, atol: 1e-6, what: `dW (transposeB ${tb})` });
      tf.dispose([...folded, ...flat]);
      if (tb) wt.dispose();
    }
    tf.dispose([x, w]);
  });
});
