/**
 * The check on an MLA config (lib/attention/mla.ts), run first by initMLAWeights, createMLACache
 * and mlaForward: every dimension a positive integer (qLoraRank may be 0: no query compression),
 * the rope dimension even (RoPE rotates pairs), ropeTheta > 1 and normEps > 0, both finite.
 * Without it, `ropeTheta: 0` or `normEps: NaN` gave all-NaN outputs (notebooks/01_multi_head_latent_attention.ipynb).
 */
import { checkNumber, checkOptionsObject, OptionError } from "../validate.js";

const POSITIVE = ["dModel", "nHeads", "kvLoraRank", "qkNopeHeadDim", "qkRopeHeadDim", "vHeadDim", "maxSeqLen"] as const;

export function checkMLAConfig(fn: string, cfg: unknown): void {
  if (cfg === undefined || cfg === null) throw new OptionError(`${fn}: cfg (an MLAConfig) is required`);
  checkOptionsObject(fn, cfg);
  const c = cfg as Record<string, unknown>;
  for (const name of POSITIVE) checkNumber(`${fn}: cfg.${name}`, c[name], { integer: true, min: 1, max: 1 << 24 });
  checkNumber(`${fn}: cfg.qLoraRank`, c.qLoraRank, { integer: true, min: 0, max: 1 << 24 });
  if ((c.qkRopeHeadDim as number) % 2 !== 0) throw new OptionError(`${fn}: cfg.qkRopeHeadDim must be even (RoPE rotates pairs of channels); got ${c.qkRopeHeadDim}`);
  if (c.ropeTheta !== undefined) checkNumber(`${fn}: cfg.ropeTheta`, c.ropeTheta, { gt: 1 });
  if (c.normEps !== undefined) checkNumber(`${fn}: cfg.normEps`, c.normEps, { gt: 0, max: 1 });
}

/** A seed: a finite integer (weights are drawn from it). */
export function checkSeed(fn: string, seed: unknown): void {
  checkNumber(`${fn}: seed`, seed, { integer: true, min: -(2 ** 53), max: 2 ** 53 });
}
