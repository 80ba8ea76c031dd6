/**
 * Reading the final number out of a model's text — the step every chain-of-thought evaluation
 * depends on and most get subtly wrong (notebooks/03_chain_of_thought.ipynb).
 *
 * Marked answers win over unmarked ones, the last marked one over earlier ones:
 *   1. `\boxed{N}`                    (DeepSeek-R1 and most math-tuned models)
 *   2. `<answer>N</answer>`           (the R1-Zero training template)
 *   3. `#### N`                       (GSM8K's answer line)
 *   4. "the (final) answer is N", "Answer: N"   (few-shot CoT, Wei et al. 2022): the first
 *      number after the phrase, on its line
 *   5. the last number in the text, reasoning inside `<think>…</think>` skipped when an answer
 *      follows it (Kojima et al. 2022 read the first number after their trigger instead; with
 *      the trigger in the prompt that *is* the last number).
 * Numbers are read by the grammar in lib/reasoning/numbers.ts: signs (also "minus 5"), currency,
 * thousands commas in valid groups, decimals, fractions (3/4, \frac{3}{4}, 1\frac{1}{2}, 1 1/2),
 * powers and scientific notation (2^{10}, 1e5, 1.5×10^3), a trailing "%". When the number the
 * rules pick is ambiguous ("12,34"; a box holding "3 or 4") the answer is null, never a guess.
 * Every step is linear in the text's length (a 200 KB adversarial text takes milliseconds).
 */
import { numberTokens } from "./numbers.js";

/** A box longer than this holds prose, not a number. */
const MAX_BOX = 1000;

/** Every number in `s` that reads unambiguously, in order. */
export function numbersIn(s: string): number[] {
  return numberTokens(s).flatMap((t) => (t.value === null ? [] : [t.value]));
}

/** The first number in `s`; null if there is none or it is ambiguous. */
export function parseNumber(s: string): number | null {
  return numberTokens(s)[0]?.value ?? null;
}

/** The contents of every `\boxed{…}` (or `\fbox{…}`) in order, nested braces kept whole; one pass. */
export function boxedContents(text: string): string[] {
  const found: { at: number; content: string }[] = [];
  const open: { pos: number; box: boolean }[] = []; // unclosed "{" positions
  const re = /\\(?:boxed|fbox)\s{0,3}\{|[{}]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] === "}") {
      const o = open.pop();
      if (o?.box) found.push({ at: o.pos, content: text.slice(o.pos, m.index) });
    } else open.push({ pos: m.index + m[0].length, box: m[0] !== "{" });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.content);
}

/** What a box says: its one number (after the last "=", if any); undefined when it holds none. */
function boxValue(s: string): number | null | undefined {
  if (s.length > MAX_BOX) return undefined;
  const cleaned = s
    .replace(/\\[!,;: ]/g, "") // thin spaces
    .replace(/\{,\}/g, ",")
    .replace(/\\\$/g, "$")
    .replace(/\\(?:text|mathrm|textbf|mbox)\{([^{}]*)\}/g, "$1");
  const eq = cleaned.lastIndexOf("=");
  // "x = 3, y = 4": several assignments in one box say two things.
  if (eq >= 0 && /[,;]|\band\b/.test(cleaned.slice(cleaned.indexOf("="), eq))) return null;
  const tokens = numberTokens(eq >= 0 ? cleaned.slice(eq + 1) : cleaned);
  if (tokens.length === 0) return eq >= 0 ? null : undefined;
  return tokens.length === 1 ? tokens[0]!.value : null; // two numbers in one box: ambiguous
}

/** Strips `<think>…</think>` when something follows it; an unclosed `<think>` leaves the text alone. */
export function splitThinking(text: string): { reasoning: string | null; answer: string } {
  const lower = text.toLowerCase();
  const open = lower.indexOf("<think>");
  const close = lower.indexOf("</think>", open < 0 ? 0 : open);
  if (open < 0 || close < 0) {
    // Some servers drop the opening tag (the chat template already wrote it).
    const bare = lower.indexOf("</think>");
    if (open < 0 && bare >= 0) return { reasoning: text.slice(0, bare).trim(), answer: text.slice(bare + 8).trim() };
    return { reasoning: null, answer: text };
  }
  return { reasoning: text.slice(open + 7, close).trim(), answer: (text.slice(0, open) + text.slice(close + 8)).trim() };
}

/** How many of the ascending `xs` are below `pos` (binary search). */
function countBelow(xs: ArrayLike<number>, pos: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Contents between every `<open>` and the next `</close>`, case-insensitive, in one pass. */
function tagContents(text: string, lower: string, tag: string): string[] {
  const out: string[] = [];
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  let from = 0;
  for (let i = lower.indexOf(open, from); i >= 0; i = lower.indexOf(open, from)) {
    const j = lower.indexOf(close, i + open.length);
    if (j < 0) break;
    out.push(text.slice(i + open.length, j));
    from = j + close.length;
  }
  return out;
}

/**
 * The final numeric answer in a completion, or null when there is none or it is ambiguous.
 * @example extractAnswer("... so she has 96 − 17 = 79 pencils.\n#### 79") // 79
 * @example extractAnswer("<think>3*4=12</think> The answer is \\boxed{12}.") // 12
 * @example extractAnswer("The answer is 3/4") // 0.75
 */
export function extractAnswer(text: string): number | null {
  if (typeof text !== "string") return null;
  const boxes = boxedContents(text);
  for (let i = boxes.length - 1; i >= 0; i--) {
    const v = boxValue(boxes[i]!);
    if (v !== undefined) return v;
  }

  const lower = text.toLowerCase();
  const tags = tagContents(text, lower, "answer");
  for (let i = tags.length - 1; i >= 0; i--) {
    const t = numberTokens(tags[i]!);
    if (t.length > 0) return t[t.length - 1]!.value;
  }

  const hashes = [...text.matchAll(/####[ \t]*([^\n]*)/g)];
  for (let i = hashes.length - 1; i >= 0; i--) {
    const t = numberTokens(hashes[i]![1]!);
    if (t.length > 0) return t[0]!.value;
  }

  // Each "answer is" reads the first number after it on its line; the last such phrase wins.
  const tokens = numberTokens(text);
  const phrases = [...text.matchAll(/(?:final\s{1,5})?answer\s{0,5}(?:\([^)\n]{0,40}\)\s{0,5})?(?:is|=|:)/gi)];
  if (phrases.length > 0) {
    const newlines: number[] = [];
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) newlines.push(i);
    const starts = tokens.map((t) => t.start);
    for (let i = phrases.length - 1; i >= 0; i--) {
      const end = phrases[i]!.index! + phrases[i]![0].length;
      const k = countBelow(starts, end); // the first number after the phrase…
      if (k < tokens.length && countBelow(newlines, tokens[k]!.start) === countBelow(newlines, end)) return tokens[k]!.value; // …on its line
    }
  }

  const { reasoning, answer } = splitThinking(text);
  const tail = numberTokens(answer);
  if (tail.length > 0) return tail[tail.length - 1]!.value;
  if (reasoning === null) return null;
  const inner = numberTokens(reasoning);
  return inner.length > 0 ? inner[inner.length - 1]!.value : null;
}
