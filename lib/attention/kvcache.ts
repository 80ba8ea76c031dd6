/**
 * A KV cache: per-token tensors kept between calls so that decoding one token reads the keys and
 * values of the earlier tokens instead of recomputing them.
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb; used by mha.ts (keys and values per
 * KV head) and mla.ts (per-head keys and values in "naive" mode, the latent and the rope key in
 * "absorbed" mode).
 *
 * Each slot holds one tensor [batch, length, ...tail] with exactly the tokens written so far, so
 * its size is the real memory the cache costs. Writing `seq` tokens at `startPos` keeps positions
 * [0, startPos) and appends the new ones (writing at startPos < length rewinds: later tokens are
 * dropped). Stored tensors are `tf.keep`-ed, so a cache written inside a caller's `tf.tidy` (a
 * decode loop) survives it; the owner calls `dispose()`.
 */
import * as tf from "@tensorflow/tfjs";

export class KVCache {
  /** how many sequences (batch rows) it can hold */
  readonly batch: number;
  /** capacity in tokens */
  readonly maxSeqLen: number;
  /** per-token shape of each slot, e.g. { k: [nKvHeads, headDim], v: [nKvHeads, headDim] } */
  readonly slots: Readonly<Record<string, readonly number[]>>;
  private store = new Map<string, tf.Tensor>();
  private filled = 0;
  private rows = 0;

  constructor(batch: number, maxSeqLen: number, slots: Record<string, number[]>) {
    for (const [name, v] of [["batch", batch], ["maxSeqLen", maxSeqLen]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`KVCache: ${name} must be a positive integer; got ${v}`);
    }
    this.batch = batch;
    this.maxSeqLen = maxSeqLen;
    this.slots = slots;
  }

  /** Tokens held (the next free position). */
  get length(): number {
    return this.filled;
  }

  /** Numbers stored per token per sequence, all slots together. */
  get elementsPerToken(): number {
    return Object.values(this.slots).reduce((acc, tail) => acc + tail.reduce((a, b) => a * b, 1), 0);
  }

  /** The slot's contents for positions [0, length): [batchWritten, length, ...tail], or undefined when empty. */
  get(name: string): tf.Tensor | undefined {
    if (!(name in this.slots)) throw new Error(`KVCache: no slot "${name}"; slots are ${Object.keys(this.slots).join(", ")}`);
    return this.store.get(name);
  }

  /**
   * Checks that `seq` tokens of `batch` rows can be written at `startPos`; throws a message naming
   * what was expected and what came in. Called by `write`, and by layers before they compute.
   */
  check(batch: number, seq: number, startPos: number, who = "KVCache"): void {
    if (!Number.isInteger(startPos) || startPos < 0) throw new Error(`${who}: startPos must be a non-negative integer; got ${startPos}`);
    if (batch > this.batch) throw new Error(`${who}: batch ${batch} is bigger than the cache's batch ${this.batch}`);
    if (startPos + seq > this.maxSeqLen) {
      throw new Error(
        `${who}: the cache holds maxSeqLen=${this.maxSeqLen} tokens, too short for startPos ${startPos} + seq ${seq} = ${startPos + seq}`,
      );
    }
    if (startPos > this.filled) {
      throw new Error(`${who}: the cache holds ${this.filled} tokens, so startPos must be ≤ ${this.filled}; got ${startPos}`);
    }
    if (startPos > 0 && batch !== this.rows) {
      throw new Error(`${who}: the cache holds tokens for batch ${this.rows}; got batch ${batch} at startPos ${startPos} (start again at 0)`);
    }
  }

  /**
   * Store `values[name]` ([batch, seq, ...tail]) at positions startPos … startPos+seq-1 and return
   * every slot's contents for positions [0, startPos+seq): [batch, startPos+seq, ...tail].
   * The returned tensors belong to the cache: don't dispose them.
   */
  write(startPos: number, values: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
    const names = Object.keys(this.slots);
    const first = values[names[0]!];
    if (!first) throw new Error(`KVCache.write: missing slot "${names[0]}"`);
    const [batch, seq] = first.shape as [number, number];
    this.check(batch, seq, startPos, "KVCache.write");
    for (const name of names) {
      const v = values[name];
      const want = [batch, seq, ...this.slots[name]!];
      if (!v || v.shape.length !== want.length || v.shape.some((d, i) => d !== want[i])) {
        throw new Error(`KVCache.write: slot "${name}" must be [${want}]; got ${v ? `[${v.shape}]` : "nothing"}`);
      }
    }
    const out: Record<string, tf.Tensor> = {};
    for (const name of names) {
      const old = this.store.get(name);
      const next = tf.tidy(() => {
        const v = values[name]!;
        if (!old || startPos === 0) return v.clone();
        const kept = startPos === old.shape[1] ? old : tf.slice(old, [0, 0], [-1, startPos]); // [batch, startPos, ...tail]
        return tf.concat([kept, v], 1); // [batch, startPos + seq, ...tail]
      });
      tf.keep(next);
      old?.dispose();
      this.store.set(name, next);
      out[name] = next;
    }
    this.filled = startPos + seq;
    this.rows = batch;
    return out;
  }

  /** Forget every token (keeps the cache usable). */
  reset(): void {
    for (const t of this.store.values()) t.dispose();
    this.store.clear();
    this.filled = 0;
    this.rows = 0;
  }

  /** Free the cache's tensors. */
  dispose(): void {
    this.reset();
  }
}
