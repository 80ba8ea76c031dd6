/**
 * Online Elo: the chess update, applied one battle at a time in the order given, with Chatbot
 * Arena's constants (K = 4, scale 400, base 10, initial rating 1000).
 *
 * Taught in notebooks/04_elo_rankings.ipynb ("the expected-score formula → the online update →
 * its order dependence"). The expected score of A against B is
 *     E_A = 1 / (1 + base^((R_B − R_A) / scale))
 * and after a battle with score S_A (1 win, 0 loss, ½ either tie)
 *     R_A ← R_A + K (S_A − E_A),   R_B ← R_B + K ((1 − S_A) − E_B),   E_B = 1 − E_A.
 * Because each update uses the ratings left by the previous one, the result depends on the order
 * of the battles; Bradley–Terry (bradleyTerry.ts) is the order-free version.
 */
import { type Battles, BattleTable, SCORE_A, toBattleTable } from "./battles.js";
import { checkEloOptions } from "./options.js";

export interface EloOptions {
  /** Step size: how many rating points a fully surprising result moves. Default 4 (Arena). */
  k?: number;
  /** Rating points per factor of `base` in the odds. Default 400. */
  scale?: number;
  /** Default 10: a 400-point gap means 10:1 odds. */
  base?: number;
  /** Rating of a model the first time it appears. Default 1000. */
  init?: number;
  /** Ratings to continue from (models not in it start at `init`); not modified. */
  start?: ReadonlyMap<string, number>;
}

/** Expected score of a player rated `ra` against one rated `rb` (probability of winning, ties ½). */
export function expectedScore(ra: number, rb: number, opts: { scale?: number; base?: number } = {}): number {
  checkEloOptions("expectedScore", opts);
  const scale = opts.scale ?? 400, base = opts.base ?? 10;
  return 1 / (1 + Math.pow(base, (rb - ra) / scale));
}

/**
 * One Elo update. `scoreA` is A's result: 1, 0 or ½.
 * @returns the two new ratings `[ra', rb']`.
 */
export function eloUpdate(ra: number, rb: number, scoreA: number, opts: { k?: number; scale?: number; base?: number } = {}): [number, number] {
  checkEloOptions("eloUpdate", opts);
  const k = opts.k ?? 4;
  const ea = expectedScore(ra, rb, opts);
  const eb = expectedScore(rb, ra, opts);
  return [ra + k * (scoreA - ea), rb + k * (1 - scoreA - eb)];
}

/**
 * Online Elo over `battles`, in their order.
 * @returns rating per model, in order of first appearance (models of `opts.start` first).
 */
export function onlineElo(battles: Battles, opts: EloOptions = {}): Map<string, number> {
  checkEloOptions("onlineElo", opts);
  const table = toBattleTable(battles);
  const ratings = onlineEloArray(table, opts);
  const out = new Map<string, number>(opts.start ?? []);
  table.models.forEach((m, i) => out.set(m, ratings[i]!));
  return out;
}

/** Online Elo on a table; ratings indexed like `table.models`. The fast path behind `onlineElo`. */
export function onlineEloArray(table: BattleTable, opts: EloOptions = {}): Float64Array {
  checkEloOptions("onlineEloArray", opts);
  const k = opts.k ?? 4, scale = opts.scale ?? 400, base = opts.base ?? 10, init = opts.init ?? 1000;
  if (!(k > 0) || !(scale > 0) || !(base > 1)) throw new Error(`onlineElo: need k > 0, scale > 0, base > 1; got k ${k}, scale ${scale}, base ${base}`);
  const r = new Float64Array(table.models.length);
  table.models.forEach((m, i) => (r[i] = opts.start?.get(m) ?? init));
  const { a, b, outcome } = table;
  for (let i = 0; i < a.length; i++) {
    const ia = a[i]!, ib = b[i]!;
    const ra = r[ia]!, rb = r[ib]!;
    // Same two expressions Arena evaluates (E_A and E_B separately), so a fixed sequence matches
    // its reference to the last bit rather than to rounding.
    const ea = 1 / (1 + Math.pow(base, (rb - ra) / scale));
    const eb = 1 / (1 + Math.pow(base, (ra - rb) / scale));
    const sa = SCORE_A[outcome[i]!]!;
    r[ia] = ra + k * (sa - ea);
    r[ib] = rb + k * (1 - sa - eb);
  }
  return r;
}
