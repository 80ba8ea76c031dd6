// Lesson 4's figures: one Elo update, and Bradley–Terry as a picture.
// Drawn into notebooks/figures/ by scripts/figures/build.mjs.
import { C, arrow, box, svg, text } from "./svg.mjs";

const expected = (ra, rb) => 1 / (1 + Math.pow(10, (rb - ra) / 400));

// --- 1. One Elo update: the expected score curve, one battle, both ratings move by the same amount.
export function eloUpdate() {
  const W = 820;
  const H = 420;
  const k = 32;
  const ra = 1100;
  const rb = 1000;
  const ea = expected(ra, rb);
  // A (the favourite) loses: S_A = 0
  const delta = k * (0 - ea);
  let b = "";
  b += text(W / 2, 26, "One Elo update: A (1100) loses to B (1000), K = 32", { size: 17, weight: 700 });
  // left: the curve E(d) = 1 / (1 + 10^(−d/400)), d = R_A − R_B in [−600, 600]
  const px = (d) => 70 + ((d + 600) / 1200) * 330;
  const py = (p) => 340 - p * 250;
  let path = "";
  for (let d = -600; d <= 600; d += 10) path += `${d === -600 ? "M" : "L"} ${px(d).toFixed(1)} ${py(1 / (1 + Math.pow(10, -d / 400))).toFixed(1)} `;
  b += `<line x1="${px(-600)}" y1="${py(0)}" x2="${px(600)}" y2="${py(0)}" stroke="${C.muted}"/><line x1="${px(0)}" y1="${py(0)}" x2="${px(0)}" y2="${py(1)}" stroke="${C.grid}"/>`;
  b += `<line x1="${px(-600)}" y1="${py(0.5)}" x2="${px(600)}" y2="${py(0.5)}" stroke="${C.grid}"/><line x1="${px(-600)}" y1="${py(1)}" x2="${px(600)}" y2="${py(1)}" stroke="${C.grid}"/>`;
  b += `<path d="${path}" fill="none" stroke="${C.blue}" stroke-width="3"/>`;
  b += text(px(-600) - 8, py(0), "0", { size: 11, anchor: "end", fill: C.muted }) + text(px(-600) - 8, py(0.5), "0.5", { size: 11, anchor: "end", fill: C.muted }) + text(px(-600) - 8, py(1), "1", { size: 11, anchor: "end", fill: C.muted });
  for (const d of [-400, 0, 400]) b += text(px(d), py(0) + 16, String(d), { size: 11, fill: C.muted });
  b += text(px(0), py(0) + 36, "rating difference R_A − R_B", { size: 12, fill: C.muted });
  b += text(px(-600) + 4, py(1) - 16, "expected score of A: E_A = 1 / (1 + 10^(−(R_A − R_B)/400))", { size: 12, anchor: "start", fill: C.blue, weight: 600 });
  // the point at d = 100
  b += `<line x1="${px(100)}" y1="${py(0)}" x2="${px(100)}" y2="${py(ea)}" stroke="${C.orange}" stroke-dasharray="4 3" stroke-width="2"/>`;
  b += `<line x1="${px(-600)}" y1="${py(ea)}" x2="${px(100)}" y2="${py(ea)}" stroke="${C.orange}" stroke-dasharray="4 3" stroke-width="2"/>`;
  b += `<circle cx="${px(100)}" cy="${py(ea)}" r="6" fill="${C.orange}"/>`;
  b += text(px(100) + 10, py(ea) + 18, `d = 100 → E_A = ${ea.toFixed(3)}`, { size: 12, anchor: "start", fill: C.orange, weight: 700 });
  // right: the update
  b += box(610, 110, 330, 64, ["update: R′ = R + K · (S − E)", "S = 1 win, ½ tie, 0 loss"], { size: 13 });
  b += box(610, 210, 330, 46, `A: 1100 + 32·(0 − ${ea.toFixed(3)}) = ${(ra + delta).toFixed(1)}`, { size: 13, stroke: C.red, mono: true, weight: 600 });
  b += box(610, 270, 330, 46, `B: 1000 + 32·(1 − ${(1 - ea).toFixed(3)}) = ${(rb - delta).toFixed(1)}`, { size: 13, stroke: C.green, mono: true, weight: 600 });
  b += text(610, 326, [`an upset moves both by ${Math.abs(delta).toFixed(1)} points;`, "points are only exchanged, never created"], { size: 12, fill: C.muted });
  b += text(610, 376, ["a win A was expected to get (E_A = 0.64) would have", `moved it by only ${(k * (1 - ea)).toFixed(1)}`], { size: 12, fill: C.muted });
  return svg(W, H, b, { title: "One Elo update: the expected-score curve and the rating change after an upset" });
}

// --- 2. Bradley–Terry: every model a point on one strength line; any pair's win chance from the gap.
export function bradleyTerry() {
  const W = 820;
  const H = 360;
  const models = [["model D", 930], ["model C", 990], ["model B", 1050], ["model A", 1160]];
  const sx = (r) => 80 + ((r - 880) / 340) * 660;
  let b = "";
  b += text(W / 2, 26, "Bradley–Terry: one strength per model explains every pair at once", { size: 17, weight: 700 });
  b += `<line x1="60" y1="250" x2="770" y2="250" stroke="${C.ink}" stroke-width="2" marker-end="url(#h1f2430)"/>`;
  b += text(770, 274, "rating (Elo scale)", { size: 12, anchor: "end", fill: C.muted });
  const colours = [C.sky, C.green, C.orange, C.blue];
  models.forEach(([name, r], i) => {
    b += `<circle cx="${sx(r)}" cy="250" r="11" fill="${colours[i]}"/>`;
    b += text(sx(r), 284, [name, String(r)], { size: 12, weight: 600 });
  });
  // arcs with predicted win probabilities
  const pairs = [[3, 2], [2, 0], [3, 0]];
  pairs.forEach(([i, j], n) => {
    const [a, ra] = models[i];
    const [, rb] = models[j];
    const x1 = sx(ra);
    const x2 = sx(rb);
    const h = 40 + n * 45;
    b += `<path d="M ${x1} 236 C ${x1} ${236 - h}, ${x2} ${236 - h}, ${x2} 236" fill="none" stroke="${colours[i]}" stroke-width="2"/>`;
    b += text((x1 + x2) / 2, 236 - h * 0.75 - 8, `P(${a.split(" ")[1]} beats ${models[j][0].split(" ")[1]}) = ${expected(ra, rb).toFixed(2)}`, { size: 12, fill: C.ink });
  });
  b += text(W / 2, 330, ["P(i beats j) = 1 / (1 + 10^((R_j − R_i)/400))", "the ratings are the maximum-likelihood fit to ALL battles at once: the order of the battles does not matter"], { size: 12, fill: C.muted });
  return svg(W, H, b, { title: "Bradley–Terry: models as points on a strength line; the gap between two sets their win probability" });
}

