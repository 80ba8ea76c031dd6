/**
 * Text generation with the tiny transformer: greedy, or temperature with optional top-k, with or
 * without the KV cache (notebooks/03_chain_of_thought.ipynb).
 *
 * With the cache, the prompt is processed once ("prefill") and every later step feeds one token
 * per sequence, reading earlier keys/values from the cache; without it, every step recomputes the
 * whole prefix. Both give the same tokens (the tests check it); the cache is what makes sampling
 * 32 reasoning paths per question affordable (bench/train.mjs measures by how much).
 *
 * Prompts are generated in batches; prompts of different lengths are grouped by length, so no
 * padding ever enters attention.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random.js";
import { checkGenerateOptions } from "./sampleOptions.js";
import { EOS_ID, type CharTokenizer } from "./tokenizer.js";
import type { ModelCache, TinyTransformer } from "./transformer.js";

export interface GenerateOptions {
  /** Most tokens to add per prompt (the <eos> counts). Default: up to maxSeqLen. */
  maxNewTokens?: number;
  /** 0 (default) = greedy. */
  temperature?: number;
  /** Sample only among the k most likely tokens (0 = all). */
  topK?: number;
  /** Nucleus sampling: keep the most likely tokens whose probabilities sum to at least topP, in (0, 1]. Default 1. */
  topP?: number;
  /** Seed: prompt i samples from its own stream seeded seed + i, whatever the batch. Default 0. */
  seed?: number;
  /** Use the KV cache (default true). */
  useCache?: boolean;
  /** Sequences decoded together at most (default 256). */
  maxBatch?: number;
  /**
   * Called after every decode step with the token each unfinished prompt just got (<eos> included),
   * and awaited: a server streams these, and yields to the event loop here between steps.
   */
  onTokens?: (tokens: { prompt: number; id: number }[]) => void | Promise<void>;
  /** Stops generation at the next step boundary (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

export interface Generation {
  prompt: string;
  /** Decoded completion, without <eos>. */
  text: string;
  /** Generated ids, <eos> included when it was produced. */
  ids: number[];
  /** True when the model ended with <eos> (false: ran out of tokens). */
  finished: boolean;
}

/** Picks one token from a logits row (length = vocab) — greedy, or temperature/top-k sampling. */
export function sampleToken(logits: ArrayLike<number>, temperature: number, topK: number, rng: Rng, topP = 1): number {
  const n = logits.length;
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < n; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
  let idx = Array.from({ length: n }, (_, i) => i);
  if (topK > 0 && topK < n) idx = idx.sort((a, b) => logits[b]! - logits[a]! || a - b).slice(0, topK);
  let max = -Infinity;
  for (const i of idx) max = Math.max(max, logits[i]!);
  let w = idx.map((i) => Math.exp((logits[i]! - max) / temperature));
  let total = w.reduce((s, x) => s + x, 0);
  if (topP < 1) {
    // Nucleus: the smallest set of most likely tokens whose probability reaches topP.
    const order = w.map((_, j) => j).sort((a, b) => w[b]! - w[a]! || idx[a]! - idx[b]!);
    const keep: number[] = [];
    let mass = 0;
    for (const j of order) {
      keep.push(j);
      mass += w[j]!;
      if (mass >= topP * total) break;
    }
    idx = keep.map((j) => idx[j]!);
    w = keep.map((j) => w[j]!);
    total = mass;
  }
  let u = rng.next() * total;
  for (let j = 0; j < idx.length; j++) {
    u -= w[j]!;
    if (u < 0) return idx[j]!;
  }
  return idx[idx.length - 1]!;
}

/**
 * Completes each prompt. Returns one `Generation` per prompt, in order.
 * Sampling is reproducible: the same prompts, options and seed give the same text.
 */
export async function generate(
  model: TinyTransformer,
  tok: CharTokenizer,
  prompts: readonly string[],
  opts: GenerateOptions = {},
): Promise<Generation[]> {
  checkGenerateOptions(opts);
  const seed = opts.seed ?? 0;
  const maxBatch = opts.maxBatch ?? 256;
  const encoded = prompts.map((p) => tok.encode(p, { bos: true }));
  const out: Generation[] = new Array(prompts.length);
  // Group by prompt length (then chunk), so every row of a batch sits at the same positions.
  const groups = new Map<number, number[]>();
  encoded.forEach((ids, i) => groups.set(ids.length, [...(groups.get(ids.length) ?? []), i]));
  for (const [, members] of [...groups].sort((a, b) => a[0] - b[0])) {
    for (let s = 0; s < members.length; s += maxBatch) {
      const chunk = members.slice(s, s + maxBatch);
      const rngs = chunk.map((i) => new Rng(seed + i)); // sample i uses seed + i, whatever the batch
      const gens = await generateSameLength(model, chunk.map((i) => encoded[i]!), opts, rngs, chunk);
      chunk.forEach((i, j) => {
        const ids = gens[j]!;
        out[i] = { prompt: prompts[i]!, text: tok.decode(ids), ids, finished: ids[ids.length - 1] === EOS_ID };
      });
    }
  }
  return out;
}

/** Decodes a batch of equally long prompts; returns the generated ids per row. */
async function generateSameLength(model: TinyTransformer, rows: number[][], opts: GenerateOptions, rngs: Rng[], promptIndex: number[]): Promise<number[][]> {
  const batch = rows.length;
  const promptLen = rows[0]!.length;
  const room = model.config.maxSeqLen - promptLen;
  if (room <= 0) throw new Error(`generate: a prompt of ${promptLen} tokens leaves no room in maxSeqLen ${model.config.maxSeqLen}`);
  const maxNew = Math.min(opts.maxNewTokens ?? room, room);
  const temperature = opts.temperature ?? 0;
  const topK = opts.topK ?? 0;
  const topP = opts.topP ?? 1;
  const useCache = opts.useCache ?? true;
  const vocab = model.config.vocabSize;
  const seqs = rows.map((r) => r.slice());
  const done = new Array<boolean>(batch).fill(false);
  const cache: ModelCache | undefined = useCache ? model.createCache(batch) : undefined;
  try {
    for (let step = 0; step < maxNew; step++) {
      opts.signal?.throwIfAborted();
      const len = promptLen + step;
      // With the cache: the whole prompt first, then one new token per row. Without: everything.
      const feedFrom = cache ? (step === 0 ? 0 : len - 1) : 0;
      const feed = seqs.flatMap((s) => s.slice(feedFrom, len));
      const last = tf.tidy(() => {
        const ids = tf.tensor2d(feed, [batch, len - feedFrom], "int32");
        const logits = model.forward(ids, { cache, startPos: feedFrom }); // [batch, fed, vocab]
        const fed = len - feedFrom;
        return (fed === 1 ? logits : logits.slice([0, fed - 1, 0], [batch, 1, vocab])).reshape([batch, vocab]); // [batch, vocab]: the last position
      });
      const data = await last.data();
      last.dispose();
      const fresh: { prompt: number; id: number }[] = [];
      for (let b = 0; b < batch; b++) {
        // Finished rows keep receiving <eos> so the batch stays rectangular; it is never read.
        const next = done[b] ? EOS_ID : sampleToken(data.subarray(b * vocab, (b + 1) * vocab), temperature, topK, rngs[b]!, topP);
        if (!done[b]) fresh.push({ prompt: promptIndex[b]!, id: next });
        seqs[b]!.push(next);
        if (next === EOS_ID) done[b] = true;
      }
      if (opts.onTokens) await opts.onTokens(fresh);
      if (done.every(Boolean)) break;
    }
  } finally {
    cache?.dispose();
  }
  return seqs.map((s) => {
    const gen = s.slice(promptLen);
    const eos = gen.indexOf(EOS_ID);
    return eos >= 0 ? gen.slice(0, eos + 1) : gen;
  });
}
