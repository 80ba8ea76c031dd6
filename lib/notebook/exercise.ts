/**
 * Workshop exercises: a checker that says what is right, what is wrong, and what is not done yet.
 *
 * Introduced in notebooks/00_welcome.ipynb. A lesson has a TODO cell where the learner fills in
 * answers (left `undefined` until then), a checker cell calling `exercise(...)`, and a hidden
 * solution cell calling `exercise(..., { strict: true })`, which throws unless every check
 * passes — so the headless test run proves each solution right without blocking on the TODO.
 */

export interface ExerciseCheck {
  /** What this check is about ("bytes per token"). */
  name: string;
  /** The learner's answer; `undefined` means "not attempted yet". */
  got: unknown;
  /** The right answer (numbers, arrays of numbers, strings, booleans or plain objects). */
  want?: unknown;
  /** A custom test instead of `want`: return true when right, or a string saying what is wrong. */
  test?: (got: unknown) => boolean | string;
  rtol?: number;
  atol?: number;
  /** Shown when the answer is wrong. */
  hint?: string;
}

export interface ExerciseResult {
  title: string;
  passed: string[];
  failed: { name: string; why: string }[];
  pending: string[];
  /** Every check passed. */
  ok: boolean;
}

function show(v: unknown): string {
  const s = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x));
  return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Why `got` differs from `want`, or undefined when they agree (numbers within tolerance). */
export function compareAnswer(got: unknown, want: unknown, rtol = 1e-6, atol = 1e-9, path = ""): string | undefined {
  if (typeof want === "number") {
    if (typeof got !== "number") return `${path || "answer"} should be a number; got ${show(got)}`;
    if (Number.isNaN(want) && Number.isNaN(got)) return undefined;
    const ok = got === want || Math.abs(got - want) <= atol + rtol * Math.abs(want);
    return ok ? undefined : `${path || "answer"} is ${show(got)}, expected ${show(want)}${want !== 0 ? ` (off by ${(100 * Math.abs(got - want) / Math.abs(want)).toPrecision(3)}%)` : ""}`;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return `${path || "answer"} should be an array of ${want.length}; got ${show(got)}`;
    if (got.length !== want.length) return `${path || "answer"} should have ${want.length} entries; got ${got.length}`;
    for (let i = 0; i < want.length; i++) {
      const why = compareAnswer(got[i], want[i], rtol, atol, `${path}[${i}]`);
      if (why) return why;
    }
    return undefined;
  }
  if (want !== null && typeof want === "object") {
    if (got === null || typeof got !== "object") return `${path || "answer"} should be an object; got ${show(got)}`;
    for (const key of Object.keys(want)) {
      const why = compareAnswer((got as Record<string, unknown>)[key], (want as Record<string, unknown>)[key], rtol, atol, `${path}.${key}`);
      if (why) return why;
    }
    return undefined;
  }
  return got === want ? undefined : `${path || "answer"} is ${show(got)}, expected ${show(want)}`;
}

/**
 * Check a learner's answers and print a report (stdout only).
 * @param opts.strict throw unless every check passes (used by solution cells and tests)
 */
export function exercise(title: string, checks: ExerciseCheck[], opts: { strict?: boolean; quiet?: boolean } = {}): ExerciseResult {
  if (!Array.isArray(checks) || checks.length === 0) throw new Error(`exercise("${title}"): expected a non-empty array of checks`);
  const result: ExerciseResult = { title, passed: [], failed: [], pending: [], ok: false };
  for (const c of checks) {
    if (c.want === undefined && c.test === undefined) throw new Error(`exercise("${title}"): check "${c.name}" needs either want or test`);
    if (c.got === undefined) {
      result.pending.push(c.name);
      continue;
    }
    let why: string | undefined;
    if (c.test) {
      const r = c.test(c.got);
      why = r === true ? undefined : r === false ? `${show(c.got)} is not right` : r;
    } else {
      why = compareAnswer(c.got, c.want, c.rtol, c.atol);
    }
    if (why) result.failed.push({ name: c.name, why: c.hint ? `${why}. Hint: ${c.hint}` : why });
    else result.passed.push(c.name);
  }
  result.ok = result.failed.length === 0 && result.pending.length === 0;
  // A notebook prints a cell's last value; show a one-line summary, not the whole object.
  Object.defineProperty(result, Symbol.for("nodejs.util.inspect.custom"), {
    value: () => `[exercise] ${title}: ${result.passed.length}/${checks.length} right`,
    enumerable: false,
  });
  if (!opts.quiet) {
    const lines = [`${title}: ${result.passed.length}/${checks.length} right`];
    for (const n of result.passed) lines.push(`  ✓ ${n}`);
    for (const f of result.failed) lines.push(`  ✗ ${f.name}: ${f.why}`);
    for (const n of result.pending) lines.push(`  … ${n}: not attempted yet — fill in the TODO above and run this cell again`);
    if (result.ok) lines.push("  All correct. Well done!");
    console.log(lines.join("\n"));
  }
  if (opts.strict && !result.ok) {
    const parts = [...result.failed.map((f) => `${f.name}: ${f.why}`), ...result.pending.map((n) => `${n}: no answer`)];
    throw new Error(`exercise "${title}" failed: ${parts.join("; ")}`);
  }
  return result;
}
