/**
 * Reading the final number out of a model's text — the step every chain-of-thought evaluation
 * depends on and most get subtly wrong (notebooks/03_chain_of_thought.ipynb).
 *
 * Marked answers win over unmarked ones, the last marked one over earlier ones:
 *   1. `\boxed{N}`                    (DeepSeek-R1 and most math-tuned models)
 *   2. `<answer>N</answer>`           (the R1-Zero training template)
 *   3. `#### N`                       (GSM8K's answer line)
 *   4. "the (final) answer is N", "Answer: N"   (few-shot CoT, Wei et al. 2022)
 *   5. the last number in the text, reasoning inside `<think>…</think>` skipped when an answer
 *      follows it (Kojima et al. 2022 read the first number after their trigger instead; with
 *      the trigger in the prompt that *is* the last number).
 * Numbers may carry thousands commas ("1,234"), a sign ("-5", "−5"), decimals, a currency symbol
 * ("$12.50", "-$3") or a trailing "%" or period. Returns null when the text holds no number.
 */

/** One number with optional sign, currency, thousands commas and decimals. */
const NUMBER_SOURCE =
  String.raw`(?<![\w.])([-−+]?)[$€£¥]?\s?([-−]?)((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?![\d])`;

/** Parses the first number in `s` (see the module comment for the accepted forms); null if none. */
export function parseNumber(s: string): number | null {
  const all = numbersIn(s);
  return all.length > 0 ? all[0]! : null;
}

/** Every number in `s`, in order. */
export function numbersIn(s: string): number[] {
  const out: number[] = [];
  const re = new RegExp(NUMBER_SOURCE, "g");
  for (const m of s.matchAll(re)) {
    const negative = isMinus(m[1]!) !== isMinus(m[2]!); // "-$-5" is a typo; treat it as +5 consistently
    const v = Number(m[3]!.replace(/,/g, ""));
    if (Number.isFinite(v)) out.push(negative ? -v : v);
  }
  return out;
}

function isMinus(sign: string): boolean {
  return sign === "-" || sign === "−";
}

/** The contents of every `\boxed{…}` in order, with nested braces kept whole. */
export function boxedContents(text: string): string[] {
  const out: string[] = [];
  const re = /\\(?:boxed|fbox)\s*\{/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
    }
    if (depth === 0) out.push(text.slice(start, i - 1));
  }
  return out;
}

/** A number from a LaTeX fragment: `\frac{a}{b}` / `\dfrac{a}{b}`, `\$`, `\!` and `{,}` handled. */
function latexNumber(s: string): number | null {
  const cleaned = s
    .replace(/\\[!,;:]/g, "") // thin spaces
    .replace(/\{,\}/g, ",")
    .replace(/\\\$/g, "$")
    .replace(/\\(?:text|mathrm|textbf)\{([^}]*)\}/g, "$1")
    .replace(/\\%/g, "%");
  const frac = /^\s*([-−]?)\s*\\d?frac\{([^}]*)\}\{([^}]*)\}\s*$/.exec(cleaned);
  if (frac) {
    const num = parseNumber(frac[2]!);
    const den = parseNumber(frac[3]!);
    if (num !== null && den !== null && den !== 0) return (isMinus(frac[1]!) ? -1 : 1) * (num / den);
  }
  const plainFrac = /^\s*([-−]?\d+)\s*\/\s*(\d+)\s*$/.exec(cleaned);
  if (plainFrac) {
    const den = Number(plainFrac[2]);
    if (den !== 0) return Number(plainFrac[1]!.replace("−", "-")) / den;
  }
  return parseNumber(cleaned);
}

function lastNonNull(values: (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i]!;
  return null;
}

/** Strips `<think>…</think>` when something follows it; an unclosed `<think>` leaves the text alone. */
export function splitThinking(text: string): { reasoning: string | null; answer: string } {
  const m = /<think>([\s\S]*?)<\/think>/i.exec(text);
  if (!m) {
    // Some servers drop the opening tag (the chat template already wrote it).
    const close = text.search(/<\/think>/i);
    if (close >= 0) return { reasoning: text.slice(0, close).trim(), answer: text.slice(close + 8).trim() };
    return { reasoning: null, answer: text };
  }
  return { reasoning: m[1]!.trim(), answer: (text.slice(0, m.index) + text.slice(m.index + m[0].length)).trim() };
}

/**
 * The final numeric answer in a completion, or null when there is none.
 * @example extractAnswer("... so she has 96 − 17 = 79 pencils.\n#### 79") // 79
 * @example extractAnswer("<think>3*4=12</think> The answer is \\boxed{12}.") // 12
 */
export function extractAnswer(text: string): number | null {
  if (typeof text !== "string") return null;
  const boxed = lastNonNull(boxedContents(text).map(latexNumber));
  if (boxed !== null) return boxed;

  const tags = [...text.matchAll(/<answer>([\s\S]*?)<\/answer>/gi)].map((m) => lastOf(numbersIn(m[1]!)));
  const tagged = lastNonNull(tags);
  if (tagged !== null) return tagged;

  const hashes = [...text.matchAll(/####\s*([^\n]*)/g)].map((m) => firstOf(numbersIn(m[1]!)));
  const hashed = lastNonNull(hashes);
  if (hashed !== null) return hashed;

  // Each "answer is" reads the first number after it on its line; the last such phrase wins.
  const phrase = /(?:final\s+)?answer\s*(?:\([^)]*\)\s*)?(?:is|=|:)\s*(?:that\s+)?/gi;
  const phrased = lastNonNull(
    [...text.matchAll(phrase)].map((m) => {
      const rest = text.slice(m.index! + m[0].length).split("\n")[0]!;
      return firstOf(numbersIn(stripMarkdown(rest)));
    }),
  );
  if (phrased !== null) return phrased;

  const { reasoning, answer } = splitThinking(text);
  const tail = lastOf(numbersIn(answer));
  if (tail !== null) return tail;
  return reasoning !== null ? lastOf(numbersIn(reasoning)) : null;
}

function stripMarkdown(s: string): string {
  return s.replace(/\*\*/g, "").replace(/\\\(|\\\)/g, "");
}

function firstOf(xs: number[]): number | null {
  return xs.length > 0 ? xs[0]! : null;
}

function lastOf(xs: number[]): number | null {
  return xs.length > 0 ? xs[xs.length - 1]! : null;
}
