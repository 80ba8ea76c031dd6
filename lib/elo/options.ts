/**
 * The checks on Elo options (lib/elo): every rating function calls one of these first, so a bad
 * option is an error naming the function, the option, what it must be and what came in, never
 * NaN ratings, "everyone 1000" or a solver that cannot converge (notebooks/04_elo_rankings.ipynb).
 */
import { checkNumber, checkOneOf, checkOptions, OptionError, shown, type NumberRule } from "../validate.js";

/** scale > 0, base > 1 (base 1 makes every odds 1:1), init finite. */
const SCALE_RULES: Record<string, NumberRule> = { scale: { gt: 0 }, base: { gt: 1 }, init: {} };

function checkAnchor(fn: string, anchor: unknown): void {
  if (anchor === undefined) return;
  const a = anchor as { model?: unknown; rating?: unknown };
  if (typeof anchor !== "object" || anchor === null || typeof a.model !== "string") {
    throw new OptionError(`${fn}: options.anchor must be { model: string, rating: number }; got ${shown(anchor)}`);
  }
  checkNumber(`${fn}: options.anchor.rating`, a.rating, {});
}

/** Online Elo: k > 0, scale > 0, base > 1, init finite, start a Map of finite ratings. */
export function checkEloOptions(fn: string, opts: object | undefined): void {
  checkOptions(fn, opts, { k: { gt: 0 }, ...SCALE_RULES });
  const start = (opts as { start?: unknown } | undefined)?.start;
  if (start === undefined) return;
  if (!(start instanceof Map)) throw new OptionError(`${fn}: options.start must be a Map from model to rating; got ${shown(start)}`);
  for (const [model, rating] of start) checkNumber(`${fn}: options.start.get(${JSON.stringify(model)})`, rating, {});
}

/** The rating scale shared by Bradley–Terry and the intervals. */
export function checkRatingScale(fn: string, opts: object | undefined): void {
  checkOptions(fn, opts, SCALE_RULES);
  checkAnchor(fn, (opts as { anchor?: unknown } | undefined)?.anchor);
}

/** Bradley–Terry: the scale, plus prior ≥ 0, tol > 0, maxIter an integer ≥ 1, a known method. */
export function checkBradleyTerryOptions(fn: string, opts: object | undefined): void {
  checkRatingScale(fn, opts);
  checkOptions(fn, opts, { prior: { min: 0 }, tol: { gt: 0 }, maxIter: { integer: true, min: 1 } });
  checkOneOf(`${fn}: options.method`, (opts as { method?: unknown } | undefined)?.method, ["newton", "fast-newton", "mm"] as const);
}

/** Bootstrap: rounds an integer in [1, 1e6], seed an integer, level in (0, 1), method "bt" | "elo". */
export function checkBootstrapOptions(fn: string, opts: object | undefined): void {
  checkRatingScale(fn, opts);
  checkOptions(fn, opts, {
    k: { gt: 0 },
    prior: { min: 0 },
    tol: { gt: 0 },
    rounds: { integer: true, min: 1, max: 1_000_000 },
    seed: { integer: true },
    level: { gt: 0, lt: 1 },
  });
  checkOneOf(`${fn}: options.method`, (opts as { method?: unknown } | undefined)?.method, ["bt", "elo"] as const);
}

/** simulateBattles: tieRate and bothBadShare in [0, 1], seed an integer, the scale. */
export function checkSimulateOptions(opts: object | undefined): void {
  checkOptions("simulateBattles", opts, { tieRate: { min: 0, max: 1 }, bothBadShare: { min: 0, max: 1 }, seed: { integer: true }, scale: { gt: 0 }, base: { gt: 1 } });
}

/** Sandwich intervals: the Bradley–Terry options plus level in (0, 1). */
export function checkSandwichOptions(fn: string, opts: object | undefined): void {
  checkBradleyTerryOptions(fn, opts);
  checkOptions(fn, opts, { level: { gt: 0, lt: 1 } });
}
