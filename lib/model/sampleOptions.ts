/**
 * The checks on sampling options, shared by `generate` (lib/model/sample.ts) and the `LLM`
 * implementations (lib/reasoning/tinyLLM.ts): temperature ≥ 0, topP in (0, 1], topK and
 * maxTokens integers, seed an integer. A bad value is an error naming the option and the value.
 */
import { checkOptions, type NumberRule } from "../validate.js";

/** Rules for the options `generate` takes. */
export const GENERATE_RULES: Record<string, NumberRule> = {
  temperature: { min: 0 },
  topK: { integer: true, min: 0 },
  topP: { gt: 0, max: 1 },
  maxNewTokens: { integer: true, min: 1 },
  seed: { integer: true, min: -(2 ** 53), max: 2 ** 53 },
  maxBatch: { integer: true, min: 1 },
};

/** Rules for `LLM.complete`'s SampleOptions. */
export const SAMPLE_RULES: Record<string, NumberRule> = {
  n: { integer: true, min: 1 },
  temperature: { min: 0 },
  topK: { integer: true, min: 0 },
  topP: { gt: 0, max: 1 },
  maxTokens: { integer: true, min: 1 },
  seed: { integer: true, min: -(2 ** 53), max: 2 ** 53 },
};

export function checkGenerateOptions(opts: object | undefined): void {
  checkOptions("generate", opts, GENERATE_RULES);
}

export function checkSampleOptions(fn: string, opts: object | undefined): void {
  checkOptions(fn, opts, SAMPLE_RULES);
}
