// Lesson 6's figure: the assembled mini-V3 — lesson 1's MLA and lesson 2's DeepSeekMoE in one block
// of lesson 3's tiny transformer, beside the dense baseline it is matched against (same active
// parameters per token). Symbolic (config names, not numbers): the lesson prints the entrants' numbers.
// Drawn into notebooks/figures/ by scripts/figures/build.mjs.
import { C, arrow, box, pathArrow, svg, text } from "./svg.mjs";

const plus = (x, y) =>
  `<circle cx="${x}" cy="${y}" r="12" fill="${C.paper}" stroke="${C.orange}" stroke-width="3"/>` + text(x, y, "+", { size: 17, weight: 700, fill: C.orange });

export function miniV3() {
  const W = 1200;
  const H = 630;
  const Y = 330; // the residual stream
  let b = "";
  b += text(W / 2, 24, 'mini-V3: DeepSeek-V3\'s block, small — TinyTransformer with attention "mla" and ffn "moe"', { size: 17, weight: 700 });

  // the residual stream, end to end
  b += text(4, Y, "tokens", { size: 13, weight: 600, anchor: "start" });
  b += arrow(60, Y, 73, Y);
  b += box(118, Y, 88, 38, "embedding", { size: 13, stroke: C.muted, fill: C.paper });
  b += `<rect x="176" y="50" width="880" height="338" rx="14" fill="${C.tint}" stroke="${C.blue}" stroke-width="2" stroke-dasharray="7 5"/>`;
  b += text(1044, 372, "× nLayers", { size: 13, anchor: "end", fill: C.blue, weight: 700 });
  b += `<line x1="162" y1="${Y}" x2="1062" y2="${Y}" stroke="${C.orange}" stroke-width="5" stroke-linecap="round"/>`;
  b += arrow(1062, Y, 1074, Y, { color: C.orange });
  b += text(600, Y + 22, "residual stream (dModel numbers per token)", { size: 11, fill: C.orange, weight: 600 });
  b += box(1120, Y, 84, 34, "RMSNorm", { size: 12, stroke: C.muted, fill: C.paper });
  b += box(1120, Y + 56, 84, 38, ["output", "head"], { size: 12, stroke: C.muted, fill: C.paper });
  b += box(1120, Y + 112, 84, 34, "softmax", { size: 12, stroke: C.muted, fill: C.paper });
  b += arrow(1120, Y + 17, 1120, Y + 37);
  b += arrow(1120, Y + 75, 1120, Y + 95);

  // --- sublayer 1: MLA (lesson 1)
  b += text(206, 76, "MLA attention — across tokens (lesson 1)", { size: 13, weight: 700, fill: C.blue, anchor: "start" });
  b += pathArrow(`M 196 ${Y} L 196 110 L 206 110`, { color: C.orange });
  b += box(242, 110, 72, 32, "RMSNorm", { size: 11, stroke: C.muted, fill: C.paper });
  b += arrow(278, 110, 296, 110);
  b += box(370, 110, 144, 48, ["W_DKV compresses", "h → c_kv and k_rope"], { size: 11, stroke: C.blue });
  b += arrow(442, 110, 458, 110);
  b += box(536, 110, 152, 48, ["KV cache per token:", "kvLoraRank + rope"], { size: 11, stroke: C.red, fill: "#fdf0ec" });
  b += arrow(536, 134, 536, 164);
  b += box(470, 188, 340, 44, ["every head reads the latent: W_UK absorbed", "into the query, W_UV into the output W_O"], { size: 11, stroke: C.blue });
  b += pathArrow(`M 640 188 L 660 188 L 660 ${Y - 14}`, { color: C.blue });
  b += plus(660, Y);

  // --- sublayer 2: DeepSeekMoE (lesson 2)
  b += text(690, 76, "DeepSeekMoE FFN — per token (lesson 2)", { size: 13, weight: 700, fill: C.green, anchor: "start" });
  b += pathArrow(`M 680 ${Y} L 680 110 L 690 110`, { color: C.orange });
  b += box(726, 110, 72, 32, "RMSNorm", { size: 11, stroke: C.muted, fill: C.paper });
  b += arrow(762, 110, 778, 110);
  b += box(856, 110, 152, 48, ["gate: sigmoid(u · e_i)", "+ bias b_i, to choose"], { size: 11, stroke: C.orange });
  b += arrow(932, 110, 946, 110);
  b += box(990, 110, 84, 48, ["top-K of", "nExperts"], { size: 11, stroke: C.orange });
  // routed experts: a row of small squares, K of them filled
  const chosen = new Set([1, 6]);
  for (let i = 0; i < 8; i++) {
    const x = 750 + i * 22;
    const on = chosen.has(i);
    b += `<rect x="${x}" y="176" width="16" height="16" rx="3" fill="${on ? C.green : C.paper}" stroke="${C.green}" stroke-width="${on ? 2 : 1}"/>`;
  }
  b += text(838, 208, "routed experts (small SwiGLUs); filled: chosen", { size: 11, fill: C.green });
  b += pathArrow("M 990 134 L 990 160 L 934 180", { color: C.orange, dashed: true });
  b += box(838, 246, 180, 34, "shared expert: every token", { size: 11, stroke: C.sky });
  b += pathArrow(`M 930 184 L 1030 184 L 1030 ${Y - 14}`, { color: C.green });
  b += pathArrow("M 928 246 L 1024 246", { color: C.sky });
  b += plus(1030, Y);
  b += box(838, 292, 300, 30, "after each step: b_i −= γ · sign(load_i − mean load)", { size: 10.5, stroke: C.red, fill: "#fdf0ec", weight: 400, dashed: true });

  // --- the dense baseline and what is matched
  const by = 484;
  b += text(W / 2, by - 20, "the baseline it is matched against", { size: 13, weight: 700 });
  b += box(330, by + 30, 460, 56, ["dense: MHA + one SwiGLU per block", "caches 2 · nHeads · headDim numbers per token per layer"], { size: 12, stroke: C.muted, fill: C.paper });
  b += box(870, by + 30, 460, 56, ["mini-V3: the same active parameters per token", "(shared + top-K routed experts ≈ the dense SwiGLU)"], { size: 12, stroke: C.green, fill: C.paper });
  b += text(W / 2, by + 92, "active = what one token uses; total = every weight stored. Compute per token follows active; memory follows total and the KV cache.", { size: 11.5, fill: C.muted });
  b += text(W / 2, by + 114, "Training FLOPs ≈ 6 · active parameters · training tokens — the x-axis of the lesson's compute chart.", { size: 11.5, fill: C.muted });
  return svg(W, H, b, {
    title: "mini-V3: embedding, nLayers blocks of MLA attention (compressed latent KV cache) and DeepSeekMoE (sigmoid gate with balancing bias, shared and routed experts) on the residual stream, output head; matched with a dense MHA + SwiGLU model at equal active parameters",
  });
}
