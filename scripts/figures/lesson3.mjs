// Lesson 3's figures: the tiny transformer the lesson trains, and GRPO's loop.
// Drawn into notebooks/figures/ by scripts/figures/build.mjs.
import { C, arrow, box, pathArrow, svg, text } from "./svg.mjs";

// --- 1. The tiny transformer: characters in, a next-character distribution out.
export function tinyTransformer() {
  const W = 760;
  const H = 700;
  const x = 330; // main column
  const rx = 120; // residual stream
  let b = "";
  b += text(W / 2, 28, "Lesson 3's tiny transformer (lib/model)", { size: 17, weight: 700 });
  // input
  b += box(x, 78, 300, 40, '"47+83=" → token ids [batch, seq]', { mono: true, size: 13, stroke: C.muted, fill: C.paper });
  b += arrow(x, 98, x, 128);
  b += box(x, 150, 360, 40, "embedding: one dModel vector per token", { size: 13 });
  b += arrow(x, 170, x, 196, { label: "[batch, seq, dModel]", dx: 90, mono: true, size: 11 });
  // the block frame
  b += `<rect x="70" y="200" width="560" height="330" rx="16" fill="none" stroke="${C.blue}" stroke-width="2" stroke-dasharray="7 5"/>`;
  b += text(610, 218, "× nLayers", { size: 13, anchor: "end", fill: C.blue, weight: 700 });
  // residual stream line
  b += `<line x1="${rx}" y1="196" x2="${rx}" y2="590" stroke="${C.orange}" stroke-width="5" stroke-linecap="round"/>`;
  b += text(rx - 10, 380, ["residual", "stream"], { size: 12, anchor: "end", fill: C.orange, weight: 700 });
  b += `<line x1="${x}" y1="176" x2="${x}" y2="196" stroke="${C.ink}" stroke-width="2"/><line x1="${rx}" y1="196" x2="${x}" y2="196" stroke="${C.orange}" stroke-width="5"/>`;
  // sub-layer 1: attention
  const sub = (y0, norm, main, note, colour) => {
    let s = "";
    s += arrow(rx, y0, x - 130, y0, { color: C.orange });
    s += box(x - 60, y0, 140, 34, norm, { size: 12, stroke: C.muted });
    s += arrow(x + 10, y0, x + 50, y0);
    s += box(x + 145, y0, 190, 50, main, { size: 13, stroke: colour });
    s += text(x + 145, y0 + 40, note, { size: 11, fill: C.muted });
    // back into the stream with a +
    s += pathArrow(`M ${x + 240} ${y0} L ${x + 270} ${y0} L ${x + 270} ${y0 + 70} L ${rx + 14} ${y0 + 70}`, { color: colour });
    s += `<circle cx="${rx}" cy="${y0 + 70}" r="13" fill="${C.paper}" stroke="${C.orange}" stroke-width="3"/>` + text(rx, y0 + 70, "+", { size: 18, weight: 700, fill: C.orange });
    return s;
  };
  b += sub(260, "RMSNorm", ["attention", "(nHeads heads, RoPE)"], "each position mixes in earlier positions", C.blue);
  b += sub(420, "RMSNorm", ["feed-forward", "(SwiGLU)"], "each position alone: w2(silu(x·w1) ⊙ x·w3)", C.green);
  // output
    b += `<line x1="${rx}" y1="590" x2="${x - 170}" y2="590" stroke="${C.orange}" stroke-width="5"/>`;
  b += box(x + 20, 590, 380, 36, "final RMSNorm → output head (dModel → vocab)", { size: 12 });
  b += arrow(x, 608, x, 636, { label: "logits [batch, seq, vocab]", dx: 100, mono: true, size: 11 });
  b += box(x, 660, 300, 40, "softmax → P(next character)", { size: 13, stroke: C.pink });
  b += text(650, 660, ["training: cross-entropy", "on the answer characters"], { size: 12, fill: C.muted });
  return svg(W, H, b, { title: "The tiny transformer: embedding, nLayers blocks of attention and feed-forward on a residual stream, output head and softmax" });
}

// --- 2. GRPO: sample a group, score it, compare within the group, nudge the policy.
export function grpoLoop() {
  const W = 820;
  const H = 430;
  let b = "";
  b += text(W / 2, 28, "GRPO: one step (DeepSeekMath §4.1; R1 §2.2)", { size: 17, weight: 700 });
  b += box(120, 120, 170, 56, ["question", '"38*47="'], { size: 13, stroke: C.muted, fill: C.paper });
  b += arrow(205, 120, 275, 120);
  b += box(360, 120, 160, 56, ["policy π_θ", "(the model)"], { size: 14 });
  b += arrow(440, 120, 510, 120, { label: ["sample", "G answers"], dy: 26 });
  // the group
  const answers = [["38*7+38*40=…=1786", "1"], ["…=1796", "0"], ["…=1786", "1"], ["…=1686", "0"]];
  answers.forEach(([a, r], i) => {
    const y = 70 + i * 34;
    b += box(620, y, 200, 28, a, { size: 11, mono: true, r: 6, stroke: r === "1" ? C.green : C.red, fill: C.paper, weight: 400 });
    b += text(740, y, `r=${r}`, { size: 12, mono: true, fill: r === "1" ? C.green : C.red, anchor: "start", weight: 700 });
  });
  b += text(620, 218, "reward: is the final answer right? (no learned critic)", { size: 11, fill: C.muted });
  b += arrow(620, 232, 620, 268);
  b += box(620, 300, 300, 60, ["advantage within the group", "A_i = (r_i − mean r) / std r"], { size: 13, stroke: C.orange });
  b += arrow(470, 300, 440, 300);
  b += box(285, 300, 300, 84, ["update θ to raise log π(answer_i) · A_i,", "ratio clipped to [1−ε, 1+ε]", "minus β · KL(π_θ ‖ π_ref)"], { size: 12, stroke: C.blue });
  b += pathArrow("M 300 258 C 300 220, 360 190, 360 152", { color: C.blue });
  b += text(300, 376, "right answers that beat their group's average become more likely; wrong ones less", { size: 12, fill: C.muted });
  b += text(300, 400, "the clip and the KL keep each step small (PPO's idea, without a value network)", { size: 12, fill: C.muted });
  return svg(W, H, b, { title: "GRPO loop: question, policy samples a group of answers, rewards, group-relative advantages, clipped update with a KL penalty" });
}

