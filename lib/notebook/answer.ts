/**
 * Comparing a learner's answer with the right one, and saying how they differ without giving the
 * right one away: too big or too small (and by what factor), the wrong sign, NaN, the wrong shape,
 * or right only to the digits that were typed.
 *
 * Used by the exercise checker (lib/notebook/exercise.ts), introduced in notebooks/00_welcome.ipynb.
 */

/**
 * A value as a learner should read it: NaN, Infinity and -0 as themselves (JSON would print NaN as
 * `null`), strings quoted, long arrays cut at `max` characters.
 */
export function formatValue(v: unknown, max = 120): string {
  const seen = new Set<unknown>();
  const fmt = (x: unknown): string => {
    if (typeof x === "number") return Object.is(x, -0) ? "-0" : String(x);
    if (typeof x === "string") return JSON.stringify(x);
    if (typeof x === "bigint") return `${x}n`;
    if (typeof x === "function") return `a function (${x.name || "anonymous"})`;
    if (x === null || typeof x !== "object") return String(x);
    if (seen.has(x)) return "[circular]";
    seen.add(x);
    if (isTensorLike(x)) return `a tensor of shape [${x.shape.join(", ")}]`;
    if (Array.isArray(x)) return `[${x.map(fmt).join(", ")}]`;
    if (ArrayBuffer.isView(x)) return `[${Array.from(x as unknown as ArrayLike<number>, fmt).join(", ")}]`;
    return `{ ${Object.entries(x).map(([k, e]) => `${k}: ${fmt(e)}`).join(", ")} }`;
  };
  const s = fmt(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

function isTensorLike(x: unknown): x is { shape: number[]; dtype: string } {
  return x !== null && typeof x === "object" && Array.isArray((x as { shape?: unknown }).shape) && typeof (x as { dtype?: unknown }).dtype === "string";
}

/** Does `got` equal `want` within |got − want| ≤ atol + rtol·|want| (NaN equals NaN)? */
export function closeEnough(got: number, want: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got);
  return got === want || Math.abs(got - want) <= atol + rtol * Math.abs(want);
}

/** Significant digits written in a number's shortest decimal form (1097.44 → 6, 0.0125 → 3). */
export function significantDigits(x: number): number {
  if (!Number.isFinite(x) || x === 0) return 0;
  const mantissa = Math.abs(x).toExponential().split("e")[0]!;
  return mantissa.replace(".", "").length;
}

/** Decimal places written in a number's shortest form (1097.44 → 2, 1.5e-7 → 8, 1200 → 0). */
function decimalPlaces(x: number): number {
  const [mantissa, exp] = Math.abs(x).toExponential().split("e");
  const fraction = mantissa!.split(".")[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exp));
}

/**
 * The significant digits `got` shares with `want` when `got` is `want` rounded to what was typed
 * (1097.44 for 1097.4400237 → 6), or 0 when it is not such a rounding.
 */
export function roundedDigits(got: number, want: number): number {
  if (!Number.isFinite(got) || !Number.isFinite(want) || got === want) return 0;
  const places = decimalPlaces(got);
  if (places > 15) return 0;
  return Math.abs(got - want) <= 0.5 * 10 ** -places * (1 + 1e-9) ? significantDigits(got) : 0;
}

/** Does `got` agree with `want` to `digits` significant digits (half a unit in the last one)? */
export function agreesToDigits(got: number, want: number, digits: number): boolean {
  if (!Number.isFinite(got) || !Number.isFinite(want)) return false;
  if (want === 0) return got === 0;
  const lastDigit = 10 ** (Math.floor(Math.log10(Math.abs(want))) - digits + 1);
  return Math.abs(got - want) <= 0.5 * lastDigit * (1 + 1e-9);
}

function factor(r: number): string | undefined {
  const n = Math.round(r);
  return n >= 2 && Math.abs(r - n) <= 1e-6 * r ? n.toLocaleString("en-US") : undefined;
}

function percent(x: number): string {
  return `${Number((100 * x).toPrecision(2))}%`;
}

/** How a wrong number misses ("is exactly 2× too small"), in words that do not give the right one away. */
export function describeMiss(got: number, want: number): string {
  if (Number.isNaN(got)) return "is not a number: somewhere a 0/0, or arithmetic on something undefined";
  if (!Number.isFinite(got)) return "is infinite: somewhere a division by zero, or a number that overflowed";
  if (Number.isNaN(want) || !Number.isFinite(want)) return "is not the value this check expects";
  if (want === 0) return `is too ${got > 0 ? "big" : "small"}`;
  if (got === 0) return `is too ${want > 0 ? "small" : "big"}`;
  if (Math.sign(got) !== Math.sign(want)) return "has the wrong sign";
  const r = got / want;
  const big = Math.abs(got) > Math.abs(want);
  const f = factor(big ? r : 1 / r);
  if (f) return `is exactly ${f}× too ${big ? "big" : "small"}`;
  return `is too ${big ? "big" : "small"} (by ${percent(big ? r - 1 : 1 - r)})`;
}

/** Where and how `got` differs from `want`; `reveal` adds the expected value. */
export interface Mismatch {
  /** "" for the whole answer, "[2]", ".k", "[1][0]" … */
  path: string;
  message: string;
  /** Set when `got` is `want` rounded to the digits typed: how many were right. */
  roundedTo?: number;
  want?: unknown;
}

/**
 * Compare recursively (numbers within tolerance; arrays entry by entry; objects key by key; the
 * rest with ===) and return the first mismatch, or undefined when the answer is right.
 */
export function findMismatch(got: unknown, want: unknown, rtol = 1e-5, atol = 1e-6, path = ""): Mismatch | undefined {
  const where = path || "the answer";
  const said = `${path ? `${path} = ` : ""}${formatValue(got)}`;
  if (typeof want === "number") {
    if (typeof got === "function") return { path, message: `${where} is a function: call it to get a number`, want };
    if (isTensorLike(got)) return { path, message: `${where} is a tensor: read its value with (await t.data())[0]`, want };
    if (typeof got !== "number") return { path, message: `${where} should be a number; it is ${formatValue(got)}`, want };
    if (closeEnough(got, want, rtol, atol)) return undefined;
    const digits = roundedDigits(got, want);
    if (digits >= 3) {
      return { path, roundedTo: digits, want, message: `${said} is right to the ${digits} digits typed; compute it in code instead of typing a rounded number` };
    }
    return { path, message: `${said} ${describeMiss(got, want)}`, want };
  }
  if (Array.isArray(want)) {
    if (isTensorLike(got)) return { path, message: `${where} is a tensor: read it with await t.array()`, want };
    if (!Array.isArray(got)) return { path, message: `${where} should be an array of ${want.length}; it is ${formatValue(got)}`, want };
    if (got.length !== want.length) return { path, message: `${where} should have ${want.length} entries; it has ${got.length}`, want };
    for (let i = 0; i < want.length; i++) {
      const m = findMismatch(got[i], want[i], rtol, atol, `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (want !== null && typeof want === "object") {
    if (got === null || typeof got !== "object") return { path, message: `${where} should be an object; it is ${formatValue(got)}`, want };
    for (const key of Object.keys(want)) {
      const m = findMismatch((got as Record<string, unknown>)[key], (want as Record<string, unknown>)[key], rtol, atol, `${path}.${key}`);
      if (m) return m;
    }
    return undefined;
  }
  return got === want ? undefined : { path, message: `${said} is not right`, want };
}

/**
 * Why `got` differs from `want`, expected value included, or undefined when they agree. The
 * one-line form used by strict checks (solution cells, tests) where nothing needs hiding.
 */
export function compareAnswer(got: unknown, want: unknown, rtol = 1e-5, atol = 1e-6): string | undefined {
  const m = findMismatch(got, want, rtol, atol);
  return m ? `${m.message} (expected ${m.path ? `${m.path} = ` : ""}${formatValue(m.want)})` : undefined;
}
