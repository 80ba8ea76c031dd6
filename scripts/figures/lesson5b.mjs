// Lesson 5b's figure: Jevons' paradox as three outcomes of one 10× efficiency gain, one per price
// elasticity ε (the constant-elasticity model of lib/hardware/jevons.ts, whose numbers it uses).
// Drawn into notebooks/figures/ by scripts/figures/build.mjs.
import { C, arrow, box, svg, text } from "./svg.mjs";

const fmt = (v) => (v >= 1 ? `×${v.toFixed(v >= 10 ? 0 : 2)}` : `×${v.toFixed(2)}`);

/** @param outcome lib/hardware's jevonsOutcome(efficiency, elasticity) */
export function jevonsOutcomes(outcome) {
  const W = 860;
  const H = 430;
  const efficiency = 10;
  let b = "";
  b += text(W / 2, 26, "Jevons' paradox: tokens get 10× cheaper — what happens to GPU-hours?", { size: 17, weight: 700 });
  b += box(150, 215, 220, 92, ["cost per token ÷ 10", "(savings passed on", "to the price)"], { size: 14 });
  const cases = [
    [1.5, "ε = 1.5: demand is elastic", C.green, "Jevons: GPU-hours RISE"],
    [1.0, "ε = 1: spending unchanged", C.orange, "GPU-hours unchanged"],
    [0.5, "ε = 0.5: demand is inelastic", C.red, "GPU-hours FALL"],
  ];
  cases.forEach(([eps, label, colour, verdict], i) => {
    const y = 95 + i * 120;
    const o = outcome(efficiency, eps);
    b += arrow(262, 215, 372, y, { color: colour });
    b += box(485, y, 216, 70, [label, `tokens bought ${fmt(o.tokens)}`], { size: 13, stroke: colour });
    b += arrow(594, y, 650, y, { color: colour });
    b += box(750, y, 196, 70, [verdict, `GPU-hours ${fmt(o.gpuHours)}`], { size: 13, stroke: colour, weight: 700 });
  });
  b += text(W / 2, H - 36, "tokens bought = price^(−ε) = 10^ε;   GPU-hours = tokens ÷ 10 = 10^(ε − 1): the answer flips at ε = 1", { size: 12, fill: C.muted, mono: true });
  b += text(W / 2, H - 14, "W. S. Jevons, The Coal Question (1865), ch. VII — the model, not a forecast: ε for AI is an empirical question", { size: 11, fill: C.muted });
  return svg(W, H, b, { title: "Jevons' paradox: a 10× cheaper token leads to more, equal or fewer GPU-hours depending on the price elasticity of demand" });
}
