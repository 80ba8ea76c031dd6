// `npm run bench -- [name ...]`: run named benchmarks (bench/<name>.mjs; default: all), print a
// table for each and write build/bench/<name>.json. Benchmarks import the compiled library
// ("seeklab"), so the set-up (which builds it) runs first.
//
// A benchmark module: export default { name, description, async run(ctx) { return rows } } where
// rows are flat objects (one table row each) and ctx = { time(fn, {minMs, warmup}), log(msg),
// backend }. Report ratios against a reference measured in the same run, not bare times.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, say } from "./common.mjs";
import { setup } from "./setup.mjs";

function fmt(v) {
  if (typeof v !== "number") return String(v ?? "");
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : a >= 0.01 ? v.toFixed(3) : v.toExponential(2);
}

export function table(rows) {
  if (rows.length === 0) return "(no rows)";
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => cols.map((c) => fmt(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals) => "| " + vals.map((v, i) => v.padEnd(widths[i])).join(" | ") + " |";
  return [line(cols), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...cells.map(line)].join("\n");
}

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const available = readdirSync(join(ROOT, "bench")).filter((f) => f.endsWith(".mjs")).map((f) => f.replace(/\.mjs$/, "")).sort();
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length) {
    console.log(`unknown benchmark(s): ${unknown.join(", ")}; available: ${available.join(", ")}`);
    process.exit(2);
  }
  await setup({ python: false });
  const seeklab = await import("seeklab");
  const backend = await seeklab.initBackend();
  const names = wanted.length ? wanted : available;
  mkdirSync(join(ROOT, "build", "bench"), { recursive: true });
  for (const name of names) {
    const mod = (await import(pathToFileURL(join(ROOT, "bench", `${name}.mjs`)).href)).default;
    say(`bench ${name}: ${mod.description ?? ""}`);
    const t0 = performance.now();
    const ctx = { time: seeklab.timeIt, log: (m) => say(`  ${m}`), backend };
    const rows = await mod.run(ctx);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`\n${name} (${backend.name}; ${seconds.toFixed(1)} s)\n${table(rows)}\n`);
    const out = join(ROOT, "build", "bench", `${name}.json`);
    writeFileSync(
      out,
      JSON.stringify({ name, description: mod.description, date: new Date().toISOString(), backend, node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, seconds, rows }, null, 2) + "\n",
    );
    say(`wrote ${out}`);
  }
}

main().catch((e) => {
  console.log(`bench failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
