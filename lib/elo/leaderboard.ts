/**
 * From ratings to what people read: predicted win rates between every pair, a leaderboard table,
 * and tiers of models whose intervals overlap.
 *
 * Taught in notebooks/04_elo_rankings.ipynb ("predicted win-rate heatmap", "tiers"). The table
 * builder returns plain `{ header, rows }`, ready for lib/plot's `tableFigure(header, rows)`.
 */
import type { LeaderboardRow } from "./uncertainty.js";
import { checkRatingScale } from "./options.js";

type Ratings = ReadonlyMap<string, number> | readonly LeaderboardRow[] | Readonly<Record<string, number>>;

function ratingEntries(ratings: Ratings): [string, number][] {
  if (ratings instanceof Map) return [...ratings.entries()];
  if (Array.isArray(ratings)) return (ratings as readonly LeaderboardRow[]).map((r) => [r.model, r.rating]);
  return Object.entries(ratings as Record<string, number>);
}

/**
 * P(row model beats column model) for every pair: 1 / (1 + base^((R_j − R_i) / scale)).
 * @returns models in the given order (or `opts.models`) and p: [n][n] with ½ on the diagonal.
 */
export function predictedWinRate(
  ratings: Ratings,
  opts: { scale?: number; base?: number; models?: readonly string[] } = {},
): { models: string[]; p: number[][] } {
  checkRatingScale("predictedWinRate", opts);
  const scale = opts.scale ?? 400, base = opts.base ?? 10;
  const all = new Map(ratingEntries(ratings));
  const models = opts.models ? opts.models.slice() : [...all.keys()];
  const r = models.map((m) => {
    const v = all.get(m);
    if (v === undefined) throw new Error(`predictedWinRate: no rating for "${m}"`);
    return v;
  });
  const p = r.map((ri) => r.map((rj) => 1 / (1 + Math.pow(base, (rj - ri) / scale))));
  return { models, p };
}

/** A leaderboard as a table: rank, model, rating, 95% interval (as +/−), games. */
export function leaderboardTable(rows: readonly LeaderboardRow[], opts: { digits?: number } = {}): { header: string[]; rows: (string | number)[][] } {
  const d = opts.digits ?? 0;
  const fmt = (x: number) => Number(x.toFixed(d));
  return {
    header: ["rank", "model", "rating", "95% CI", "games"],
    rows: rows.map((r) => [r.rank, r.model, fmt(r.rating), `+${(r.upper - r.rating).toFixed(d)} / −${(r.rating - r.lower).toFixed(d)}`, r.games]),
  };
}

/**
 * Tiers: walk the models from best to worst and start a new tier whenever a model's upper bound
 * falls below the lower bound of the current tier's first model (statistically separated from it).
 */
export function tiers(rows: readonly LeaderboardRow[]): string[][] {
  const sorted = [...rows].sort((x, y) => y.rating - x.rating);
  const out: string[][] = [];
  let head: LeaderboardRow | undefined;
  for (const row of sorted) {
    if (!head || row.upper < head.lower) {
      out.push([]);
      head = row;
    }
    out[out.length - 1]!.push(row.model);
  }
  return out;
}
