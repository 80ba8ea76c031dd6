// Lesson 5's figure: a labelled roofline of the H800 (numbers from datasets/gpus.json).
// Drawn into notebooks/figures/ by scripts/figures/build.mjs.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { C, svg, text } from "./svg.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const gpus = JSON.parse(readFileSync(join(root, "datasets", "gpus.json"), "utf8")).gpus;
const h800 = gpus.find((g) => g.id === "H800-SXM");
const peak = h800.bf16DenseTFLOPS; // TFLOPS
const bw = h800.bandwidthTBps; // TB/s → (FLOP/B)·(TB/s) = TFLOPS
const ridge = peak / bw;

export function roofline() {
  const W = 820;
  const H = 490;
  const [x0, x1, y0, y1] = [118, 770, 420, 78]; // plot box
  const [lx0, lx1, ly0, ly1] = [-1, 4, 0, 3.3]; // log10 ranges: intensity 0.1…10^4, TFLOPS 1…2000
  const X = (i) => x0 + ((Math.log10(i) - lx0) / (lx1 - lx0)) * (x1 - x0);
  const Y = (t) => y0 - ((Math.log10(t) - ly0) / (ly1 - ly0)) * (y0 - y1);
  let b = "";
  b += text(W / 2, 24, `The roofline: ${h800.name}, BF16 dense (${peak} TFLOPS, ${bw} TB/s)`, { size: 17, weight: 700 });
  // regions
  b += `<rect x="${x0}" y="${y1}" width="${X(ridge) - x0}" height="${y0 - y1}" fill="${C.sky}" opacity="0.10"/>`;
  b += `<rect x="${X(ridge)}" y="${y1}" width="${x1 - X(ridge)}" height="${y0 - y1}" fill="${C.green}" opacity="0.10"/>`;
  // grid + ticks
  for (let e = lx0; e <= lx1; e++) {
    const x = X(10 ** e);
    b += `<line x1="${x}" y1="${y0}" x2="${x}" y2="${y1}" stroke="${C.grid}"/>` + text(x, y0 + 16, (10 ** e).toLocaleString("en-US"), { size: 11, fill: C.muted });
  }
  for (const t of [1, 10, 100, 1000]) {
    const y = Y(t);
    b += `<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="${C.grid}"/>` + text(x0 - 8, y, `${t.toLocaleString("en-US")} TFLOPS`, { size: 11, anchor: "end", fill: C.muted });
  }
  b += `<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="${C.muted}"/>`;
  b += text((x0 + x1) / 2, y0 + 40, "arithmetic intensity = FLOPs ÷ bytes moved from memory (FLOP/B, log scale)", { size: 13 });
  b += `<g transform="translate(16 ${(y0 + y1) / 2}) rotate(-90)">${text(0, 0, "attainable throughput (log scale)", { size: 13 })}</g>`;
  // the roof
  const iStart = 10 ** lx0 < 1 / bw ? 1 / bw : 10 ** lx0;
  b += `<path d="M ${X(iStart)} ${Y(iStart * bw)} L ${X(ridge)} ${Y(peak)} L ${x1} ${Y(peak)}" fill="none" stroke="${C.blue}" stroke-width="4"/>`;
  b += `<circle cx="${X(ridge)}" cy="${Y(peak)}" r="7" fill="${C.orange}"/>`;
  b += `<line x1="${X(ridge)}" y1="${Y(peak)}" x2="${X(ridge)}" y2="${y1 - 2}" stroke="${C.orange}" stroke-dasharray="4 3" stroke-width="2"/>`;
  b += text(X(ridge), y1 - 12, `ridge point: ${ridge.toFixed(0)} FLOP/B = peak ÷ bandwidth`, { size: 12, fill: C.orange, weight: 700 });
  b += text(X(0.12), Y(600), ["sloped roof = bandwidth × intensity:", "memory-bound — faster memory helps,", "more FLOP/s does not"], { size: 12, anchor: "start", fill: C.sky, weight: 600 });
  b += text(X(2500), Y(peak) + 100, ["flat roof = peak FLOP/s:", "compute-bound"], { size: 12, fill: C.green, weight: 600 });
  // example operations (intensities as computed in the lesson)
  const ops = [
    ["decode attention, MHA cache: 1 FLOP/B", 1, C.red, [10, 22, "start"]],
    ["decode matmul, batch 32: 31.8 FLOP/B", 31.8, C.pink, [10, -20, "start"]],
    ["decode attention, MLA cache: 242 FLOP/B", 242, C.blue, [-12, -16, "end"]],
    [["prefill matmul, 4,096 tokens:", "2,300 FLOP/B"], 2300, C.green, [0, 34, "middle"]],
  ];
  for (const [name, i, colour, [dx, dy, anchor]] of ops) {
    const t = Math.min(peak, i * bw);
    b += `<circle cx="${X(i)}" cy="${Y(t)}" r="7" fill="${colour}" stroke="${C.ink}"/>`;
    b += text(X(i) + dx, Y(t) + dy, name, { size: 12, anchor, fill: C.ink });
  }
  b += text(x0 + 6, H - 12, "attainable = min(peak, intensity × bandwidth) — Williams, Waterman & Patterson, CACM 2009", { size: 11, anchor: "start", fill: C.muted });
  return svg(W, H, b, { title: "Labelled roofline of the H800: sloped memory-bound roof, flat compute-bound roof, ridge point, and four operations" });
}

