/**
 * Checkpoints of the tiny transformer: one JSON file holding a format tag, a version, the full
 * config, the tokenizer, free-form metadata (what it was trained on, how long, its accuracy) and
 * every weight as base64 little-endian float32. Small enough to commit (datasets/cot_*.json), so
 * notebooks/03_chain_of_thought.ipynb starts from trained models instead of training for minutes.
 *
 * Loading checks the format and version, and — when the caller says what it expects — the config
 * and the shapes, and fails with a message that names the first difference.
 */
import * as tf from "@tensorflow/tfjs";
import { readText, writeText } from "../data.js";
import { CharTokenizer, type TokenizerJSON } from "./tokenizer.js";
import { resolveConfig, TinyTransformer, type ResolvedConfig, type TinyTransformerConfig } from "./transformer.js";

export const CHECKPOINT_FORMAT = "seeklab-tiny-transformer";
export const CHECKPOINT_VERSION = 1;

export interface CheckpointJSON {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  config: ResolvedConfig;
  tokenizer: TokenizerJSON;
  meta: Record<string, unknown>;
  /** name → { shape, base64 float32 (little-endian) } */
  weights: Record<string, { shape: number[]; data: string }>;
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

/** The model as a JSON-able object (reads every weight: async). */
export async function checkpointToJSON(model: TinyTransformer, tok: CharTokenizer, meta: Record<string, unknown> = {}): Promise<CheckpointJSON> {
  if (!isLittleEndian()) throw new Error("checkpointToJSON: big-endian machines are not supported");
  const weights: CheckpointJSON["weights"] = {};
  for (const [name, t] of model.namedWeights()) {
    const data = (await t.data()) as Float32Array;
    weights[name] = { shape: t.shape, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64") };
  }
  return { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, config: model.config, tokenizer: tok.toJSON(), meta, weights };
}

/** Differences between two configs, as "key: a ≠ b" lines (empty when equal). */
export function configDifferences(a: TinyTransformerConfig, b: TinyTransformerConfig): string[] {
  const ra = resolveConfig(a) as unknown as Record<string, unknown>;
  const rb = resolveConfig(b) as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort();
  return keys.filter((k) => JSON.stringify(ra[k]) !== JSON.stringify(rb[k])).map((k) => `${k}: ${JSON.stringify(ra[k])} ≠ ${JSON.stringify(rb[k])}`);
}

export interface LoadOptions {
  /** Fail unless the checkpoint's config equals this one. */
  expectConfig?: TinyTransformerConfig;
  /** Where the JSON came from, for error messages. */
  source?: string;
}

/** Builds a model from a checkpoint object. The caller owns (disposes) the model. */
export function checkpointFromJSON(json: unknown, opts: LoadOptions = {}): { model: TinyTransformer; tokenizer: CharTokenizer; meta: Record<string, unknown> } {
  const src = opts.source ? ` (${opts.source})` : "";
  const ck = json as Partial<CheckpointJSON> | null;
  if (!ck || typeof ck !== "object" || ck.format !== CHECKPOINT_FORMAT) {
    throw new Error(`loadCheckpoint${src}: not a SeekLab checkpoint (format is ${JSON.stringify(ck?.format)}, expected "${CHECKPOINT_FORMAT}")`);
  }
  if (ck.version !== CHECKPOINT_VERSION) {
    throw new Error(`loadCheckpoint${src}: checkpoint version ${ck.version} but this library reads version ${CHECKPOINT_VERSION}; retrain or regenerate it`);
  }
  if (!ck.config || !ck.tokenizer || !ck.weights) throw new Error(`loadCheckpoint${src}: missing config, tokenizer or weights`);
  if (opts.expectConfig) {
    const diff = configDifferences(ck.config, opts.expectConfig);
    if (diff.length > 0) throw new Error(`loadCheckpoint${src}: the checkpoint's config differs from the expected one: ${diff.join("; ")}`);
  }
  const tokenizer = CharTokenizer.fromJSON(ck.tokenizer);
  if (tokenizer.vocabSize !== ck.config.vocabSize) {
    throw new Error(`loadCheckpoint${src}: tokenizer has ${tokenizer.vocabSize} tokens but config.vocabSize is ${ck.config.vocabSize}`);
  }
  const model = new TinyTransformer(ck.config, 0);
  try {
    loadWeightsInto(model, ck.weights, src);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, tokenizer, meta: ck.meta ?? {} };
}

/** Assigns saved weights to an existing model; every name and shape must match. */
export function loadWeightsInto(model: TinyTransformer, weights: CheckpointJSON["weights"], src = ""): void {
  const named = model.namedWeights();
  const have = new Set(Object.keys(weights));
  const want = new Set(named.map(([n]) => n));
  const missing = [...want].filter((n) => !have.has(n));
  const extra = [...have].filter((n) => !want.has(n));
  if (missing.length || extra.length) {
    throw new Error(`loadCheckpoint${src}: weights do not match the model (missing: ${missing.slice(0, 5).join(", ") || "none"}; unexpected: ${extra.slice(0, 5).join(", ") || "none"})`);
  }
  for (const [name, t] of named) {
    const w = weights[name]!;
    if (w.shape.join(",") !== t.shape.join(",")) {
      throw new Error(`loadCheckpoint${src}: weight ${name} has shape [${w.shape}] but the model expects [${t.shape}]`);
    }
    const buf = Buffer.from(w.data, "base64");
    if (buf.byteLength !== t.size * 4) throw new Error(`loadCheckpoint${src}: weight ${name} holds ${buf.byteLength} bytes, expected ${t.size * 4}`);
    const arr = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    tf.tidy(() => (t as tf.Variable).assign(tf.tensor(arr, t.shape, "float32")));
  }
}

/** Writes the checkpoint to `path` (folders created). */
export async function saveCheckpoint(path: string, model: TinyTransformer, tok: CharTokenizer, meta: Record<string, unknown> = {}): Promise<void> {
  const json = await checkpointToJSON(model, tok, meta);
  await writeText(path, JSON.stringify(json));
}

/** Reads a checkpoint written by `saveCheckpoint`. */
export async function loadCheckpoint(path: string, opts: LoadOptions = {}): Promise<{ model: TinyTransformer; tokenizer: CharTokenizer; meta: Record<string, unknown> }> {
  let text: string;
  try {
    text = await readText(path);
  } catch (e) {
    throw new Error(`loadCheckpoint: cannot read ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`loadCheckpoint (${path}): the file is not JSON`);
  }
  return checkpointFromJSON(json, { ...opts, source: opts.source ?? path });
}
