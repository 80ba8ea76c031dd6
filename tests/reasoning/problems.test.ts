import { describe, expect, it } from "vitest";
import {
  additionScratchpad,
  arithmeticProblem,
  arithmeticProblems,
  checkScratchpad,
  multiplicationScratchpad,
  problemKey,
  problemStream,
} from "../../lib/reasoning/problems.js";
import { WORD_PROBLEM_TEMPLATES, wordProblems } from "../../lib/reasoning/wordProblems.js";
import { extractAnswer } from "../../lib/reasoning/extract.js";

describe("arithmetic scratchpads", () => {
  it("writes the partial-product scratchpad the lesson shows", () => {
    expect(multiplicationScratchpad(47, 83)).toBe("47*3+47*80=141+3760=3901");
    expect(multiplicationScratchpad(123, 456)).toBe("123*6+123*50+123*400=738+6150+49200=6888+49200=56088");
    expect(multiplicationScratchpad(12, 7)).toBe("12*7=84");
    expect(multiplicationScratchpad(25, 40)).toBe("25*0+25*40=0+1000=1000");
  });

  it("writes the column-addition scratchpad with carries", () => {
    expect(additionScratchpad(357, 468)).toBe("7+8+0=15;5+6+1=12;3+4+1=8;825");
    expect(additionScratchpad(999, 1)).toBe("9+1+0=10;9+0+1=10;9+0+1=10;1000");
  });

  it("every generated scratchpad is arithmetically right (checked step by step, independently)", () => {
    for (const op of ["*", "+"] as const) {
      for (const p of arithmeticProblems(op, 300, 11, { digitsA: op === "*" ? 2 : 3 })) {
        expect(checkScratchpad(p.question, p.cot)).toBeNull();
        // The answer is the scratchpad's last number, and it is right.
        expect(extractAnswer(p.cot)).toBe(op === "*" ? p.a * p.b : p.a + p.b);
        expect(Number(p.direct)).toBe(p.answer);
        // The column sums use the operands' digits, lowest first.
        if (op === "+") {
          const cols = p.cot.split(";").slice(0, -1);
          const da = String(p.a).split("").reverse();
          const db = String(p.b).split("").reverse();
          cols.forEach((c, i) => expect(c.startsWith(`${da[i] ?? 0}+${db[i] ?? 0}+`)).toBe(true));
        }
      }
    }
  });

  it("checkScratchpad catches a wrong step", () => {
    expect(checkScratchpad("47*83=", "47*3+47*80=141+3760=3801")).toMatch(/wrong/);
    expect(checkScratchpad("47*83=", "47*3+47*80=151+3760=3911")).toMatch(/wrong/);
    expect(checkScratchpad("357+468=", "7+8+0=15;5+6+1=12;3+4+1=8;826")).toMatch(/final answer/);
  });

  it("is reproducible under a seed and varies with it", () => {
    const a = arithmeticProblems("*", 50, 3);
    expect(arithmeticProblems("*", 50, 3)).toEqual(a);
    expect(arithmeticProblems("*", 50, 4)).not.toEqual(a);
    for (const p of a) {
      expect(p.a).toBeGreaterThanOrEqual(10);
      expect(p.a).toBeLessThanOrEqual(99);
      expect(p.b).toBeGreaterThanOrEqual(10);
    }
  });

  it("held-out sets are unique and a training stream never yields them", () => {
    const test = arithmeticProblems("*", 400, 99, { unique: true });
    const keys = new Set(test.map((p) => problemKey(p.a, p.b, p.op)));
    expect(keys.size).toBe(400);
    const stream = problemStream("*", 1, { exclude: keys });
    for (let i = 0; i < 3000; i++) {
      const p = stream.next();
      expect(keys.has(problemKey(p.a, p.b, p.op))).toBe(false);
    }
    expect(() => arithmeticProblems("*", 9000, 1, { digitsA: 2, unique: true })).toThrow(/unique/);
  });

  it("builds a single problem", () => {
    expect(arithmeticProblem(12, 34, "+")).toMatchObject({ question: "12+34=", direct: "46", answer: 46 });
  });
});

describe("word problems", () => {
  it("are reproducible, use every template, and their worked answers are right", () => {
    const ps = wordProblems(40, 5);
    expect(wordProblems(40, 5)).toEqual(ps);
    expect(new Set(ps.map((p) => p.template)).size).toBe(WORD_PROBLEM_TEMPLATES.length);
    for (const p of ps) {
      expect(p.solution.endsWith(`#### ${Number.isInteger(p.answer) ? p.answer : p.answer.toFixed(2)}`)).toBe(true);
      expect(extractAnswer(p.solution)).toBe(p.answer);
      expect(p.answer).toBeGreaterThanOrEqual(0);
      // Every "a × b = c", "a + b = c", "a − b = c" in the steps is right.
      for (const m of p.steps.join(" ").matchAll(/\$?([\d.]+) ([×+−]) \$?([\d.]+) = \$?([\d.]+)/g)) {
        const [x, y, z] = [Number(m[1]), Number(m[3]), Number(m[4])];
        const want = m[2] === "×" ? x * y : m[2] === "+" ? x + y : x - y;
        expect(Math.abs(want - z)).toBeLessThan(1e-9);
      }
    }
  });
});
