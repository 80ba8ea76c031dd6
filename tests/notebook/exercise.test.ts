// The exercise checker must tell the truth: too big or too small without the answer, the answer
// only after three different wrong tries or reveal(), NaN as NaN, rounded answers recognised, one
// summary line per exercise, and a failed TODO cell reported as that (with the kernel's log).
import { afterEach, describe, expect, it } from "vitest";
import { exercise, gradeExercise, reveal, TRIES_BEFORE_REVEAL } from "../../lib/notebook/exercise.js";
import { agreesToDigits, compareAnswer, describeMiss, formatValue, roundedDigits, significantDigits } from "../../lib/notebook/answer.js";
import { startKernelLog, stopKernelLog, type CellRun } from "../../lib/notebook/kernel.js";

function printed(fn: () => void): string[] {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...m: unknown[]) => lines.push(m.join(" "));
  try {
    fn();
  } finally {
    console.log = orig;
  }
  return lines.join("\n").split("\n");
}

let titles = 0;
/** A fresh title per test: the checker remembers wrong tries per title for the whole session. */
const fresh = (name = "Exercise") => `${name} ${++titles}: test`;

describe("formatting and comparing answers", () => {
  it("prints NaN, Infinity and -0 as themselves, not as JSON's null", () => {
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue([1, Infinity, -Infinity, -0])).toBe("[1, Infinity, -Infinity, -0]");
    expect(formatValue({ a: NaN, s: "x" })).toBe('{ a: NaN, s: "x" }');
    expect(formatValue(new Array(100).fill(1)).endsWith("...")).toBe(true);
  });

  it("says too big or too small, by a factor when it is one, without the right value", () => {
    expect(describeMiss(1998848, 3997696)).toBe("is exactly 2× too small");
    expect(describeMiss(70272 * 1024, 70272)).toBe("is exactly 1,024× too big");
    expect(describeMiss(1200, 1000)).toBe("is too big (by 20%)");
    expect(describeMiss(-5, 5)).toBe("has the wrong sign");
    expect(describeMiss(NaN, 5)).toMatch(/^is not a number/);
    expect(describeMiss(Infinity, 5)).toMatch(/^is infinite/);
    for (const s of [describeMiss(1998848, 3997696), describeMiss(1200, 1000)]) expect(s).not.toMatch(/3997696|1000/);
  });

  it("recognises a rounded copy of the right value and counts its digits", () => {
    expect(significantDigits(1097.44)).toBe(6);
    expect(significantDigits(0.0125)).toBe(3);
    expect(roundedDigits(1097.44, 1097.4400237)).toBe(6);
    expect(roundedDigits(1097.45, 1097.4400237)).toBe(0);
    expect(roundedDigits(0.64, 0.6401)).toBe(2);
    expect(agreesToDigits(1097.44, 1097.4400237, 6)).toBe(true);
    expect(agreesToDigits(1097.4, 1097.4400237, 6)).toBe(false);
    expect(agreesToDigits(71.1, 71.11111, 3)).toBe(true);
  });

  it("compareAnswer (strict form) names the path and the expected value", () => {
    expect(compareAnswer([1, [2, 3]], [1, [2, 4]])).toBe("[1][1] = 3 is too small (by 25%) (expected [1][1] = 4)");
    expect(compareAnswer({ k: 1 }, { k: 1 })).toBeUndefined();
    expect(compareAnswer("x", 1)).toBe('the answer should be a number; it is "x" (expected 1)');
    expect(compareAnswer(NaN, NaN)).toBeUndefined();
    expect(compareAnswer(() => 1, 1)).toMatch(/is a function: call it/);
  });
});

describe("exercise()", () => {
  afterEach(() => stopKernelLog());

  it("prints one summary line, then one line per check, and returns nothing", () => {
    const title = fresh();
    let ret: unknown = "unset";
    const lines = printed(() => {
      ret = exercise(title, [
        { name: "a", got: 4, want: 4 },
        { name: "b", got: 5, want: 4, hint: "count again" },
        { name: "c", got: undefined, want: 1 },
      ]);
    });
    expect(ret).toBeUndefined(); // tslab prints a cell's last value: nothing must follow the report
    expect(lines[0]).toBe(`${title}: 1/3 right, 1 wrong, 1 not attempted`);
    expect(lines.filter((l) => l.includes("right")).length).toBe(1);
    expect(lines[1]).toBe("  ✓ a");
    expect(lines[2]).toMatch(/^  ✗ b: 5 is too big \(by 25%\)\. Hint: count again\./);
    expect(lines[3]).toMatch(/^  … c: not attempted yet/);
    expect(lines.join("\n")).not.toMatch(/expected|The answer/);
  });

  it("each exercise's summary is its own", () => {
    const [t1, t2] = [fresh(), fresh()];
    const lines = printed(() => {
      exercise(t1, [{ name: "a", got: 1, want: 2 }, { name: "b", got: 1, want: 2 }]);
      exercise(t2, [{ name: "a", got: 2, want: 2 }, { name: "b", got: 2, want: 2 }]);
    });
    expect(lines.filter((l) => !l.startsWith("  "))).toEqual([`${t1}: 0/2 right, 2 wrong`, `${t2}: 2/2 right — all correct. Well done!`]);
  });

  it("shows the right value only after three different wrong answers, or on reveal()", () => {
    const title = fresh();
    const tryWith = (got: number) => gradeExercise(title, [{ name: "x", got, want: 70272, hint: "576 numbers per layer" }]).failed[0]!.why;
    expect(tryWith(35136)).toMatch(/exactly 2× too small\. Hint: 576 numbers per layer\. \(wrong answer 1 of 3/);
    expect(tryWith(35136)).toMatch(/wrong answer 1 of 3/); // the same answer again is not a new try
    expect(tryWith(1)).toMatch(/wrong answer 2 of 3/);
    expect(tryWith(2)).toMatch(/The answer: 70272\.$/);
    expect(TRIES_BEFORE_REVEAL).toBe(3);
    const other = fresh();
    gradeExercise(other, [{ name: "y", got: 1, want: 2, explain: "one plus one" }]);
    expect(printed(() => reveal(other.split(":")[0]))).toEqual([`${other} — the answers:`, "  y: 2 — one plus one"]);
    expect(printed(() => reveal())).toEqual([`${other} — the answers:`, "  y: 2 — one plus one"]);
    expect(printed(() => reveal("No such exercise"))[0]).toMatch(/no exercise with that title has been checked/);
  });

  it("names the likely slip before the hint", () => {
    const why = gradeExercise(fresh(), [{ name: "MHA bytes", got: 1998848, want: 3997696, hint: "2·128·128·61·2",
      slips: [{ value: 1998848, say: "that counts the keys; the values are cached too" }] }]).failed[0]!.why;
    expect(why).toMatch(/^1998848 is exactly 2× too small\. Likely slip: that counts the keys; the values are cached too\. Hint: 2·128·128·61·2\./);
    const shape = gradeExercise(fresh(), [{ name: "values", got: [[1, 3], [2, 4]], want: [[1, 2], [3, 4]],
      slips: [{ when: (g) => JSON.stringify(g) === "[[1,3],[2,4]]", say: "a reshape where a transpose was needed" }] }]).failed[0]!.why;
    expect(shape).toMatch(/Likely slip: a reshape where a transpose was needed\./);
  });

  it("accepts an answer right to the digits the lesson shows, and says 'compute it in code' otherwise", () => {
    const r = gradeExercise(fresh(), [{ name: "rating", got: 1097.44, want: 1097.4400237, rtol: 1e-9, digits: 6 }]);
    expect(r.ok).toBe(true);
    expect(r.lines[1]).toBe("  ✓ rating (right to the 6 significant digits the lesson shows)");
    const strictDigits = gradeExercise(fresh(), [{ name: "rating", got: 1097.44, want: 1097.4400237, rtol: 1e-9 }]);
    expect(strictDigits.failed[0]!.why).toMatch(/^1097\.44 is right to the 6 digits typed; compute it in code/);
  });

  it("prints NaN as NaN", () => {
    const why = gradeExercise(fresh(), [{ name: "n", got: NaN, want: 0 }]).failed[0]!.why;
    expect(why).toMatch(/^NaN is not a number/);
    expect(why).not.toMatch(/null/);
  });

  it("checks predictions against a list of choices, case-insensitively, and explains the right one", () => {
    const mk = (got: string) => gradeExercise(fresh(), [{ name: "which bias rises", got, want: "the idle expert's", choices: ["the busy expert's", "the idle expert's", "neither"], explain: "underloaded experts get +γ" }]);
    expect(mk("The Idle Expert's").lines[1]).toBe("  ✓ which bias rises — underloaded experts get +γ");
    expect(mk("neither").failed[0]!.why).toMatch(/^"neither" is not right\./);
    expect(mk("both").failed[0]!.why).toMatch(/"both" is not one of the choices: "the busy expert's", "the idle expert's", "neither"/);
  });

  it("strict mode throws with the expected value and counts no tries", () => {
    expect(() => printed(() => exercise(fresh(), [{ name: "a", got: 3, want: 4 }], { strict: true }))).toThrow(/a: 3 is too small \(by 25%\)\. Expected 4\./);
    expect(() => printed(() => exercise(fresh(), [{ name: "a", got: undefined, want: 4 }], { strict: true }))).toThrow("a: no answer");
    expect(() => printed(() => exercise(fresh(), [{ name: "a", got: 4.0000001, want: 4 }], { strict: true }))).not.toThrow();
    expect(() => exercise(fresh(), [{ name: "x", got: 1 }])).toThrow('check "x" needs either want or test');
    const r = gradeExercise(fresh(), [{ name: "even", got: 3, test: (g) => ((g as number) % 2 === 0 ? true : "3 is odd") }]);
    expect(r.failed[0]!.why).toMatch(/^3 is odd\./);
  });

  it("with the kernel's log, a TODO cell that failed to compile is reported as that, not as 'not attempted'", () => {
    const log = startKernelLog();
    const run = (source: string, status: CellRun["status"], error?: string, declares: string[] = []) =>
      log.push({ n: log.length + 1, source, status, error, declares });
    run("let myBytes: number | undefined = undefined;", "ok", undefined, ["myBytes"]);
    run("let myBytes: number | undefined = 2 *;", "compile-error", "1:38 - Expression expected.", ["myBytes"]);
    const checker = 'exercise("Exercise 9", [{ name: "bytes", got: myBytes, want: 70272 }]);';
    run(checker, "running");
    const blocked = gradeExercise(fresh(), [{ name: "bytes", got: undefined, want: 70272 }]);
    expect(blocked.lines).toEqual([expect.stringMatching(/: not checked — the cell that defines myBytes did not compile \(1:38 - Expression expected\.\)\. Fix that cell and run it, then run this cell again\.$/)]);
    expect(blocked.ok).toBe(false);
    // fixed and run again: checked normally
    log.pop();
    run("let myBytes: number | undefined = 70272;", "ok", undefined, ["myBytes"]);
    run(checker, "running");
    expect(gradeExercise(fresh(), [{ name: "bytes", got: 70272, want: 70272 }]).ok).toBe(true);
  });
});
