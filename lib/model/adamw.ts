/**
 * AdamW (Loshchilov & Hutter 2019): Adam with *decoupled* weight decay, the optimizer every
 * DeepSeek model is trained with (V3: β₁ = 0.9, β₂ = 0.95, weight decay 0.1). TensorFlow.js ships
 * Adam but not AdamW, so here it is, ten lines of arithmetic per weight:
 *
 *   m ← β₁m + (1−β₁)g            v ← β₂v + (1−β₂)g²
 *   m̂ = m/(1−β₁ᵗ)                v̂ = v/(1−β₂ᵗ)
 *   w ← w − lr·( m̂/(√v̂ + ε) + λ·w )        (λ only on matrices: norm gains are not decayed)
 *
 * Optional global-norm gradient clipping happens first. Used by lib/model/train.ts and by GRPO
 * (lib/reasoning/grpo.ts); introduced in notebooks/03_chain_of_thought.ipynb.
 */
import * as tf from "@tensorflow/tfjs";
import { ADAMW_KERNEL, fusedAdamW, type AdamWKernelAttrs } from "../backend/adamwKernel.js";

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** λ, decoupled. Default 0.01. */
  weightDecay?: number;
  /** Clip the global gradient norm to this (0 = off). Default 1. */
  clipNorm?: number;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly clipNorm: number;
  /** Steps taken. */
  t = 0;
  private readonly vars: tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(vars: tf.Variable[], opts: AdamWOptions = {}) {
    this.vars = vars;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.95;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
    this.clipNorm = opts.clipNorm ?? 1;
    const zeros = (w: tf.Variable): tf.Variable => {
      const z = tf.zerosLike(w);
      const v = tf.variable(z, false);
      z.dispose(); // the variable keeps its own reference to the data
      return v;
    };
    this.m = vars.map(zeros);
    this.v = vars.map(zeros);
  }

  /**
   * One update. `grads` maps each variable's `name` to its gradient (what `tf.variableGrads`
   * returns); the caller still owns (and disposes) the gradients.
   */
  step(grads: tf.NamedTensorMap, lr: number): void {
    this.t++;
    const { beta1: b1, beta2: b2, eps, t } = this;
    tf.tidy(() => {
      const gs = this.vars.map((w) => {
        const g = grads[w.name];
        if (!g) throw new Error(`AdamW.step: no gradient for variable ${w.name}`);
        return g;
      });
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      if (fusedAdamW() && [...this.vars, ...gs].every((t) => t.dtype === "float32")) {
        // tfjs-wasm: the same arithmetic, clipping included, as one kernel (lib/backend/adamwKernel.ts).
        const decay = this.vars.map((w) => (this.weightDecay > 0 && w.rank >= 2 ? this.weightDecay : 0));
        const attrs: AdamWKernelAttrs = { beta1: b1, beta2: b2, eps, lr, c1, c2, decay, clipNorm: this.clipNorm };
        const inputs = [...this.vars, ...gs, ...this.m, ...this.v];
        const outs = tf.engine().runKernel(ADAMW_KERNEL, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        const n = this.vars.length;
        this.vars.forEach((w, i) => {
          w.assign(outs[i]!);
          this.m[i]!.assign(outs[n + i]!);
          this.v[i]!.assign(outs[2 * n + i]!);
        });
        return;
      }
      let scale: tf.Tensor | null = null;
      if (this.clipNorm > 0) {
        const norm = tf.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g))))); // ‖g‖ over all weights
        scale = tf.minimum(1, tf.div(this.clipNorm, tf.add(norm, 1e-6)));
      }
      this.vars.forEach((w, i) => {
        const g = scale ? tf.mul(gs[i]!, scale) : gs[i]!;
        const m = tf.add(tf.mul(this.m[i]!, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i]!, b2), tf.mul(tf.square(g), 1 - b2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        let update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        if (this.weightDecay > 0 && w.rank >= 2) update = tf.add(update, tf.mul(w, this.weightDecay));
        w.assign(tf.sub(w, tf.mul(update, lr)));
      });
    });
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
