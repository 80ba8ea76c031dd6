// "You are here": one DeepSeek-V3 block on the residual stream, drawn once per lesson with that
// lesson's part highlighted (lessons 1–3 open with it). Same style as lesson 3's tiny transformer:
// the residual stream in orange, attention blue, feed-forward green, "+" where a sublayer adds back.
import { C, arrow, box, pathArrow, svg, text } from "./svg.mjs";

const plus = (x, y) =>
  `<circle cx="${x}" cy="${y}" r="12" fill="${C.paper}" stroke="${C.orange}" stroke-width="3"/>` + text(x, y, "+", { size: 17, weight: 700, fill: C.orange });

/** A red "you are here" flag whose tip is at (x, y). */
export function hereFlag(x, y, label = "you are here") {
  // A white halo behind the label keeps it readable where it crosses the block's dashed frame.
  return `<path d="M${x},${y} l-7,-11 h14 z" fill="${C.red}"/>` +
    `<g stroke="${C.paper}" stroke-width="5" stroke-linejoin="round" paint-order="stroke">${text(x, y - 20, label, { size: 13, weight: 700, fill: C.red })}</g>`;
}

/**
 * @param {"attention" | "moe" | "model" | "none"} here which part to highlight
 * @param {{ layers: number, denseLayers: number, dModel: number }} v3 DeepSeek-V3's shape
 */
export function blockMap(here, v3) {
  const W = 1060;
  const H = 250;
  const Y = 182; // the residual stream
  const on = (part) => here === part;
  let b = "";
  // the frame of one block
  b += `<rect x="170" y="40" width="590" height="198" rx="14" fill="${on("model") ? "#fdf0ec" : C.tint}" stroke="${on("model") ? C.red : C.blue}" stroke-width="2" stroke-dasharray="7 5"/>`;
  b += text(185, 226, `one block — DeepSeek-V3 stacks ${v3.layers} (the first ${v3.denseLayers} with a dense FFN instead of MoE)`, { size: 12, anchor: "start", fill: C.muted });
  if (on("model")) b += hereFlag(465, 36, "you are here: the whole block, trained small");

  // the residual stream
  b += text(8, Y, "tokens", { size: 14, weight: 600, anchor: "start" });
  b += arrow(58, Y, 70, Y);
  b += box(118, Y, 92, 38, "embedding", { size: 13, stroke: C.muted, fill: C.paper });
  b += `<line x1="164" y1="${Y}" x2="770" y2="${Y}" stroke="${C.orange}" stroke-width="5" stroke-linecap="round"/>`;
  b += arrow(770, Y, 784, Y, { color: C.orange });
  b += text(465, Y + 22, `residual stream: one hidden state per token (${v3.dModel.toLocaleString("en-US")} numbers); sublayers add to it`, { size: 11, fill: C.orange, weight: 600 });

  const sublayer = (x0, label, note, colour, part, plusX) => {
    const y = 96;
    let s = pathArrow(`M ${x0} ${Y} L ${x0} ${y} L ${x0 + 12} ${y}`, { color: C.orange });
    s += box(x0 + 49, y, 74, 34, "RMSNorm", { size: 12, stroke: C.muted, fill: C.paper });
    s += arrow(x0 + 86, y, x0 + 102, y);
    s += box(x0 + 180, y, 156, 56, label, { size: 14, stroke: colour, fill: on(part) ? "#fdf0ec" : C.paper, strokeWidth: on(part) ? 3.5 : 2 });
    s += text(x0 + 180, y + 40, note, { size: 11, fill: C.muted });
    s += pathArrow(`M ${x0 + 258} ${y} L ${plusX} ${y} L ${plusX} ${Y - 14}`, { color: colour });
    s += plus(plusX, Y);
    if (on(part)) s += hereFlag(x0 + 180, y - 32);
    return s;
  };
  b += sublayer(188, ["MLA", "attention"], "across tokens · lesson 1", C.blue, "attention", 468);
  b += sublayer(488, ["DeepSeekMoE", "feed-forward"], "per token · lesson 2", C.green, "moe", 746);

  // after the last block
  b += box(824, Y, 76, 36, "RMSNorm", { size: 12, stroke: C.muted, fill: C.paper });
  b += arrow(862, Y, 876, Y);
  b += box(916, Y, 78, 44, ["output", "head"], { size: 12, stroke: C.muted, fill: C.paper });
  b += arrow(955, Y, 969, Y);
  b += box(1011, Y, 82, 44, ["softmax"], { size: 12, stroke: C.muted, fill: C.paper });
  b += text(1011, Y - 42, ["next-token", "probabilities"], { size: 11, fill: C.muted });
  const what = here === "model" ? "the whole block" : here === "attention" ? "attention" : here === "moe" ? "the MoE feed-forward layer" : "";
  return svg(W, H, b, { title: `One DeepSeek-V3 block on the residual stream${what ? `; highlighted: ${what}` : ""}` });
}
