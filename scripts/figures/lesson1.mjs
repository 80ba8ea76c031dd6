// Lesson 1's figures: what each attention variant caches per token (to scale), and MLA's data flow
// with DeepSeek-V3's shapes. Drawn by scripts/figures/build.mjs from the published config.
import { C, arrow, box, pathArrow, svg, text } from "./svg.mjs";

const LATENT = C.pink;
const KEY = C.blue;
const VALUE = C.green;
const ROPE = C.orange;

/**
 * The four caches side by side, to scale: one small square is one head's vector (headDim numbers).
 * @param v3 DeepSeek-V3's config; `counts` numbers per token per layer from kvCacheElementsPerTokenPerLayer
 */
export function fourCaches(v3, counts) {
  const W = 1000;
  const H = 350;
  const unit = v3.headDim; // numbers per square
  const cell = 9;
  const gap = 1;
  const cols = [
    { name: "MHA", sub: `${v3.nHeads} key + ${v3.nHeads} value heads`, kv: v3.nHeads, share: "each K/V head serves 1 query head", n: counts.mha },
    { name: "GQA-8", sub: "8 key + 8 value heads", kv: 8, share: `each K/V head serves ${v3.nHeads / 8} query heads`, n: counts.gqa },
    { name: "MQA", sub: "1 key + 1 value head", kv: 1, share: `one K/V head serves all ${v3.nHeads}`, n: counts.mqa },
    { name: "MLA", sub: `latent c_kv (${v3.kvLoraRank}) + rope key k_pe (${v3.qkRopeHeadDim})`, kv: 0, share: "K and V rebuilt from the latent", n: counts.mla },
  ];
  let b = text(W / 2, 24, `What one token leaves in the KV cache of one layer (DeepSeek-V3 shapes; one square = ${unit} numbers)`, { size: 15, weight: 700 });
  cols.forEach((col, i) => {
    const cx = 125 + i * 250;
    b += text(cx, 58, col.name, { size: 17, weight: 700, fill: col.name === "MLA" ? LATENT : C.ink });
    b += text(cx, 80, col.sub, { size: 12, fill: C.muted });
    const gridTop = 100;
    const perRow = 16;
    const squares = [];
    if (col.kv > 0) {
      for (let k = 0; k < col.kv; k++) squares.push(KEY);
      for (let k = 0; k < col.kv; k++) squares.push(VALUE);
    } else {
      for (let k = 0; k < v3.kvLoraRank / unit; k++) squares.push(LATENT);
    }
    const rows = Math.ceil(squares.length / perRow);
    const width = Math.min(squares.length, perRow) * (cell + gap);
    squares.forEach((colour, k) => {
      const x = cx - width / 2 + (k % perRow) * (cell + gap);
      const y = gridTop + Math.floor(k / perRow) * (cell + gap);
      b += `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${colour}" opacity="0.85"/>`;
    });
    if (col.kv === 0) {
      // the rope key: half a square (64 of 128 numbers)
      const x = cx - width / 2 + squares.length * (cell + gap);
      b += `<rect x="${x}" y="${gridTop}" width="${(cell * v3.qkRopeHeadDim) / unit}" height="${cell}" fill="${ROPE}"/>`;
    }
    const below = gridTop + rows * (cell + gap) + 8;
    const y0 = Math.max(below, 176) + 90;
    b += text(cx, y0, `${col.n.toLocaleString("en-US")} numbers`, { size: 16, weight: 700, fill: col.name === "MLA" ? LATENT : C.ink });
    b += text(cx, y0 + 22, col.n === counts.mha ? "the baseline" : `${Number((counts.mha / col.n).toFixed(1))}× less than MHA`, { size: 12, fill: C.muted });
    b += text(cx, y0 + 42, col.share, { size: 11, fill: C.muted });
  });
  // legend
  const legend = [[KEY, "key head"], [VALUE, "value head"], [LATENT, "latent c_kv"], [ROPE, "rope key k_pe (shared by all heads)"]];
  let lx = 200;
  for (const [colour, label] of legend) {
    b += `<rect x="${lx}" y="${H - 22}" width="12" height="12" fill="${colour}"/>`;
    b += text(lx + 18, H - 16, label, { size: 12, anchor: "start", fill: C.muted });
    lx += 40 + label.length * 7;
  }
  return svg(W, H, b, { title: "What MHA, GQA-8, MQA and MLA cache per token and layer, to scale" });
}

/** MLA's data flow for one token, with DeepSeek-V3's shapes and the library's weight names. */
export function mlaFlow(v3) {
  const W = 1080;
  const H = 442;
  const { dModel, qLoraRank: dq, kvLoraRank: dc, nHeads: nh, qkNopeHeadDim: dn, qkRopeHeadDim: dr, vHeadDim: dv } = v3;
  const yQ = 84;
  const yKV = 262;
  let b = text(W / 2, 22, `MLA for one token, DeepSeek-V3 shapes (library weight names in brackets)`, { size: 15, weight: 700 });
  // input
  b += box(58, 175, 84, 50, ["h_t", `[${dModel}]`], { size: 13, stroke: C.orange, fill: C.paper });
  b += pathArrow(`M 100 165 L 118 165 L 118 ${yQ} L 132 ${yQ}`);
  b += pathArrow(`M 100 185 L 118 185 L 118 ${yKV} L 132 ${yKV}`);
  // query lane
  b += box(185, yQ, 104, 46, ["W_DQ (wqA)", `${dModel}→${dq}`], { size: 12 });
  b += arrow(237, yQ, 252, yQ);
  b += box(302, yQ, 96, 46, ["RMSNorm", `c_q [${dq}]`], { size: 12, stroke: C.muted });
  b += arrow(350, yQ, 365, yQ);
  b += box(420, yQ, 106, 46, ["W_UQ (wqB)", `${dq}→${nh}·${dn + dr}`], { size: 12 });
  b += arrow(473, yQ, 488, yQ);
  b += box(575, yQ, 172, 46, ["queries", `[${nh} heads × (${dn}+${dr})]`], { size: 12, stroke: KEY });
  b += pathArrow(`M 661 ${yQ - 10} L 850 ${yQ - 10} L 850 150`, { color: KEY });
  b += text(760, yQ - 22, `q_nope [${nh} × ${dn}]`, { size: 11, fill: KEY });
  b += pathArrow(`M 600 107 L 600 126 L 681 126`, { color: ROPE });
  b += box(720, 126, 78, 30, ["RoPE"], { size: 12, stroke: ROPE, fill: C.paper });
  b += pathArrow(`M 759 126 L 790 126 L 790 150`, { color: ROPE });
  b += text(530, 126, `q_pe [${nh} × ${dr}]`, { size: 11, fill: ROPE });
  // key/value lane
  b += box(200, yKV, 136, 46, ["W_DKV | W_KR (wkvA)", `${dModel}→${dc}+${dr}`], { size: 11 });
  b += pathArrow(`M 268 ${yKV - 10} L 276 ${yKV - 10} L 276 226 L 293 226`, { color: LATENT });
  b += pathArrow(`M 268 ${yKV + 10} L 276 ${yKV + 10} L 276 306 L 293 306`, { color: ROPE });
  b += `<rect x="282" y="196" width="116" height="140" rx="10" fill="none" stroke="${LATENT}" stroke-width="2.2" stroke-dasharray="6 4"/>`;
  b += box(340, 226, 92, 44, ["RMSNorm", `c_kv [${dc}]`], { size: 12, stroke: LATENT });
  b += box(340, 306, 92, 44, ["RoPE", `k_pe [${dr}]`], { size: 12, stroke: ROPE });
  b += text(340, 354, ["the KV cache:", `${dc} + ${dr} = ${dc + dr} numbers`], { size: 12, weight: 700, fill: LATENT });
  // up-projections (the naive path)
  b += arrow(386, 220, 453, 204, { color: LATENT });
  b += arrow(386, 232, 453, 254, { color: LATENT });
  b += box(530, 204, 152, 40, ["W_UK (wkvB)", `→ k_nope [${nh} × ${dn}]`], { size: 11, stroke: KEY });
  b += box(530, 256, 152, 40, ["W_UV (wkvB)", `→ v [${nh} × ${dv}]`], { size: 11, stroke: VALUE });
  b += arrow(606, 204, 698, 204, { color: KEY });
  b += arrow(606, 256, 698, 256, { color: VALUE });
  b += pathArrow(`M 386 306 L 760 306 L 760 286`, { color: ROPE });
  b += text(560, 318, "k_pe: one rope key, shared by every head", { size: 11, fill: ROPE });
  // attention
  b += box(820, 220, 240, 132, undefined, { stroke: C.ink, fill: C.paper });
  b += text(820, 172, "attention, each head i", { size: 13, weight: 700 });
  b += text(820, 204, ["score = q_nope·k_nope + q_pe·k_pe", `p = softmax(score / √${dn + dr})`, "o_i = Σ_j p_j · v_j"], { size: 11, mono: true });
  b += text(820, 268, `o: [${nh} × ${dv}]`, { size: 11, fill: C.muted });
  b += arrow(940, 220, 952, 220);
  b += box(1010, 220, 112, 46, ["W_O (wo)", `${nh}·${dv}→${dModel}`], { size: 12 });
  b += arrow(1010, 243, 1010, 290, { color: C.orange });
  b += text(1010, 304, `output [${dModel}]`, { size: 12, fill: C.orange, weight: 600 });
  // the absorbed path
  b += `<rect x="470" y="362" width="600" height="70" rx="10" fill="${C.tint}" stroke="${LATENT}" stroke-width="1.5"/>`;
  b += text(770, 397, [
    `Absorbed decode (§6): fold W_UK into the query (one ${dc}-number`,
    `query per head), apply W_UV after the average: attention reads only the`,
    `${dc + dr} cached numbers, never the ${nh}·(${dn}+${dv}) = ${(nh * (dn + dv)).toLocaleString("en-US")} they expand to.`,
  ], { size: 12 });
  return svg(W, H, b, { title: "MLA's data flow for one token with DeepSeek-V3's shapes: query and key/value lanes, the cached latent and rope key, attention, output" });
}
