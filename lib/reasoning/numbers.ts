/**
 * Reading numbers out of free text in one left-to-right pass (linear time on any input), for
 * answer extraction (lib/reasoning/extract.ts, notebooks/03_chain_of_thought.ipynb).
 *
 * The grammar, in order of reading:
 *
 *   number   := sign? currency? sign? body tail? percent?
 *   sign     := "-" | "−" | "+"            directly before the number, and only when the text
 *             | "minus " | "negative "      before it does not end in a number or ")" (so
 *                                           "10 - 3" and "10 minus 3" are 10 and 3, not -3)
 *   currency := "$" | "€" | "£" | "¥"       (one space may follow)
 *   body     := digits ("," 3 digits)* ("." digits)?     thousands only in groups of three
 *             | "." digits
 *             | "\frac{" n "}{" d "}"  (also \dfrac, \tfrac)  = n / d
 *   tail     := ("e" | "E") exponent                     1e5, 2.5E-3
 *             | ("×" | "x" | "*" | "·" | "\times" | "\cdot") "10^" exponent   1.5×10^3
 *             | "^" exponent                           2^{10}, 10^3
 *             | "/" digits                              3/4 (a fraction)
 *             | " " digits "/" digits  (proper)        1 1/2 (a mixed number)
 *             | "\frac{" n "}{" d "}"                  1\frac{1}{2}
 *   exponent := "{"? sign? digits "}"?
 *   percent  := "%" | "\%"                              (kept as the number: 50% → 50)
 *
 * A number may not start right after a letter, digit, "_" or "." ("x2" is a name, not 2).
 * Forms that could mean two different numbers are AMBIGUOUS and read as null, never as a guess:
 * thousands commas out of groups of three ("12,34", "1,2345"), two decimal points ("1.2.3"),
 * a fraction chain ("3/4/2021"), a zero denominator, an exponent brace left open, a \frac whose
 * parts are not plain numbers, and anything that overflows to Infinity.
 */

/** One number found in a text: where it is and its value (null when ambiguous). */
export interface NumberToken {
  start: number;
  end: number;
  value: number | null;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const WORDY = /[\p{L}\p{N}_]/u;

/** Every number in `text`, in order, ambiguous ones with value null. Linear in text.length. */
export function numberTokens(text: string): NumberToken[] {
  const out: NumberToken[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const tok = readNumber(text, i);
    if (tok) {
      out.push(tok);
      i = Math.max(tok.end, i + 1);
    } else i++;
  }
  return out;
}

/** True when the text before `i` ends in something a minus would subtract from (a number, ")"). */
function binaryBefore(text: string, i: number): boolean {
  let j = i - 1;
  for (let k = 0; k < 8 && j >= 0 && text[j] === " "; k++) j--;
  if (j < 0) return false;
  const c = text.charCodeAt(j);
  return isDigit(c) || c === 41 /* ) */ || c === 37 /* % */ || c === 93 /* ] */;
}

function wordyAt(text: string, i: number): boolean {
  return i >= 0 && i < text.length && WORDY.test(text[i]!);
}

function readSign(text: string, i: number): { neg: boolean; next: number } | null {
  const c = text[i];
  if (c === "-" || c === "−" || c === "+") {
    if (binaryBefore(text, i)) return null;
    return { neg: c !== "+", next: i + 1 };
  }
  if (c === "m" || c === "M" || c === "n" || c === "N") {
    if (wordyAt(text, i - 1)) return null;
    const lower = text.slice(i, i + 9).toLowerCase();
    const word = lower.startsWith("minus ") ? 6 : lower.startsWith("negative ") ? 9 : 0;
    if (!word || binaryBefore(text, i)) return null;
    return { neg: true, next: i + word };
  }
  return null;
}

/** Digits from i; returns the end index. */
function digitsEnd(text: string, i: number): number {
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

/** A plain signed decimal inside \frac{…}: "-3", "1.5". */
function plainNumber(s: string): number | null {
  const m = /^\s*([-−+]?)\s*(\d+(?:\.\d+)?|\.\d+)\s*$/.exec(s);
  if (!m) return null;
  return (m[1] === "-" || m[1] === "−" ? -1 : 1) * Number(m[2]);
}

/** \frac{a}{b} at i: its end and value (null if the parts are not plain numbers), or null if absent. */
function readFrac(text: string, i: number): { end: number; value: number | null } | null {
  const m = /^\\[dt]?frac\s*\{/.exec(text.slice(i, i + 8));
  if (!m) return null;
  const aStart = i + m[0].length;
  const aRel = text.slice(aStart, aStart + 61).indexOf("}"); // bounded look-ahead keeps the scan linear
  if (aRel < 0) return null;
  const aEnd = aStart + aRel;
  if (text.slice(aStart, aEnd).includes("{")) return null;
  let j = aEnd + 1;
  for (let k = 0; k < 4 && text[j] === " "; k++) j++;
  if (text[j] !== "{") return null;
  const bRel = text.slice(j + 1, j + 62).indexOf("}");
  if (bRel < 0) return null;
  const bEnd = j + 1 + bRel;
  if (text.slice(j + 1, bEnd).includes("{")) return null;
  const a = plainNumber(text.slice(aStart, aEnd));
  const b = plainNumber(text.slice(j + 1, bEnd));
  const value = a === null || b === null || b === 0 ? null : a / b;
  return { end: bEnd + 1, value };
}

/** An exponent at i ("{-3}", "10", "+2"); null if absent; value null if a brace is left open. */
function readExponent(text: string, i: number): { end: number; value: number | null } | null {
  let j = i;
  const brace = text[j] === "{";
  if (brace) j++;
  let neg = false;
  if (text[j] === "-" || text[j] === "−" || text[j] === "+") {
    neg = text[j] !== "+";
    j++;
  }
  const e = digitsEnd(text, j);
  if (e === j || e - j > 6) return null;
  const v = (neg ? -1 : 1) * Number(text.slice(j, e));
  if (brace) {
    if (text[e] !== "}") return { end: e, value: null };
    return { end: e + 1, value: v };
  }
  return { end: e, value: v };
}

function readNumber(text: string, start: number): NumberToken | null {
  let i = start;
  let neg = false;
  const sign = readSign(text, i);
  if (sign) {
    neg = sign.neg;
    i = sign.next;
  }
  const c0 = text[i];
  if (c0 === "$" || c0 === "€" || c0 === "£" || c0 === "¥") {
    if (!sign && wordyAt(text, i - 1) && !isDigit(text.charCodeAt(i - 1))) return null;
    i++;
    if (text[i] === " ") i++;
    const inner = readSign(text, i); // "-$-5" is a typo; read it as +5 consistently
    if (inner && text[i] !== "+") {
      neg = neg !== inner.neg;
      i = inner.next;
    }
  }
  let ambiguous = false;
  let value = NaN;
  let plainInt = false;
  const bodyStart = i;
  if (text[i] === "\\") {
    const f = readFrac(text, i);
    if (!f) return null;
    if (bodyStart === start && wordyAt(text, start - 1)) return null;
    return finish(text, start, f.end, f.value, neg);
  }
  const c = text.charCodeAt(i);
  const dotStart = c === 46 && isDigit(text.charCodeAt(i + 1));
  if (!isDigit(c) && !dotStart) return null;
  // A number cannot begin inside a word or right after a digit or a point.
  if (bodyStart === start) {
    const prev = text[start - 1];
    if (prev !== undefined && (WORDY.test(prev) || prev === ".")) return null;
  }
  let digits = "";
  if (dotStart) {
    const e = digitsEnd(text, i + 1);
    digits = text.slice(i, e);
    i = e;
  } else {
    const e = digitsEnd(text, i);
    digits = text.slice(i, e);
    const firstRun = e - i;
    i = e;
    plainInt = true;
    // Thousands separators: only ",ddd" groups after a first run of 1-3 digits.
    while (text[i] === "," && isDigit(text.charCodeAt(i + 1))) {
      const g = digitsEnd(text, i + 1);
      if (g - (i + 1) !== 3 || firstRun > 3) ambiguous = true;
      digits += text.slice(i + 1, g);
      i = g;
      plainInt = false;
    }
    if (text[i] === "." && isDigit(text.charCodeAt(i + 1))) {
      const d = digitsEnd(text, i + 1);
      digits += text.slice(i, d);
      i = d;
      plainInt = false;
      if (text[i] === "." && isDigit(text.charCodeAt(i + 1))) {
        ambiguous = true; // 1.2.3
        i = digitsEnd(text, i + 1);
      }
    }
  }
  value = Number(digits);

  // Tails: scientific notation, ×10^k, powers, fractions, mixed numbers.
  const rest = text.slice(i, i + 12);
  let m: RegExpExecArray | null;
  if ((m = /^[eE](?=[-−+]?\d)/.exec(rest))) {
    const ex = readExponent(text, i + 1);
    if (ex && !wordyAt(text, ex.end)) {
      value = ex.value === null ? NaN : value * 10 ** ex.value;
      if (ex.value === null) ambiguous = true;
      i = ex.end;
    }
  } else if ((m = /^ {0,2}(?:×|x|\*|·|\\times|\\cdot) {0,2}10\^/.exec(rest))) {
    const ex = readExponent(text, i + m[0].length);
    if (ex) {
      if (ex.value === null) ambiguous = true;
      else value = value * 10 ** ex.value;
      i = ex.end;
    }
  } else if (text[i] === "^") {
    const ex = readExponent(text, i + 1);
    if (ex) {
      if (ex.value === null) ambiguous = true;
      else value = value ** ex.value;
      i = ex.end;
    }
  } else if (text[i] === "/" && isDigit(text.charCodeAt(i + 1))) {
    const d = digitsEnd(text, i + 1);
    const den = Number(text.slice(i + 1, d));
    i = d;
    if (den === 0) ambiguous = true;
    else value = value / den;
    if (text[i] === "/" && isDigit(text.charCodeAt(i + 1))) {
      ambiguous = true; // 3/4/2021
      i = digitsEnd(text, i + 1);
    }
  } else if (plainInt && (m = /^ (\d{1,6})\/(\d{1,6})(?![\d/])/.exec(text.slice(i, i + 16)))) {
    const num = Number(m[1]);
    const den = Number(m[2]);
    if (den > 0 && num < den) {
      value = value + num / den;
      i += m[0].length;
    }
  } else if (plainInt && text[i] === "\\") {
    const f = readFrac(text, i);
    if (f) {
      if (f.value === null || f.value < 0) ambiguous = true;
      else value = value + f.value;
      i = f.end;
    }
  }
  return finish(text, start, i, ambiguous ? null : value, neg);
}

function finish(text: string, start: number, end: number, value: number | null, neg: boolean): NumberToken {
  let e = end;
  if (text[e] === "%") e++;
  else if (text.startsWith("\\%", e)) e += 2;
  const v = value === null || !Number.isFinite(value) ? null : neg ? -value : value;
  return { start, end: e, value: v === 0 ? 0 : v };
}
