/**
 * When does the Bradley–Terry maximum likelihood exist? Only if the "took at least half a point
 * from" graph is strongly connected (Zermelo 1929, Ford 1957). Otherwise `mleProblem` names the
 * models that block it (unbeaten, winless, or in separate groups) and the fit throws `NoMleError`.
 *
 * Taught in notebooks/04_elo_rankings.ipynb ("when no fit exists"); used by bradleyTerry.ts and
 * uncertainty.ts.
 */
import { type WinMatrix } from "./winMatrix.js";

/** Why the maximum-likelihood estimate does not exist. */
export interface MleProblem {
  kind: "disconnected" | "unbeaten-or-winless";
  /** Groups of models with no games between groups (kind "disconnected"). */
  components: string[][];
  /** Groups that never lost a point to any model outside the group. */
  unbeaten: string[][];
  /** Groups that never won a point from any model outside the group. */
  winless: string[][];
  message: string;
}

export class NoMleError extends Error {
  constructor(readonly problem: MleProblem) {
    super(problem.message);
    this.name = "NoMleError";
  }
}

/** Null when the MLE exists; otherwise what blocks it, naming the models. */
export function mleProblem(m: WinMatrix): MleProblem | null {
  const n = m.models.length;
  if (stronglyConnectedFast(m)) return null;
  const names = (group: number[]) => group.map((i) => m.models[i]!);
  const played = (i: number, j: number) => m.wins[i * n + j]! + m.wins[j * n + i]! > 0;
  const components = connectedComponents(n, played);
  const remedy = "Remedy: pass { prior: 1 } (every model plays one virtual tied game against a reference rated `init`), which keeps all ratings finite";
  if (components.length > 1) {
    const list = components.map((c) => `[${names(c).join(", ")}]`).join(" | ");
    return {
      kind: "disconnected",
      components: components.map(names),
      unbeaten: [],
      winless: [],
      message: `Bradley–Terry has no maximum-likelihood estimate: the comparison graph splits into ${components.length} groups with no battles between them: ${list}. Ratings in different groups are not comparable. ${remedy}; ratings across groups are then comparable only through the prior.`,
    };
  }
  // Edge i → j when i took at least half a point from j.
  const sccs = stronglyConnectedComponents(n, (i, j) => m.wins[i * n + j]! > 0);
  if (sccs.length === 1) return null;
  const compOf = new Int32Array(n);
  sccs.forEach((c, ci) => c.forEach((i) => (compOf[i] = ci)));
  const hasIn = new Array<boolean>(sccs.length).fill(false), hasOut = new Array<boolean>(sccs.length).fill(false);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (compOf[i] !== compOf[j] && m.wins[i * n + j]! > 0) { hasOut[compOf[i]!] = true; hasIn[compOf[j]!] = true; }
    }
  }
  const unbeaten = sccs.filter((_, c) => !hasIn[c]);
  const winless = sccs.filter((_, c) => !hasOut[c]);
  const describe = (group: number[], what: "lost" | "won") => {
    if (group.length === 1) {
      const i = group[0]!;
      let w = 0, l = 0;
      for (let j = 0; j < n; j++) { w += m.wins[i * n + j]!; l += m.wins[j * n + i]!; }
      return `"${m.models[i]}" never ${what} (${w} wins, ${l} losses, ties counted as halves)`;
    }
    return `the group [${names(group).join(", ")}] never ${what} against any model outside it`;
  };
  const parts = [...unbeaten.map((g) => describe(g, "lost")), ...winless.map((g) => describe(g, "won"))];
  return {
    kind: "unbeaten-or-winless",
    components: [],
    unbeaten: unbeaten.map(names),
    winless: winless.map(names),
    message: `Bradley–Terry has no maximum-likelihood estimate: ${parts.join("; ")}. Their ratings would run off to ±infinity. ${remedy}.`,
  };
}

/**
 * True when every model is reachable from model 0 along "took at least half a point from" edges
 * and along their reverses: the common case, checked in O(n²) without building anything.
 */
function stronglyConnectedFast(m: WinMatrix): boolean {
  const n = m.models.length;
  for (const forward of [true, false]) {
    const seen = new Uint8Array(n);
    const queue = new Int32Array(n);
    let head = 0, tail = 0;
    queue[tail++] = 0;
    seen[0] = 1;
    while (head < tail) {
      const i = queue[head++]!;
      for (let j = 0; j < n; j++) {
        if (!seen[j] && (forward ? m.wins[i * n + j]! : m.wins[j * n + i]!) > 0) { seen[j] = 1; queue[tail++] = j; }
      }
    }
    if (tail < n) return false;
  }
  return true;
}

function connectedComponents(n: number, edge: (i: number, j: number) => boolean): number[][] {
  const seen = new Uint8Array(n);
  const out: number[][] = [];
  for (let s = 0; s < n; s++) {
    if (seen[s]) continue;
    const comp = [s];
    seen[s] = 1;
    for (let q = 0; q < comp.length; q++) {
      const i = comp[q]!;
      for (let j = 0; j < n; j++) if (!seen[j] && edge(i, j)) { seen[j] = 1; comp.push(j); }
    }
    out.push(comp.sort((x, y) => x - y));
  }
  return out;
}

/** Tarjan's algorithm, iterative (no recursion depth limit on many models). */
function stronglyConnectedComponents(n: number, edge: (i: number, j: number) => boolean): number[][] {
  const index = new Int32Array(n).fill(-1), low = new Int32Array(n), onStack = new Uint8Array(n);
  const stack: number[] = [], out: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]]; // (node, next neighbour to look at)
    index[root] = low[root] = counter++;
    stack.push(root); onStack[root] = 1;
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const v = frame[0];
      let descended = false;
      while (frame[1] < n) {
        const w = frame[1]++;
        if (!edge(v, w)) continue;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w); onStack[w] = 1;
          work.push([w, 0]);
          descended = true;
          break;
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
      }
      if (descended) continue;
      work.pop();
      if (work.length > 0) { const parent = work[work.length - 1]![0]; low[parent] = Math.min(low[parent]!, low[v]!); }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do { w = stack.pop()!; onStack[w] = 0; comp.push(w); } while (w !== v);
        out.push(comp.sort((x, y) => x - y));
      }
    }
  }
  return out;
}
