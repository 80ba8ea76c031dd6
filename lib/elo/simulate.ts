/**
 * Battles simulated from known skills, for lessons, tests and benchmarks: the ground truth that
 * every estimator in lib/elo must give back.
 *
 * Taught in notebooks/04_elo_rankings.ipynb. Each battle picks two different models uniformly at
 * random (A and B at random); with probability `tieRate` it is a tie regardless of skill (how real
 * ties behave often enough, and the reason ties compress a fitted scale); otherwise A wins with the
 * Bradley–Terry probability 1 / (1 + base^((R_B − R_A) / scale)).
 */
import { Rng } from "../random.js";
import { BattleTable } from "./battles.js";
import { checkSimulateOptions } from "./options.js";

export interface SimulateOptions {
  /** Probability of a skill-independent tie. Default 0. */
  tieRate?: number;
  /** Share of ties written as "tie (bothbad)" rather than "tie". Default 0. */
  bothBadShare?: number;
  /** Default 0. */
  seed?: number;
  /** Default 400. */
  scale?: number;
  /** Default 10. */
  base?: number;
}

/**
 * `n` battles among the models of `skills` (true ratings on the Elo scale).
 * @returns a BattleTable whose `models` are in the order of `skills`.
 */
export function simulateBattles(
  skills: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
  n: number,
  opts: SimulateOptions = {},
): BattleTable {
  const entries = skills instanceof Map ? [...skills.entries()] : Object.entries(skills);
  const m = entries.length;
  if (m < 2) throw new Error(`simulateBattles: need at least 2 models; got ${m}`);
  if (!Number.isInteger(n) || n < 0) throw new Error(`simulateBattles: n must be a non-negative integer; got ${n}`);
  checkSimulateOptions(opts);
  const tieRate = opts.tieRate ?? 0, bothBad = opts.bothBadShare ?? 0;
  const scale = opts.scale ?? 400, base = opts.base ?? 10;
  const rating = Float64Array.from(entries, ([, r]) => r);
  const rng = new Rng(opts.seed ?? 0);
  const a = new Int32Array(n), b = new Int32Array(n), outcome = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = rng.int(m);
    let j = rng.int(m - 1);
    if (j >= i) j++; // uniform over the other m − 1 models
    a[k] = i;
    b[k] = j;
    if (rng.next() < tieRate) outcome[k] = rng.next() < bothBad ? 3 : 2;
    else outcome[k] = rng.next() < 1 / (1 + Math.pow(base, (rating[j]! - rating[i]!) / scale)) ? 0 : 1;
  }
  return new BattleTable(entries.map(([name]) => name), a, b, outcome);
}

/** `count` evenly spread skills from `top` down to `bottom`, named like "model-001". */
export function ladderSkills(count: number, top = 1300, bottom = 900, prefix = "model-"): Map<string, number> {
  const width = String(count).length < 3 ? 3 : String(count).length;
  const out = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    out.set(`${prefix}${String(i + 1).padStart(width, "0")}`, count === 1 ? top : top - ((top - bottom) * i) / (count - 1));
  }
  return out;
}
