/**
 * The capstone arena's battles (notebooks/06_mini_deepseek.ipynb): every entrant answers the same
 * held-out problems, and for each problem every pair of entrants is one battle judged by the
 * verifier — Chatbot Arena's four outcomes (lib/elo/battles.ts):
 *
 *   A right, B wrong → "model_a"     A wrong, B right → "model_b"
 *   both right       → "tie"         both wrong       → "tie (bothbad)"
 *
 * Fixed order: problems in held-out order; within a problem, pairs (i, j) with i < j in entrant
 * order, entrant i as model_a. So the same correctness table always gives the same file, byte for
 * byte, and the committed ratings can be recomputed from it.
 */
import { battleProblem, type Battle, type Outcome } from "../elo/battles.js";

/** One battle with the problem it was fought on (a `Battle`, usable by every lib/elo function). */
export interface CapstoneBattle extends Battle {
  problem: string;
}

/** The CSV header of datasets/capstone/battles.csv. */
export const BATTLES_HEADER = "model_a,model_b,winner,problem";

/** The outcome of A vs B on one problem. */
export function judgeBattle(aCorrect: boolean, bCorrect: boolean): Outcome {
  if (aCorrect && !bCorrect) return "model_a";
  if (!aCorrect && bCorrect) return "model_b";
  return aCorrect ? "tie" : "tie (bothbad)";
}

/**
 * Every pair of entrants on every problem.
 * @param entrants names, in the fixed order (distinct, non-empty)
 * @param correct correct[e][p]: did entrant e answer problem p right? ([entrants][problems])
 * @param problems the problem labels (e.g. the question text), one per column of `correct`
 */
export function buildBattles(entrants: readonly string[], correct: readonly (readonly boolean[])[], problems: readonly string[]): CapstoneBattle[] {
  if (!Array.isArray(entrants) || entrants.length < 2) throw new Error(`buildBattles: entrants must list at least 2 names; got ${JSON.stringify(entrants)}`);
  if (new Set(entrants).size !== entrants.length) throw new Error(`buildBattles: entrant names must be distinct; got ${JSON.stringify(entrants)}`);
  if (!Array.isArray(correct) || correct.length !== entrants.length) {
    throw new Error(`buildBattles: correct must have one row per entrant (${entrants.length}); got ${Array.isArray(correct) ? correct.length : typeof correct}`);
  }
  correct.forEach((row, e) => {
    if (!Array.isArray(row) || row.length !== problems.length) {
      throw new Error(`buildBattles: correct[${e}] (${entrants[e]}) must have ${problems.length} entries (one per problem); got ${Array.isArray(row) ? row.length : typeof row}`);
    }
    row.forEach((x, p) => {
      if (typeof x !== "boolean") throw new Error(`buildBattles: correct[${e}][${p}] must be a boolean; got ${JSON.stringify(x)}`);
    });
  });
  const out: CapstoneBattle[] = [];
  problems.forEach((problem, p) => {
    for (let i = 0; i < entrants.length; i++) {
      for (let j = i + 1; j < entrants.length; j++) {
        out.push({ modelA: entrants[i]!, modelB: entrants[j]!, winner: judgeBattle(correct[i]![p]!, correct[j]![p]!), problem });
      }
    }
  });
  return out;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The battles as CSV text: the header, then one row per battle, "\n"-terminated. */
export function battlesToCsv(battles: readonly CapstoneBattle[]): string {
  const lines = [BATTLES_HEADER];
  for (const b of battles) lines.push([b.modelA, b.modelB, b.winner, b.problem].map(csvField).join(","));
  return lines.join("\n") + "\n";
}

/** Splits one CSV record (RFC 4180 quoting); null when the quotes do not close. */
function splitRecord(line: string): string[] | null {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === "") quoted = true;
    else if (ch === ",") out.push(cur), (cur = "");
    else cur += ch;
  }
  if (quoted) return null;
  out.push(cur);
  return out;
}

/** Parses text written by `battlesToCsv`; a bad header or row is an error naming its line. */
export function parseCapstoneBattles(text: string, source = "battles.csv"): CapstoneBattle[] {
  if (typeof text !== "string") throw new Error(`parseCapstoneBattles: text must be a string; got ${typeof text}`);
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines[0] !== BATTLES_HEADER) throw new Error(`parseCapstoneBattles: ${source} line 1 must be "${BATTLES_HEADER}"; got ${JSON.stringify(lines[0]?.slice(0, 80))}`);
  const out: CapstoneBattle[] = [];
  for (let k = 1; k < lines.length; k++) {
    const f = splitRecord(lines[k]!);
    if (!f || f.length !== 4) throw new Error(`parseCapstoneBattles: ${source} line ${k + 1}: expected 4 fields (${BATTLES_HEADER}); got ${JSON.stringify(lines[k]!.slice(0, 80))}`);
    const bad = battleProblem(f[0], f[1], f[2]);
    if (bad) throw new Error(`parseCapstoneBattles: ${source} line ${k + 1}: ${bad}`);
    out.push({ modelA: f[0]!, modelB: f[1]!, winner: f[2] as Outcome, problem: f[3]! });
  }
  return out;
}
