/**
 * Argument checks shared by the hardware room: every formula here is plain arithmetic, so the
 * only way to get a silly answer is a silly input (a negative size, an MFU of 40 instead of 0.4).
 * These turn such inputs into errors that name the function, the argument and the value.
 *
 * Taught in notebooks/05a_hardware_and_cost.ipynb.
 */

/** Throws unless `value` is a finite number > 0. */
export function requirePositive(fn: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${fn}: ${name} must be a finite number > 0; got ${String(value)}`);
  }
}

/** Throws unless `value` is a finite number >= 0. */
export function requireNonNegative(fn: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`${fn}: ${name} must be a finite number >= 0; got ${String(value)}`);
  }
}

/** Throws unless `value` is an integer >= `min` (default 1). */
export function requireInteger(fn: string, name: string, value: number, min = 1): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new Error(`${fn}: ${name} must be an integer >= ${min}; got ${String(value)}`);
  }
}

/** Throws unless 0 < value <= 1 (a utilisation, a fraction of memory, a pass-through share). */
export function requireFraction(fn: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new Error(`${fn}: ${name} must be in (0, 1]; got ${String(value)}` +
      (value > 1 && value <= 100 ? ` (a percentage? write ${value / 100})` : ""));
  }
}
