/**
 * The one way SeekLab checks a caller's options: every numeric option of the public API goes
 * through these, so a bad value is an error naming the function, the option, what it must be and
 * what came in, e.g. `onlineElo: options.k must be a finite number > 0; got NaN`, never a NaN
 * result three calls later. Per-area checks (lib/elo/options.ts, lib/moe/checks.ts, …) call these.
 */

/** What a number must be. Bounds are inclusive unless named `gt`/`lt`. */
export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** Strictly greater than. */
  gt?: number;
  /** Strictly less than. */
  lt?: number;
}

export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OptionError";
  }
}

/** A short, safe rendering of what came in. */
export function shown(x: unknown): string {
  if (typeof x === "number") return Object.is(x, -0) ? "-0" : String(x);
  if (typeof x === "string") return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (x === null || x === undefined || typeof x === "boolean" || typeof x === "bigint") return String(x);
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (typeof x === "function") return "a function";
  const shape = (x as { shape?: unknown }).shape;
  if (Array.isArray(shape)) return `a tensor of shape [${shape.join(", ")}]`;
  return "an object";
}

/** "a finite integer >= 1", "a finite number in (0, 1]", … */
export function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? "an integer" : "a finite number";
  const lo = rule.gt !== undefined ? `(${rule.gt}` : rule.min !== undefined ? `[${rule.min}` : undefined;
  const hi = rule.lt !== undefined ? `${rule.lt})` : rule.max !== undefined ? `${rule.max}]` : undefined;
  if (lo && hi) return `${kind} in ${lo}, ${hi}`;
  if (rule.gt !== undefined) return `${kind} > ${rule.gt}`;
  if (rule.min !== undefined) return `${kind} >= ${rule.min}`;
  if (rule.lt !== undefined) return `${kind} < ${rule.lt}`;
  if (rule.max !== undefined) return `${kind} <= ${rule.max}`;
  return kind;
}

/** True when `x` is a number obeying `rule`. */
export function obeys(x: unknown, rule: NumberRule): x is number {
  if (typeof x !== "number" || !Number.isFinite(x)) return false;
  if (rule.integer && !Number.isInteger(x)) return false;
  if (rule.min !== undefined && x < rule.min) return false;
  if (rule.max !== undefined && x > rule.max) return false;
  if (rule.gt !== undefined && !(x > rule.gt)) return false;
  if (rule.lt !== undefined && !(x < rule.lt)) return false;
  return true;
}

/** Throws unless `value` obeys `rule`; `where` is "fn: options.k" style. Returns the value. */
export function checkNumber(where: string, value: unknown, rule: NumberRule): number {
  if (!obeys(value, rule)) throw new OptionError(`${where} must be ${describeRule(rule)}; got ${shown(value)}`);
  return value;
}

/** Like checkNumber, but undefined passes (the option's default applies). */
export function checkOptional(where: string, value: unknown, rule: NumberRule): void {
  if (value !== undefined) checkNumber(where, value, rule);
}

/** Throws unless `value` is one of `allowed` (undefined passes when `optional`). */
export function checkOneOf<T extends string>(where: string, value: unknown, allowed: readonly T[], optional = true): void {
  if (value === undefined && optional) return;
  if (!allowed.includes(value as T)) {
    throw new OptionError(`${where} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; got ${shown(value)}`);
  }
}

/** Throws unless `opts` is undefined or a plain object. */
export function checkOptionsObject(fn: string, opts: unknown): void {
  if (opts !== undefined && (typeof opts !== "object" || opts === null || Array.isArray(opts))) {
    throw new OptionError(`${fn}: options must be an object; got ${shown(opts)}`);
  }
}

/**
 * Checks each listed option of `opts` against its rule (undefined = default, allowed).
 * @example checkOptions("onlineElo", opts, { k: { gt: 0 }, init: {} })
 */
export function checkOptions(fn: string, opts: object | undefined, rules: Record<string, NumberRule>): void {
  checkOptionsObject(fn, opts);
  if (!opts) return;
  const o = opts as Record<string, unknown>;
  for (const [name, rule] of Object.entries(rules)) checkOptional(`${fn}: options.${name}`, o[name], rule);
}
