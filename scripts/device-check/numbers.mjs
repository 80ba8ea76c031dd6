// The device check's numbers and tables: how it measures a difference and writes a table (used by
// tests/scripts/device-check.test.ts too).

/**
 * How far `got` is from `want`: the largest absolute difference, the reference's scale (its
 * largest magnitude) and their ratio `rel` — the "max relative difference" the report states.
 * Relative to the scale, not elementwise, so that entries near zero don't blow it up.
 */
export function compareArrays(got, want) {
  if (got.length !== want.length) return { maxAbs: Infinity, scale: NaN, rel: Infinity, note: `length ${got.length} ≠ ${want.length}` };
  let maxAbs = 0;
  let scale = 0;
  let bad = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!Number.isFinite(got[i])) bad++;
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(want[i]));
  }
  const rel = bad ? Infinity : maxAbs / Math.max(scale, 1e-30);
  return { maxAbs, scale, rel, ...(bad ? { note: `${bad} non-finite values` } : {}) };
}

/** Entries that differ (for integer outputs such as the chosen experts). */
export function countMismatches(got, want) {
  if (got.length !== want.length) return Infinity;
  let n = 0;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) n++;
  return n;
}

export function fmt(v) {
  if (typeof v !== "number") return String(v ?? "");
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return "0";
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : a >= 0.01 ? v.toFixed(3) : v.toExponential(2);
}

/** A markdown table of flat rows (columns in first-seen order). */
export function markdownTable(rows, cols) {
  if (rows.length === 0) return "(none)";
  const names = cols ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v) => fmt(v).replace(/\|/g, "\\|");
  return [
    `| ${names.join(" | ")} |`,
    `|${names.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${names.map((c) => cell(r[c])).join(" | ")} |`),
  ].join("\n");
}
