/**
 * Workshop exercises: a checker that tells the truth about each answer without giving it away.
 *
 * Introduced in notebooks/00_welcome.ipynb. A lesson has a TODO cell where the learner fills in
 * answers (left `undefined` until then), a checker cell calling `exercise(...)`, and a hidden
 * solution cell calling `exercise(..., { strict: true })`, which throws unless every check
 * passes — so the headless test run proves each solution right without blocking on the TODO.
 *
 * What a learner sees, one summary line per exercise and one line per check:
 * - a wrong number says whether it is too big or too small (by a factor, when it is one), then the
 *   likely slip (`slips`) or the hint; the right value shows only after three different wrong
 *   answers, or when asked for with `reveal("Exercise 1")`;
 * - a number typed from the lesson's rounded output is accepted when the check says how many digits
 *   the lesson shows (`digits`), and otherwise is called "right to N digits; compute it in code";
 * - NaN and Infinity print as themselves;
 * - in the SeekLab kernel, when the cell that defines the answers failed to compile (or threw) on
 *   its last run, the checker says so instead of "not attempted yet" (lib/notebook/kernel.ts).
 */
import { agreesToDigits, compareAnswer, findMismatch, formatValue } from "./answer.js";
import { failedRunFor, kernelLog, usedNames } from "./kernel.js";

export { compareAnswer, formatValue } from "./answer.js";

/** A known wrong answer and the mistake that produces it. */
export interface ExerciseSlip {
  /** The wrong answer this slip produces (compared with the check's tolerance)… */
  value?: unknown;
  /** …or a test that recognises it. */
  when?: (got: unknown) => boolean;
  /** What went wrong, said to the learner ("that counts the keys but not the values"). */
  say: string;
}

export interface ExerciseCheck {
  /** What this check is about ("bytes per token"). */
  name: string;
  /** The learner's answer; `undefined` means "not attempted yet". */
  got: unknown;
  /** The right answer (numbers, arrays of numbers, strings, booleans or plain objects). */
  want?: unknown;
  /** A custom test instead of `want`: return true when right, or a string saying what is wrong. */
  test?: (got: unknown) => boolean | string;
  /** Relative tolerance for numbers (default 1e-5, as checkClose). */
  rtol?: number;
  /** Absolute tolerance for numbers (default 1e-6, as checkClose). */
  atol?: number;
  /**
   * The significant digits the lesson shows for this number: an answer right to that many digits
   * is accepted (1097.44 for 1097.4400237 with `digits: 6`), even when outside rtol/atol.
   */
  digits?: number;
  /** For a prediction: the answers the learner may pick from (compared case-insensitively). */
  choices?: readonly string[];
  /** Known wrong answers and the slip each one means; checked before the hint is given. */
  slips?: ExerciseSlip[];
  /** Shown when the answer is wrong (after the slip, if one matched). */
  hint?: string;
  /** Why the right answer is right: shown once it is right, and by `reveal()`. */
  explain?: string;
  /** How to show the answer in `reveal()` when `want` is absent or unreadable ("2·m·k·n"). */
  answer?: string;
}

export interface ExerciseResult {
  title: string;
  passed: string[];
  failed: { name: string; why: string }[];
  pending: string[];
  /** Every check passed. */
  ok: boolean;
  /** Set when the cell defining the answers failed on its last run (SeekLab kernel only). */
  blockedBy?: string;
  /** The report, one line each, as `exercise` prints it. */
  lines: string[];
}

/** Different wrong answers before the right one is shown. */
export const TRIES_BEFORE_REVEAL = 3;

interface Remembered {
  title: string;
  checks: ExerciseCheck[];
  wrong: Map<string, Set<string>>;
}
// One entry per exercise title, for the life of the kernel (the library loads once per kernel).
const remembered = new Map<string, Remembered>();
let lastTitle: string | undefined;

function shortTitle(title: string): string {
  return title.split(":")[0]!.trim();
}

function normalise(s: string): string {
  return s.trim().toLowerCase();
}

/** End with a full stop unless the text already ends a sentence. */
function sentence(s: string): string {
  return /[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`;
}

function answerText(c: ExerciseCheck): string {
  if (c.answer !== undefined) return c.answer;
  if (c.want !== undefined) return formatValue(c.want, 400);
  return "(checked by a test: see the solution cell)";
}

/** Grade one check: undefined when right, else why (without the expected value). */
function grade(c: ExerciseCheck): { why?: string; note?: string } {
  const rtol = c.rtol ?? 1e-5;
  const atol = c.atol ?? 1e-6;
  if (c.choices && typeof c.got === "string" && !c.choices.some((x) => normalise(x) === normalise(c.got as string))) {
    return { why: `${formatValue(c.got)} is not one of the choices: ${c.choices.map((x) => formatValue(x)).join(", ")}` };
  }
  if (c.test) {
    const r = c.test(c.got);
    return r === true ? {} : { why: r === false ? `${formatValue(c.got)} is not right` : r };
  }
  const want = c.choices && typeof c.want === "string" ? normalise(c.want) : c.want;
  const got = c.choices && typeof c.got === "string" ? normalise(c.got) : c.got;
  const m = findMismatch(got, want, rtol, atol);
  if (!m) return {};
  if (c.digits !== undefined && typeof got === "number" && typeof want === "number" && agreesToDigits(got, want, c.digits)) {
    return { note: `right to the ${c.digits} significant digits the lesson shows` };
  }
  return { why: m.message };
}

function slipFor(c: ExerciseCheck): string | undefined {
  for (const s of c.slips ?? []) {
    if (s.when ? s.when(c.got) : compareAnswer(c.got, s.value, c.rtol ?? 1e-5, c.atol ?? 1e-6) === undefined) return s.say;
  }
  return undefined;
}

/**
 * Check a learner's answers without printing: the result holds the report lines. Counts different
 * wrong answers per check (for `reveal` after three); strict mode (solution cells) counts nothing.
 */
export function gradeExercise(title: string, checks: ExerciseCheck[], opts: { strict?: boolean } = {}): ExerciseResult {
  if (!Array.isArray(checks) || checks.length === 0) throw new Error(`exercise("${title}"): expected a non-empty array of checks; got ${formatValue(checks)}`);
  for (const c of checks) {
    if (c.want === undefined && c.test === undefined) throw new Error(`exercise("${title}"): check "${c.name}" needs either want or test`);
  }
  const result: ExerciseResult = { title, passed: [], failed: [], pending: [], ok: false, lines: [] };
  const memory = remembered.get(title) ?? { title, checks, wrong: new Map() };
  memory.checks = checks;
  if (!opts.strict) {
    remembered.set(title, memory);
    lastTitle = title;
  }

  // In the SeekLab kernel: did the cell that defines these answers fail on its last run?
  const log = kernelLog();
  const current = log?.at(-1);
  const failed = !opts.strict && current?.status === "running" ? failedRunFor(current.source, log) : undefined;
  if (failed) {
    const used = usedNames(current!.source);
    const names = failed.declares.filter((n) => used.has(n)).slice(0, 3).join(", ");
    const how = failed.status === "compile-error" ? `did not compile (${failed.error})` : "stopped with an error";
    result.blockedBy = `the cell that defines ${names} ${how}`;
    result.pending = checks.map((c) => c.name);
    result.lines.push(`${title}: not checked — ${result.blockedBy}. Fix that cell and run it, then run this cell again.`);
    return result;
  }

  const detail: string[] = [];
  for (const c of checks) {
    if (c.got === undefined) {
      result.pending.push(c.name);
      detail.push(`  … ${c.name}: not attempted yet — fill in the TODO above, run that cell, then this one`);
      continue;
    }
    const { why, note } = grade(c);
    if (!why) {
      result.passed.push(c.name);
      detail.push(`  ✓ ${c.name}${note ? ` (${note})` : ""}${c.explain ? ` — ${c.explain}` : ""}`);
      continue;
    }
    const slip = slipFor(c);
    let text = [why, slip && `Likely slip: ${slip}`, c.hint && `Hint: ${c.hint}`].filter(Boolean).map((x) => sentence(x as string)).join(" ");
    if (!opts.strict) {
      const wrong = memory.wrong.get(c.name) ?? new Set<string>();
      wrong.add(formatValue(c.got, 400));
      memory.wrong.set(c.name, wrong);
      text += wrong.size >= TRIES_BEFORE_REVEAL
        ? ` The answer: ${answerText(c)}.`
        : ` (wrong answer ${wrong.size} of ${TRIES_BEFORE_REVEAL} before the answer shows; reveal("${shortTitle(title)}") shows it now)`;
    } else if (c.want !== undefined) {
      text += ` Expected ${answerText(c)}.`;
    }
    result.failed.push({ name: c.name, why: text });
    detail.push(`  ✗ ${c.name}: ${text}`);
  }
  result.ok = result.failed.length === 0 && result.pending.length === 0;
  const summary = result.ok
    ? `${title}: ${checks.length}/${checks.length} right — all correct. Well done!`
    : `${title}: ${result.passed.length}/${checks.length} right` +
      (result.failed.length ? `, ${result.failed.length} wrong` : "") +
      (result.pending.length ? `, ${result.pending.length} not attempted` : "");
  result.lines = [summary, ...detail];
  return result;
}

/**
 * Check a learner's answers and print the report (one summary line, then one line per check).
 * Returns nothing, so a notebook does not print a second summary after it.
 * @param opts.strict throw unless every check passes (solution cells and tests)
 */
export function exercise(title: string, checks: ExerciseCheck[], opts: { strict?: boolean } = {}): void {
  const result = gradeExercise(title, checks, opts);
  console.log(result.lines.join("\n"));
  if (opts.strict && !result.ok) {
    const parts = [...result.failed.map((f) => `${f.name}: ${f.why}`), ...result.pending.map((n) => `${n}: no answer`)];
    throw new Error(`exercise "${title}" failed: ${parts.join("; ")}`);
  }
}

/**
 * Print the answers of an exercise checked in this session: `reveal("Exercise 1")` (a prefix of its
 * title is enough), or `reveal()` for the last one checked.
 */
export function reveal(title?: string): void {
  const wanted = title === undefined ? lastTitle : [...remembered.keys()].reverse().find((t) => t === title || normalise(t).startsWith(normalise(title)));
  const memory = wanted === undefined ? undefined : remembered.get(wanted);
  if (!memory) {
    const known = [...remembered.keys()].map((t) => `"${shortTitle(t)}"`).join(", ");
    console.log(title === undefined
      ? "reveal(): no exercise has been checked in this session yet: run its checker cell first"
      : `reveal("${title}"): no exercise with that title has been checked in this session${known ? ` (checked: ${known})` : ""}: run its checker cell first`);
    return;
  }
  const lines = [`${memory.title} — the answers:`];
  for (const c of memory.checks) lines.push(`  ${c.name}: ${answerText(c)}${c.explain ? ` — ${c.explain}` : ""}`);
  console.log(lines.join("\n"));
}
