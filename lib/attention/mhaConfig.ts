/**
 * The check on an MHA/GQA/MQA config (lib/attention/mha.ts), run first by initMHAWeights and
 * mhaForward: dimensions positive integers, nKvHeads a divisor of nHeads, headDim even when RoPE
 * is on (it rotates pairs), ropeTheta > 1. The MLA twin is mlaConfig.ts.
 */
import { checkNumber, checkOptionsObject, OptionError } from "../validate.js";

export function checkMHAConfig(fn: string, cfg: unknown): void {
  if (cfg === undefined || cfg === null) throw new OptionError(`${fn}: cfg (an MHAConfig) is required`);
  checkOptionsObject(fn, cfg);
  const c = cfg as Record<string, unknown>;
  for (const name of ["dModel", "nHeads", "headDim", "maxSeqLen"]) checkNumber(`${fn}: cfg.${name}`, c[name], { integer: true, min: 1, max: 1 << 24 });
  if (c.nKvHeads !== undefined) {
    checkNumber(`${fn}: cfg.nKvHeads`, c.nKvHeads, { integer: true, min: 1 });
    if ((c.nHeads as number) % (c.nKvHeads as number) !== 0) throw new OptionError(`${fn}: cfg.nKvHeads must be a positive divisor of nHeads=${c.nHeads}; got ${c.nKvHeads}`);
  }
  if (c.rope !== false && (c.headDim as number) % 2 !== 0) throw new OptionError(`${fn}: cfg.headDim must be even with RoPE on (it rotates pairs of channels); got ${c.headDim}`);
  if (c.ropeTheta !== undefined) checkNumber(`${fn}: cfg.ropeTheta`, c.ropeTheta, { gt: 1 });
}
