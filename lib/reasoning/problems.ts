/**
 * Seeded arithmetic problems with exact step-by-step scratchpads, the training and test data of
 * the chain-of-thought lesson (notebooks/03_chain_of_thought.ipynb).
 *
 * Each problem carries two completions for the same question, so one tiny model can be trained to
 * answer *directly* and another to *write its steps first* (Nye et al. 2021, "Show Your Work:
 * Scratchpads for Intermediate Computation with Language Models"):
 *
 *   multiplication  question "47*83="  direct "3901"
 *                   cot      "47*3+47*80=141+3760=3901"          (partial products, then sums)
 *   addition        question "357+468=" direct "825"
 *                   cot      "7+8+0=15;5+6+1=12;3+4+1=8;825"     (column sums with the carry)
 *
 * The scratchpads are written so that every step is a small, local computation that a tiny
 * transformer can learn; the final number is the last number in the text, so `extractAnswer`
 * reads it the same way it reads a large model's answer.
 */
import { Rng } from "../random.js";

export type ArithmeticOp = "*" | "+";

/** One arithmetic question with its answer and both completions. */
export interface ArithmeticProblem {
  a: number;
  b: number;
  op: ArithmeticOp;
  /** The exact result. */
  answer: number;
  /** What the model is given, e.g. "47*83=". */
  question: string;
  /** The answer alone, e.g. "3901". */
  direct: string;
  /** The scratchpad ending with the answer, e.g. "47*3+47*80=141+3760=3901". */
  cot: string;
}

/** Which completion a model is trained on / asked for. */
export type AnswerStyle = "direct" | "cot";

/** A uniformly random integer with exactly `digits` digits (no leading zero). */
export function randomWithDigits(rng: Rng, digits: number): number {
  if (!Number.isInteger(digits) || digits < 1 || digits > 15) {
    throw new Error(`randomWithDigits: digits must be an integer in 1..15; got ${digits}`);
  }
  const lo = digits === 1 ? 0 : 10 ** (digits - 1);
  return rng.intBetween(lo, 10 ** digits - 1);
}

/**
 * The partial-product scratchpad of a × b: one product per digit of b (lowest first), then the
 * running sums, one addition per step.
 *   47*83 → "47*3+47*80=141+3760=3901";  123*456 → "123*6+123*50+123*400=738+6150+49200=6888+49200=56088"
 * A zero digit still gets its (zero) partial product so that the layout never changes.
 */
export function multiplicationScratchpad(a: number, b: number): string {
  checkNonNegativeInt(a, "a");
  checkNonNegativeInt(b, "b");
  const digits = String(b).split("").reverse().map(Number); // lowest digit first
  const terms = digits.map((d, i) => `${a}*${d}${"0".repeat(i)}`);
  let parts = digits.map((d, i) => a * d * 10 ** i);
  if (parts.length === 1) return `${terms[0]}=${parts[0]}`;
  const lines = [terms.join("+"), parts.join("+")];
  while (parts.length > 1) {
    parts = [parts[0]! + parts[1]!, ...parts.slice(2)];
    lines.push(parts.join("+"));
  }
  return lines.join("=");
}

/**
 * The column-addition scratchpad of a + b, lowest column first: "digit+digit+carry=sum" per
 * column, then the answer. 357+468 → "7+8+0=15;5+6+1=12;3+4+1=8;825".
 * Columns run to the longer number's length; a final carry shows up in the answer.
 */
export function additionScratchpad(a: number, b: number): string {
  checkNonNegativeInt(a, "a");
  checkNonNegativeInt(b, "b");
  const da = String(a).split("").reverse().map(Number);
  const db = String(b).split("").reverse().map(Number);
  const n = Math.max(da.length, db.length);
  const steps: string[] = [];
  let carry = 0;
  for (let i = 0; i < n; i++) {
    const x = da[i] ?? 0;
    const y = db[i] ?? 0;
    const s = x + y + carry;
    steps.push(`${x}+${y}+${carry}=${s}`);
    carry = s >= 10 ? 1 : 0;
  }
  steps.push(String(a + b));
  return steps.join(";");
}

/** Builds the problem a·b or a+b with both completions. */
export function arithmeticProblem(a: number, b: number, op: ArithmeticOp): ArithmeticProblem {
  const answer = op === "*" ? a * b : a + b;
  return {
    a,
    b,
    op,
    answer,
    question: `${a}${op}${b}=`,
    direct: String(answer),
    cot: op === "*" ? multiplicationScratchpad(a, b) : additionScratchpad(a, b),
  };
}

export interface ArithmeticSetOptions {
  /** Digits of the first operand. Default 2. */
  digitsA?: number;
  /** Digits of the second operand. Default = digitsA. */
  digitsB?: number;
  /** Questions (as "a op b") never to produce, e.g. a held-out test set's. */
  exclude?: ReadonlySet<string>;
  /** No question twice within this set. Default false (training streams repeat freely). */
  unique?: boolean;
}

/**
 * `n` seeded problems. The same (op, n, seed, options) always gives the same list.
 * @example arithmeticProblems("*", 500, 7, { digitsA: 2, unique: true })  // a held-out test set
 */
export function arithmeticProblems(
  op: ArithmeticOp,
  n: number,
  seed: number,
  opts: ArithmeticSetOptions = {},
): ArithmeticProblem[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`arithmeticProblems: n must be a non-negative integer; got ${n}`);
  const digitsA = opts.digitsA ?? 2;
  const digitsB = opts.digitsB ?? digitsA;
  const space = (10 ** digitsA - (digitsA === 1 ? 0 : 10 ** (digitsA - 1))) * (10 ** digitsB - (digitsB === 1 ? 0 : 10 ** (digitsB - 1)));
  const available = space - (opts.exclude?.size ?? 0);
  if (opts.unique && n > available) {
    throw new Error(`arithmeticProblems: asked for ${n} unique problems but only about ${available} exist`);
  }
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const out: ArithmeticProblem[] = [];
  let tries = 0;
  while (out.length < n) {
    if (++tries > 100 * n + 1000) throw new Error("arithmeticProblems: could not draw enough problems (exclude set too large?)");
    const a = randomWithDigits(rng, digitsA);
    const b = randomWithDigits(rng, digitsB);
    const key = problemKey(a, b, op);
    if (opts.exclude?.has(key)) continue;
    if (opts.unique) {
      if (seen.has(key)) continue;
      seen.add(key);
    }
    out.push(arithmeticProblem(a, b, op));
  }
  return out;
}

/** The key used by `exclude`: "47*83". */
export function problemKey(a: number, b: number, op: ArithmeticOp): string {
  return `${a}${op}${b}`;
}

/**
 * An endless seeded stream of training problems that never yields a held-out question.
 * Call `next()` for one problem.
 */
export function problemStream(
  op: ArithmeticOp,
  seed: number,
  opts: Omit<ArithmeticSetOptions, "unique"> = {},
): { next(): ArithmeticProblem } {
  const rng = new Rng(seed);
  const digitsA = opts.digitsA ?? 2;
  const digitsB = opts.digitsB ?? digitsA;
  return {
    next(): ArithmeticProblem {
      for (let t = 0; t < 10_000; t++) {
        const a = randomWithDigits(rng, digitsA);
        const b = randomWithDigits(rng, digitsB);
        if (!opts.exclude?.has(problemKey(a, b, op))) return arithmeticProblem(a, b, op);
      }
      throw new Error("problemStream: every draw was excluded");
    },
  };
}

/** The completion a model is trained to write for `p` in `style`. */
export function completionFor(p: ArithmeticProblem, style: AnswerStyle): string {
  return style === "direct" ? p.direct : p.cot;
}

/**
 * Checks a scratchpad's arithmetic: every "x*y" / "x+y+…" expression between "=" signs must
 * equal the next one. Returns the first wrong step, or null when every step is right.
 * Used by the tests (an independent check of the generators) and to grade a model's steps.
 */
export function checkScratchpad(question: string, scratchpad: string): string | null {
  const head = question.endsWith("=") ? question.slice(0, -1) : question;
  const pieces = scratchpad.split(";");
  // Column addition: "x+y+c=s" pieces followed by the bare answer.
  if (pieces.length > 1) {
    for (const piece of pieces.slice(0, -1)) {
      const bad = checkChain(piece);
      if (bad) return bad;
    }
    const answer = Number(pieces[pieces.length - 1]);
    const want = evalExpr(head);
    return answer === want ? null : `final answer ${pieces[pieces.length - 1]} ≠ ${want}`;
  }
  return checkChain(`${head}=${scratchpad}`);
}

function checkChain(chain: string): string | null {
  const parts = chain.split("=");
  const values = parts.map(evalExpr);
  for (let i = 1; i < values.length; i++) {
    if (values[i] !== values[0] || Number.isNaN(values[i])) return `${parts[i - 1]}=${parts[i]} is wrong`;
  }
  return null;
}

/** Evaluates sums of products of non-negative integers ("47*3+47*80"); NaN if it cannot. */
function evalExpr(expr: string): number {
  if (!/^[0-9*+]+$/.test(expr)) return NaN;
  return expr
    .split("+")
    .map((term) => term.split("*").reduce((p, f) => (f === "" ? NaN : p * Number(f)), 1))
    .reduce((s, v) => s + v, 0);
}

function checkNonNegativeInt(x: number, name: string): void {
  if (!Number.isSafeInteger(x) || x < 0) throw new Error(`${name} must be a non-negative safe integer; got ${x}`);
}
