// extractAnswer (lib/reasoning/extract.ts) on 200 KB of adversarial text per case — the shapes
// that made the old regex-based reader quadratic ("answer is 1\n" × 16,000 took 4 s, "answer (" ×
// 40,000 took 7.6 s) — next to the same case at 50 KB in the same run: linear time shows as a
// ratio near 4, quadratic as 16. Goal: every 200 KB case within 50 ms.
import { extractAnswer } from "seeklab";

const CASES = {
  "answer is 1\\n": (k) => "answer is 1\n".repeat(k),
  "answer (": (k) => "answer (".repeat(k),
  "\\boxed{ unclosed": (k) => "\\boxed{".repeat(k),
  "<answer> unclosed": (k) => "<answer>".repeat(k),
  "<think> unclosed": (k) => "<think>".repeat(k),
  "\\frac{1 unclosed": (k) => "\\frac{1".repeat(k),
  "answer is … \\n5": (k) => "answer is ".repeat(k) + "\n5",
  "1,1,1,…": (k) => "1,".repeat(k),
  "minus minus … 5": (k) => "minus ".repeat(k) + "5",
  "nested \\boxed": (k) => "\\boxed{".repeat(k) + "1" + "}".repeat(k),
  "12 12 12 …": (k) => "12 ".repeat(k),
  "10^{10^{…": (k) => "10^{".repeat(k),
};

function best(text, runs = 5) {
  let ms = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    extractAnswer(text);
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

export default {
  name: "extract",
  description: "extractAnswer on 50 KB and 200 KB of adversarial text (best of 5); goal ≤ 50 ms at 200 KB, ratio ≈ 4 (linear)",
  async run() {
    return Object.entries(CASES).map(([name, make]) => {
      const unit = make(1).length;
      const ms50 = best(make(Math.ceil(50_000 / unit)));
      const ms200 = best(make(Math.ceil(200_000 / unit)));
      return { case: name, "50 KB ms": ms50, "200 KB ms": ms200, "200/50 ratio": ms200 / ms50, "≤ 50 ms": ms200 <= 50 ? "yes" : "NO" };
    });
  },
};
