/**
 * Supervised training of a capstone entrant, with DeepSeek-V3's auxiliary-loss-free load balancing
 * when the model has routed experts (notebooks/06_mini_deepseek.ipynb, live section;
 * scripts/capstone.mjs).
 *
 * `trainLM` does the optimisation; this file adds what an MoE model needs around it: after every
 * step, each layer's expert load (assignments per expert in that batch) moves its routing bias
 *   b_i ← b_i − γ · sign(load_i − mean load)          (V3 §2.1.2; `updateRoutingBias`)
 * and the batch's MaxVio = max load / mean load − 1 (averaged over layers) is recorded, so a
 * learner sees the loads even out while the loss falls. Dense models train exactly as `trainLM`.
 */
import * as tf from "@tensorflow/tfjs";
import { expertLoad, maxVio, updateRoutingBias } from "../moe/balance.js";
import type { MoEWeights } from "../moe/moe.js";
import type { CharTokenizer } from "../model/tokenizer.js";
import { trainLM, type SequenceExample, type StepInfo, type TrainOptions, type TrainResult } from "../model/train.js";
import type { TinyTransformer } from "../model/transformer.js";

export interface BalancePoint {
  step: number;
  tokens: number;
  /** Batch MaxVio averaged over the MoE layers (0 = every expert got the same load). */
  maxVio: number;
  /** Per layer: assignments per routed expert in this batch. */
  load: number[][];
}

export interface EntrantTrainOptions extends Omit<TrainOptions, "logEvery"> {
  /** Bias update speed γ (lesson 2's balance experiment used 0.01; V3 used 0.001 at scale). Default 0.01. */
  biasGamma?: number;
  /** Keep every n-th step's balance point (default 10; the first and last are always kept). */
  balanceEvery?: number;
  /** Read the loss every N steps (default 10). MoE models read every step (the bias needs it). */
  logEvery?: number;
}

export interface EntrantTrainResult extends TrainResult {
  /** Expert load over training (empty for a dense model). */
  balance: BalancePoint[];
}

/**
 * Trains `model` in place on `next()`'s examples; an MoE model with a routing bias has it updated
 * after every step. Returns trainLM's result plus the MaxVio curve.
 */
export async function trainEntrant(
  model: TinyTransformer,
  tok: CharTokenizer,
  next: () => SequenceExample,
  opts: EntrantTrainOptions = {},
): Promise<EntrantTrainResult> {
  const moe = model.config.ffn === "moe" ? model.config.moe! : null;
  if (!moe) return { ...(await trainLM(model, tok, next, opts)), balance: [] };
  const gamma = opts.biasGamma ?? 0.01;
  if (!(gamma >= 0)) throw new Error(`trainEntrant: biasGamma must be ≥ 0; got ${gamma}`);
  const every = opts.balanceEvery ?? 10;
  if (!Number.isInteger(every) || every < 1) throw new Error(`trainEntrant: balanceEvery must be an integer ≥ 1; got ${every}`);
  const nExperts = moe.nExperts;
  const loads: (tf.Tensor1D | null)[] = model.layers.map(() => null);
  const balance: BalancePoint[] = [];
  const previous = model.onRoute;
  // Each forward in training sees one batch; keep the last forward's per-layer loads.
  model.onRoute = (layer, indices) => {
    loads[layer]?.dispose();
    loads[layer] = tf.keep(expertLoad(indices, nExperts));
  };
  const onStep = async (info: StepInfo): Promise<void> => {
    const perLayer: number[][] = [];
    for (let l = 0; l < loads.length; l++) {
      const load = loads[l];
      if (!load) continue;
      perLayer.push(Array.from(await load.data()));
      const bias = (model.layers[l]!.ffn as MoEWeights).bias;
      if (moe.routingBias && bias && gamma > 0) {
        const nextBias = updateRoutingBias(bias, load, gamma);
        (bias as tf.Variable).assign(nextBias);
        nextBias.dispose();
      }
      load.dispose();
      loads[l] = null;
    }
    if (perLayer.length > 0 && (info.step % every === 0 || info.step === 1 || info.progress >= 1)) {
      const mv = perLayer.reduce((s, l) => s + maxVio(l), 0) / perLayer.length;
      balance.push({ step: info.step, tokens: info.tokens, maxVio: mv, load: perLayer });
    }
    await opts.onStep?.(info);
  };
  try {
    const result = await trainLM(model, tok, next, { ...opts, logEvery: 1, onStep });
    return { ...result, balance };
  } finally {
    model.onRoute = previous;
    loads.forEach((t) => t?.dispose());
  }
}
