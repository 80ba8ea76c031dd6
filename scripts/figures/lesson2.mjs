// Lesson 2's figure: one DeepSeekMoE layer — the gate with its balancing bias, one shared expert,
// many fine-grained routed experts of which a token uses a few. Drawn by scripts/figures/build.mjs.
import { C, arrow, box, pathArrow, svg, text } from "./svg.mjs";

/** @param v3 DeepSeek-V3's config (nRoutedExperts, numExpertsPerTok, nSharedExperts, expertFfnHidden, dModel, nGroup, topkGroup) */
export function moeLayer(v3) {
  const W = 1040;
  const H = 392;
  const N = v3.nRoutedExperts;
  const K = v3.numExpertsPerTok;
  const GATE = C.orange;
  const BIAS = C.red;
  let b = text(W / 2, 22, `One DeepSeekMoE layer for one token (DeepSeek-V3: ${v3.nSharedExperts} shared + ${N} routed experts, ${K} routed active)`, { size: 15, weight: 700 });
  // the token
  b += box(56, 232, 84, 50, ["u_t", `[${v3.dModel}]`], { size: 13, stroke: C.orange, fill: C.paper });
  // the gate row
  b += pathArrow("M 98 215 L 118 215 L 118 92 L 130 92");
  b += box(212, 92, 164, 52, ["gate: affinities", "s_i = sigmoid(u_t · e_i)"], { size: 12, stroke: GATE });
  b += arrow(294, 92, 312, 92);
  b += box(390, 92, 152, 52, ["+ bias b_i", "for choosing only"], { size: 12, stroke: BIAS });
  b += arrow(466, 92, 484, 92);
  b += box(580, 92, 192, 52, [`top-${K} of ${N}`, `(in the best ${v3.topkGroup} of ${v3.nGroup} groups)`], { size: 12, stroke: GATE });
  b += arrow(676, 92, 694, 92);
  b += box(832, 92, 272, 52, ["weights g_i = s_i / Σ s_j", "(unbiased s, chosen experts only)"], { size: 12, stroke: GATE });
  // routed experts
  const chosen = new Set([3, 9, 14, 20, 22, 27, 33, 41].slice(0, K));
  const shown = 48; // squares drawn for the routed experts
  const perRow = 16;
  const cell = 15;
  const x0 = 470;
  const y0 = 190;
  for (let i = 0; i < shown; i++) {
    const x = x0 + (i % perRow) * (cell + 4);
    const y = y0 + Math.floor(i / perRow) * (cell + 5);
    const on = chosen.has(i);
    b += `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" rx="3" fill="${on ? C.green : C.paper}" stroke="${C.green}" stroke-width="${on ? 2 : 1}"${on ? "" : ' opacity="0.7"'}/>`;
  }
  b += text(x0 + perRow * (cell + 4) + 4, y0 + 28, "…", { size: 20, anchor: "start", fill: C.green, weight: 700 });
  b += text(x0 + 150, y0 + 74, [`${N} routed experts, each a small SwiGLU (${v3.expertFfnHidden} wide)`, `filled: the ${K} this token uses`], { size: 12, fill: C.green, weight: 600 });
  b += pathArrow("M 98 220 L 462 220", { color: C.muted });
  b += pathArrow(`M 580 118 L 580 184`, { color: GATE, dashed: true });
  b += text(588, 150, "which experts", { size: 11, fill: GATE, anchor: "start" });
  // shared expert
  b += pathArrow("M 98 246 L 118 246 L 118 330 L 552 330", { color: C.muted });
  b += box(620, 330, 134, 46, ["shared expert", "every token"], { size: 12, stroke: C.sky, strokeWidth: 2.5 });
  // combine
  b += pathArrow("M 790 220 L 884 220", { color: C.green });
  b += pathArrow("M 687 330 L 900 330 L 900 236", { color: C.sky });
  b += pathArrow("M 940 118 L 940 170 L 906 206", { color: GATE, dashed: true });
  b += text(948, 150, "their weights", { size: 11, fill: GATE, anchor: "start" });
  b += `<circle cx="900" cy="220" r="15" fill="${C.paper}" stroke="${C.orange}" stroke-width="3"/>` + text(900, 220, "+", { size: 18, weight: 700, fill: C.orange });
  b += arrow(915, 220, 990, 220, { color: C.orange });
  b += text(996, 220, "out", { size: 12, anchor: "start", fill: C.orange, weight: 600 });
  b += text(840, 372, "h'_t = u_t + shared(u_t) + Σ g_i · expert_i(u_t)", { size: 12, mono: true });
  // the bias loop
  b += `<rect x="138" y="132" width="234" height="64" rx="10" fill="#fdf0ec" stroke="${BIAS}" stroke-width="1.5" stroke-dasharray="6 4"/>`;
  b += text(255, 164, ["after each step: overloaded experts", "b_i −= γ, underloaded b_i += γ.", "No loss term, no gradient."], { size: 11 });
  b += pathArrow("M 466 198 L 420 198 L 420 122", { color: BIAS, dashed: true });
  b += text(426, 170, "load", { size: 11, fill: BIAS, anchor: "start" });
  return svg(W, H, b, { title: "A DeepSeekMoE layer: gate with balancing bias, a shared expert, fine-grained routed experts, weighted sum back into the residual stream" });
}
