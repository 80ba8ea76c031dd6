/**
 * The pairwise win matrix: for every ordered pair (i, j), how many times i beat j, with a tie
 * counted as half a win each way. It is a sufficient statistic for Bradley–Terry (the likelihood
 * depends on the battles only through it), so a fit over 2 million battles costs O(models²) per
 * iteration, not O(battles).
 *
 * Taught in notebooks/04_elo_rankings.ipynb ("the win matrix"); used by bradleyTerry.ts and
 * uncertainty.ts.
 */
import { type Battles, toBattleTable } from "./battles.js";

export interface WinMatrix {
  models: string[];
  /** [n*n] row-major: wins[i*n + j] = wins of i over j + ½ · ties between them. */
  wins: Float64Array;
}

/** Builds the win matrix in one pass over the battles (O(battles) time, O(models²) memory). */
export function winMatrix(battles: Battles): WinMatrix {
  const table = toBattleTable(battles);
  const n = table.models.length;
  const wins = new Float64Array(n * n);
  const { a, b, outcome } = table;
  for (let k = 0; k < a.length; k++) {
    const i = a[k]!, j = b[k]!, o = outcome[k]!;
    if (o === 0) wins[i * n + j]! += 1;
    else if (o === 1) wins[j * n + i]! += 1;
    else {
      wins[i * n + j]! += 0.5;
      wins[j * n + i]! += 0.5;
    }
  }
  return { models: table.models.slice(), wins };
}

/** Games played between i and j (either order): games[i*n+j] = wins[i*n+j] + wins[j*n+i]. [n*n] */
export function gamesMatrix(m: WinMatrix): Float64Array {
  const n = m.models.length;
  const games = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) games[i * n + j] = m.wins[i * n + j]! + m.wins[j * n + i]!;
  return games;
}

/** The win matrix as nested arrays, rows = winner (for tables and heatmaps). [n][n] */
export function winMatrixRows(m: WinMatrix): number[][] {
  const n = m.models.length;
  return Array.from({ length: n }, (_, i) => Array.from(m.wins.subarray(i * n, (i + 1) * n)));
}
