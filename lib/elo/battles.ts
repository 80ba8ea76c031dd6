/**
 * Battles: who played whom and who won, as Chatbot Arena records a vote.
 *
 * Taught in notebooks/04_elo_rankings.ipynb. Two shapes of the same data:
 * - `Battle` objects (`{ modelA, modelB, winner }`), the readable form for lessons and tests;
 * - a `BattleTable`: model names once, then three typed arrays (model index of A, of B, outcome
 *   code), so two million battles cost ~18 MB instead of two million objects. Every function in
 *   lib/elo accepts either (`Battles`).
 *
 * Outcome codes are Arena's: "model_a" | "model_b" | "tie" | "tie (bothbad)". Both ties score ½
 * for each side. Anything else is an error that names the row (DESIGN.md, "Elo outcomes").
 */

export type Outcome = "model_a" | "model_b" | "tie" | "tie (bothbad)";

export interface Battle {
  modelA: string;
  modelB: string;
  winner: Outcome;
}

/** The four outcomes in code order: code 0 = "model_a", 1 = "model_b", 2 = "tie", 3 = "tie (bothbad)". */
export const OUTCOMES: readonly Outcome[] = ["model_a", "model_b", "tie", "tie (bothbad)"];

/** Score of model A for each outcome code: a win is 1, a loss 0, either tie ½. */
export const SCORE_A: readonly number[] = [1, 0, 0.5, 0.5];

export function isOutcome(x: unknown): x is Outcome {
  return typeof x === "string" && (OUTCOMES as readonly string[]).includes(x);
}

/** Outcome code (0..3) of an outcome string, or -1 when it is not one of Arena's four. */
export function outcomeCode(x: unknown): number {
  return typeof x === "string" ? (OUTCOMES as readonly string[]).indexOf(x) : -1;
}

/**
 * Battles in columns. `a[i]`, `b[i]` index `models`; `outcome[i]` is an outcome code.
 * Build one with `BattleTable.from(battles)` or a `BattleTableBuilder` (the streaming reader does).
 */
export class BattleTable implements Iterable<Battle> {
  constructor(
    readonly models: string[],
    readonly a: Int32Array, // [length] index into models
    readonly b: Int32Array, // [length]
    readonly outcome: Uint8Array, // [length] codes 0..3
  ) {
    if (a.length !== b.length || a.length !== outcome.length) {
      throw new Error(`BattleTable: columns differ in length (a ${a.length}, b ${b.length}, outcome ${outcome.length})`);
    }
  }

  get length(): number {
    return this.a.length;
  }

  /** Battle number `i` (0-based) as an object. */
  get(i: number): Battle {
    return { modelA: this.models[this.a[i]!]!, modelB: this.models[this.b[i]!]!, winner: OUTCOMES[this.outcome[i]!]! };
  }

  *[Symbol.iterator](): Iterator<Battle> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** A new table with the battles in the order given by `order` (indices into this table). */
  reorder(order: ArrayLike<number>): BattleTable {
    const n = order.length;
    const a = new Int32Array(n), b = new Int32Array(n), o = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      a[i] = this.a[k]!; b[i] = this.b[k]!; o[i] = this.outcome[k]!;
    }
    return new BattleTable(this.models, a, b, o);
  }

  /** The same battles in reverse order. */
  reversed(): BattleTable {
    const order = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) order[i] = this.length - 1 - i;
    return this.reorder(order);
  }

  /** Validates and packs battle objects; throws naming the first bad battle (0-based index). */
  static from(battles: Iterable<Battle>): BattleTable {
    const builder = new BattleTableBuilder();
    let i = 0;
    for (const battle of battles) {
      const problem = builder.add(battle.modelA, battle.modelB, battle.winner);
      if (problem) throw new Error(`battle ${i}: ${problem}`);
      i++;
    }
    return builder.build();
  }
}

/** Anything lib/elo accepts as battles. */
export type Battles = Iterable<Battle> | BattleTable;

/** `battles` as a BattleTable (no copy when it already is one). */
export function toBattleTable(battles: Battles): BattleTable {
  return battles instanceof BattleTable ? battles : BattleTable.from(battles);
}

/**
 * Grows a BattleTable one battle at a time, interning model names, with storage that doubles, so
 * a streamed file never exists as objects.
 */
export class BattleTableBuilder {
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [];
  private a = new Int32Array(1024);
  private b = new Int32Array(1024);
  private o = new Uint8Array(1024);
  private n = 0;

  get length(): number {
    return this.n;
  }

  /** Adds one battle, or returns what is wrong with it (and adds nothing). */
  add(modelA: unknown, modelB: unknown, winner: unknown): string | null {
    const problem = battleProblem(modelA, modelB, winner);
    if (problem) return problem;
    if (this.n === this.a.length) this.grow();
    this.a[this.n] = this.intern(modelA as string);
    this.b[this.n] = this.intern(modelB as string);
    this.o[this.n] = outcomeCode(winner);
    this.n++;
    return null;
  }

  build(): BattleTable {
    return new BattleTable(this.names.slice(), this.a.slice(0, this.n), this.b.slice(0, this.n), this.o.slice(0, this.n));
  }

  private intern(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.index.set(name, i);
      this.names.push(name);
    }
    return i;
  }

  private grow(): void {
    const size = this.a.length * 2;
    const a = new Int32Array(size), b = new Int32Array(size), o = new Uint8Array(size);
    a.set(this.a); b.set(this.b); o.set(this.o);
    this.a = a; this.b = b; this.o = o;
  }
}

/** What is wrong with one battle, or null when it is fine. */
export function battleProblem(modelA: unknown, modelB: unknown, winner: unknown): string | null {
  if (typeof modelA !== "string" || modelA.trim() === "") return `missing model_a (got ${JSON.stringify(modelA)})`;
  if (typeof modelB !== "string" || modelB.trim() === "") return `missing model_b (got ${JSON.stringify(modelB)})`;
  if (modelA === modelB) return `model "${modelA}" against itself`;
  if (!isOutcome(winner)) {
    return `unknown outcome ${JSON.stringify(winner)} (expected one of ${OUTCOMES.map((o) => JSON.stringify(o)).join(", ")})`;
  }
  return null;
}
