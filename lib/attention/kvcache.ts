/**
 * A paged KV cache: per-token tensors kept between calls so that decoding one token reads the keys
 * and values of the earlier tokens instead of recomputing them.
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb; used by mha.ts (keys and values per
 * KV head) and mla.ts (per-head keys and values in "naive" mode, the latent and the rope key in
 * "absorbed" mode); read by paged.ts (attention over the blocks).
 *
 * Layout (the one vLLM's PagedAttention made standard, Kwon et al. 2023): each slot is a list of
 * BLOCKS of up to `blockSize` tokens, each a tensor [batch, heads, tokens, width] (a slot with
 * per-token shape [heads, width]; a slot of shape [width] has one head). Writing a token rewrites
 * only the last block; full blocks are never touched again. So a decode step never
 * copies the whole cache (a tensor cannot grow in place, and `concat` onto one big tensor would
 * copy it every step), and every block is already in the orientation attention reads it in —
 * head-major, each head's keys a token-major [tokens, width] matrix — so nothing is transposed.
 *
 * Writing `seq` tokens at `startPos` keeps positions [0, startPos) and appends the new ones
 * (writing at startPos < length rewinds: later tokens are dropped). Blocks are `tf.keep`-ed, so a
 * cache written inside a caller's `tf.tidy` (a decode loop) survives it; the owner calls `dispose()`.
 */
import * as tf from "@tensorflow/tfjs";

/**
 * x [a, b, c, d] → [a, c, b, d] (x.transpose([0, 2, 1, 3])). When axis 1 or 2 has one entry (a
 * decode step: one token) the order in memory does not change, so it is a reshape: no copy, and on
 * tfjs-wasm one op fewer when the caller reshapes right after.
 */
export function swapAxes12(x: tf.Tensor): tf.Tensor {
  const [a, b, c, d] = x.shape as [number, number, number, number];
  return b === 1 || c === 1 ? x.reshape([a, c, b, d]) : x.transpose([0, 2, 1, 3]);
}

/** Tokens per block unless the caller says otherwise (measured: `npm run bench -- mla`). */
export const DEFAULT_BLOCK_SIZE = 256;

export class KVCache {
  /** how many sequences (batch rows) it can hold */
  readonly batch: number;
  /** capacity in tokens */
  readonly maxSeqLen: number;
  /** tokens per block */
  readonly blockSize: number;
  /** per-token shape of each slot, [heads, width] or [width], e.g. { k: [nKvHeads, headDim], v: [nKvHeads, headDim] } */
  readonly slots: Readonly<Record<string, readonly number[]>>;
  /** slot → blocks [batch, heads, tokens, width] */
  private store = new Map<string, tf.Tensor4D[]>();
  /** what `get` assembled since the last write (freed by the next write) */
  private assembled = new Map<string, tf.Tensor>();
  /** tensors derived from weights (see `derived`), with the data they were made from */
  private derivedWeights = new Map<string, { sources: tf.Tensor[]; dataIds: object[]; value: tf.Tensor }>();
  private filled = 0;
  private rows = 0;

  constructor(batch: number, maxSeqLen: number, slots: Record<string, number[]>, opts: { blockSize?: number } = {}) {
    const blockSize = opts.blockSize ?? DEFAULT_BLOCK_SIZE;
    for (const [name, v] of [["batch", batch], ["maxSeqLen", maxSeqLen], ["blockSize", blockSize]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`KVCache: ${name} must be a positive integer; got ${v}`);
    }
    for (const [name, tail] of Object.entries(slots)) {
      if (tail.length < 1 || tail.length > 2 || tail.some((d) => !Number.isInteger(d) || d <= 0)) {
        throw new Error(`KVCache: slot "${name}" must have a per-token shape [heads, width] or [width] of positive integers; got [${tail}]`);
      }
    }
    this.batch = batch;
    this.maxSeqLen = maxSeqLen;
    this.blockSize = blockSize;
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

  /** Heads of a slot: the first of [heads, width], or 1 for [width]. */
  heads(name: string): number {
    const tail = this.tail(name);
    return tail.length === 2 ? tail[0]! : 1;
  }

  /** Tokens in each block, in order: all `blockSize` but the last (empty array when empty). */
  blockLengths(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.filled; p += this.blockSize) out.push(Math.min(this.blockSize, this.filled - p));
    return out;
  }

  /**
   * A slot's blocks: positions [0, length) as tensors [batchWritten, heads, tokens, width]
   * (see `blockLengths`). They belong to the cache: don't dispose them.
   */
  blocks(name: string): readonly tf.Tensor4D[] {
    this.tail(name);
    return this.store.get(name) ?? [];
  }

  /**
   * The slot's contents for positions [0, length) as one tensor [batchWritten, length, ...tail],
   * or undefined when empty. Assembled from the blocks for inspection (a copy; decode never calls
   * it); it belongs to the cache and is freed by the next write: don't dispose it.
   */
  get(name: string): tf.Tensor | undefined {
    const tail = this.tail(name);
    if (this.filled === 0) return undefined;
    const have = this.assembled.get(name);
    if (have) return have;
    const blocks = this.store.get(name)!;
    const out = tf.tidy(() => {
      const full = blocks.length === 1 ? blocks[0]! : tf.concat(blocks, 2); // [rows, heads, length, width]
      return full
        .transpose([0, 2, 1, 3]) // [rows, length, heads, width]
        .reshape([this.rows, this.filled, ...tail]);
    });
    tf.keep(out);
    this.assembled.set(name, out);
    return out;
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
   * Store `values[name]` ([batch, seq, ...tail]) at positions startPos … startPos+seq-1. Only the
   * new tokens are re-laid out (head-major), and only the last block of each row is rewritten.
   */
  write(startPos: number, values: Record<string, tf.Tensor>): void {
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
    this.dropAssembled();
    if (startPos === 0) this.clearBlocks();
    else if (startPos < this.filled) this.rewind(startPos);
    for (const name of names) {
      const h = this.heads(name);
      const width = this.tail(name).at(-1)!;
      const blocks = this.store.get(name) ?? [];
      // Only the new tokens move: [b, s, heads, width] → [b, heads, s, width].
      const v = values[name]!;
      const piece = tf.tidy(() => swapAxes12(v.rank === 4 ? v : v.reshape([batch, seq, h, width]))) as tf.Tensor4D;
      this.append(blocks, piece, startPos);
      piece.dispose();
      this.store.set(name, blocks);
    }
    this.filled = startPos + seq;
    this.rows = batch;
  }

  /**
   * Store one token at position `startPos` = length whose last blocks a fused decode kernel has
   * already made (lib/backend/decodeAttention.ts's mhaDecodeStep): per slot, the last block
   * extended by the token ([batch, heads, startPos mod blockSize + 1, width]), which replaces a
   * partial last block or starts a new one. The blocks become the cache's (kept; don't dispose them).
   */
  writeLastBlocks(startPos: number, lastBlocks: Record<string, tf.Tensor4D>): void {
    const names = Object.keys(this.slots);
    const batch = lastBlocks[names[0]!]?.shape[0] ?? 0;
    this.check(batch, 1, startPos, "KVCache.writeLastBlocks");
    if (startPos !== this.filled) throw new Error(`KVCache.writeLastBlocks: startPos must be the cache's length ${this.filled}; got ${startPos}`);
    const inBlock = startPos % this.blockSize;
    for (const name of names) {
      const t = lastBlocks[name];
      const want = [batch, this.heads(name), inBlock + 1, this.tail(name).at(-1)!];
      if (!t || t.rank !== 4 || t.shape.some((d, i) => d !== want[i])) {
        throw new Error(`KVCache.writeLastBlocks: slot "${name}" must be [${want}]; got ${t ? `[${t.shape}]` : "nothing"}`);
      }
    }
    this.dropAssembled();
    if (startPos === 0) this.clearBlocks();
    for (const name of names) {
      const blocks = this.store.get(name) ?? [];
      if (inBlock > 0) blocks.pop()!.dispose();
      blocks.push(tf.keep(lastBlocks[name]!));
      this.store.set(name, blocks);
    }
    this.filled = startPos + 1;
    this.rows = batch;
  }

  /**
   * A tensor derived from weights (e.g. [Wq | Wk | Wv] side by side for one projection), made by
   * `make` on first use and again when a source changes (a Variable's assign changes its data):
   * what a server prepares once at load time. Kept by the cache and freed by `dispose()`; not
   * counted in `elementsPerToken`.
   */
  derived(name: string, sources: tf.Tensor[], make: () => tf.Tensor): tf.Tensor {
    const have = this.derivedWeights.get(name);
    if (have && !have.value.isDisposed && have.sources.every((t, i) => t === sources[i] && t.dataId === have.dataIds[i])) return have.value;
    if (have) have.value.dispose();
    const value = tf.keep(tf.tidy(make));
    this.derivedWeights.set(name, { sources, dataIds: sources.map((t) => t.dataId), value });
    return value;
  }

  /** Append `piece` ([batch, heads, s, width], tokens from position `pos`) to a slot's blocks. */
  private append(blocks: tf.Tensor4D[], piece: tf.Tensor4D, pos: number): void {
    let done = 0;
    const s = piece.shape[2];
    while (done < s) {
      const inBlock = (pos + done) % this.blockSize; // tokens already in the block being filled
      const n = Math.min(s - done, this.blockSize - inBlock);
      const part = n === s ? piece : tf.slice(piece, [0, 0, done, 0], [-1, -1, n, -1]);
      if (inBlock === 0) {
        blocks.push(tf.keep(part === piece ? piece.clone() : part));
      } else {
        const last = blocks.pop()!;
        blocks.push(tf.keep(tf.concat([last, part], 2))); // the only copy: the last block, ≤ blockSize tokens
        last.dispose();
        if (part !== piece) part.dispose();
      }
      done += n;
    }
  }

  /** Drop positions ≥ pos (pos > 0): whole blocks after it, and the tail of the block holding it. */
  private rewind(pos: number): void {
    const keepBlocks = Math.ceil(pos / this.blockSize);
    const inLast = pos - (keepBlocks - 1) * this.blockSize;
    for (const blocks of this.store.values()) {
      tf.dispose(blocks.splice(keepBlocks));
      const last = blocks[keepBlocks - 1]!;
      if (last.shape[2] > inLast) {
        blocks[keepBlocks - 1] = tf.keep(tf.slice(last, [0, 0, 0, 0], [-1, -1, inLast, -1]));
        last.dispose();
      }
    }
  }

  private tail(name: string): readonly number[] {
    const tail = this.slots[name];
    if (!tail) throw new Error(`KVCache: no slot "${name}"; slots are ${Object.keys(this.slots).join(", ")}`);
    return tail;
  }

  private dropAssembled(): void {
    tf.dispose([...this.assembled.values()]);
    this.assembled.clear();
  }

  private clearBlocks(): void {
    for (const blocks of this.store.values()) tf.dispose(blocks);
    this.store.clear();
  }

  /** Forget every token (keeps the cache usable). */
  reset(): void {
    this.dropAssembled();
    this.clearBlocks();
    this.filled = 0;
    this.rows = 0;
  }

  /** Free the cache's tensors. */
  dispose(): void {
    this.reset();
    for (const d of this.derivedWeights.values()) d.value.dispose();
    this.derivedWeights.clear();
  }
}
