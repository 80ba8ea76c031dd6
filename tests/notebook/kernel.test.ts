// The SeekLab kernel's hooks (lib/notebook/kernel.ts): one line instead of a wall of
// "Cannot find name" errors, and a log of cell runs. Unit tests on a stand-in for tslab's
// executor module, then the real kernel through Jupyter (needs .venv and the kernel spec).
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  declaredNames, failedRunFor, installKernelHooks, kernelLog, stopKernelLog, summarizeDiagnostics, usedNames,
  type CellDiagnostic, type CellRun,
} from "../../lib/notebook/kernel.js";

function diag(line: number, character: number, code: number, messageText: string): CellDiagnostic {
  const pos = { offset: 0, line, character };
  return { start: pos, end: pos, messageText, category: 1, code };
}

describe("declared and used names", () => {
  it("finds declarations by pattern, ignoring comments and strings", () => {
    const src = [
      "// TODO: let notMe = 1",
      "let myMla: number | undefined = undefined;",
      "const [kNope, v] = tf.split(kv, [8, 8], -1);",
      "const { weights, indices: idx, ...rest } = route(x);",
      "function absorbQuery(q: tf.Tensor) { const inner = 1; return q; }",
      'const s = "const fake = 1";',
      "async function later() {}",
    ].join("\n");
    expect(declaredNames(src).sort()).toEqual(["absorbQuery", "idx", "inner", "kNope", "later", "myMla", "rest", "s", "v", "weights"].sort());
    const used = usedNames('exercise("x", [{ got: myMla /* not: hidden */ }]); // comment');
    expect(used.has("myMla")).toBe(true);
    expect(used.has("hidden")).toBe(false);
    expect(used.has("comment")).toBe(false);
  });

  it("failedRunFor finds the latest run of the cell that defines a used name, if it failed", () => {
    const log: CellRun[] = [
      { n: 1, source: "", status: "ok", declares: ["myA", "myB"] },
      { n: 2, source: "", status: "compile-error", error: "1:5 - x", declares: ["myA", "myB"] },
      { n: 3, source: "", status: "ok", declares: ["other"] },
    ];
    expect(failedRunFor("check(myA)", log)?.n).toBe(2);
    expect(failedRunFor("check(other)", log)).toBeUndefined();
    log.push({ n: 4, source: "", status: "ok", declares: ["myA", "myB"] });
    expect(failedRunFor("check(myA, myB)", log)).toBeUndefined();
  });
});

describe("summarizeDiagnostics", () => {
  const wall = [
    diag(0, 12, 2304, "Cannot find name 'wS'."),
    diag(0, 16, 2304, "Cannot find name 'xS'."),
    diag(1, 2, 2304, "Cannot find name 'H'."),
    diag(2, 9, 2503, "Cannot find namespace 'tf'."),
    diag(2, 9, 4025, "Exported variable 't' has or is using private name 'tf'."),
    diag(3, 0, 2304, "Cannot find name 'dn'."),
    diag(3, 4, 2304, "Cannot find name 'dr'."),
  ];

  it("turns a wall of missing names into one line: run the cells above", () => {
    const out = summarizeDiagnostics(wall, []);
    expect(out).toHaveLength(1);
    expect(out[0]!.start).toEqual(wall[0]!.start);
    expect(out[0]!.messageText).toBe(
      "This cell uses wS, xS, H, tf and 2 more from cells above that have not run since the kernel started: choose Run → Run All Above, then run this cell again.",
    );
  });

  it("keeps other errors, a lone typo suggestion, and a clean list as they are", () => {
    const typo = [diag(0, 0, 2552, "Cannot find name 'myMlaBytes'. Did you mean 'myMlaByte'?")];
    expect(summarizeDiagnostics(typo, [])).toEqual(typo);
    const syntax = [diag(0, 3, 1109, "Expression expected.")];
    expect(summarizeDiagnostics(syntax, [])).toEqual(syntax);
    const mixed = summarizeDiagnostics([diag(0, 0, 2322, "Type 'string' is not assignable to type 'number'."), ...wall.slice(0, 2)], []);
    expect(mixed.map((d) => d.messageText)).toEqual([
      "Type 'string' is not assignable to type 'number'.",
      expect.stringMatching(/^This cell uses wS, xS from cells above/),
    ]);
    expect(summarizeDiagnostics([diag(0, 0, 2304, "Cannot find name 'foo'.")], [])[0]!.messageText).toBe(
      "Cannot find 'foo': if a cell above defines it, run the cells above first (Run → Run All Above); otherwise check the spelling.",
    );
  });

  it("points at the cell that failed when that cell declares the missing names", () => {
    const log: CellRun[] = [{ n: 1, source: "let myX = 2 *;", status: "compile-error", error: "1:14 - Expression expected.", declares: ["myX"] }];
    const out = summarizeDiagnostics([diag(0, 0, 2304, "Cannot find name 'myX'.")], log);
    expect(out[0]!.messageText).toBe("myX is defined in a cell that did not compile (1:14 - Expression expected.): fix that cell and run it, then run this one.");
  });
});

describe("installKernelHooks", () => {
  afterEach(() => stopKernelLog());

  it("wraps createExecutor: logs each run's outcome and rewrites missing-name walls", async () => {
    const printed: CellDiagnostic[][] = [];
    const fakeTslab = {
      createExecutor(_root: string, convs: { node: { convert(prev: string, src: string): { diagnostics: CellDiagnostic[] } } }) {
        return {
          async execute(src: string) {
            const r = convs.node.convert("", src);
            if (r.diagnostics.length) {
              printed.push(r.diagnostics);
              return false;
            }
            return !src.includes("throw");
          },
        };
      },
    };
    expect(installKernelHooks({})).toBe(false);
    expect(installKernelHooks(fakeTslab)).toBe(true);
    const convs = {
      node: {
        convert: (_prev: string, src: string) => ({
          diagnostics: src.includes("wS") ? [diag(0, 0, 2304, "Cannot find name 'wS'."), diag(0, 4, 2304, "Cannot find name 'xS'.")] : [],
        }),
      },
    };
    const ex = fakeTslab.createExecutor("/", convs);
    expect(await ex.execute("const a = 1;")).toBe(true);
    expect(await ex.execute("use(wS, xS)")).toBe(false);
    expect(await ex.execute("throw new Error()")).toBe(false);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toHaveLength(1);
    expect(printed[0]![0]!.messageText).toMatch(/^This cell uses wS, xS from cells above/);
    expect(kernelLog()!.map((r) => [r.n, r.status, r.declares])).toEqual([
      [1, "ok", ["a"]],
      [2, "compile-error", []],
      [3, "runtime-error", []],
    ]);
    expect(kernelLog()![1]!.error).toBe("1:1 - Cannot find name 'wS'.");
  });
});

const ROOT = resolve(import.meta.dirname, "..", "..");
const PYTHON = join(ROOT, ".venv", "bin", "python");
const ready = existsSync(PYTHON) && existsSync(join(ROOT, ".venv", "share", "jupyter", "kernels", "seeklab", "kernel.json"));

describe.skipIf(!ready)("in the SeekLab kernel (through Jupyter)", () => {
  it("a cell run before the cells it needs gets one line; a failed TODO cell is reported by the checker", () => {
    const cells = [
      "console.log(wS.shape, xS, H, tf.zeros([1]));",
      "let myAnswer: number | undefined = undefined;",
      'import { exercise } from "seeklab";\nexercise("Exercise 1: k", [{ name: "answer", got: myAnswer, want: 42 }]);',
      "let myAnswer: number | undefined = 6 *;",
      'exercise("Exercise 1: k", [{ name: "answer", got: myAnswer, want: 42 }]);',
      "let myAnswer: number | undefined = 6 * 7;",
      'exercise("Exercise 1: k", [{ name: "answer", got: myAnswer, want: 42 }]);',
    ];
    const out = execFileSync(PYTHON, [join(ROOT, "tests", "notebook", "run_cells.py")], {
      input: JSON.stringify(cells), encoding: "utf8", cwd: join(ROOT, "notebooks"), stdio: ["pipe", "pipe", "pipe"],
    });
    const results = JSON.parse(out) as { status: string; stdout: string; stderr: string }[];
    expect(results[0]!.status).toBe("error");
    expect(results[0]!.stderr.trim()).toBe(
      "1:13 - This cell uses wS, xS, H, tf from cells above that have not run since the kernel started: choose Run → Run All Above, then run this cell again.",
    );
    expect(results[2]!.stdout).toMatch(/^Exercise 1: k: 0\/1 right, 1 not attempted\n  … answer: not attempted yet/);
    expect(results[3]!.status).toBe("error");
    expect(results[4]!.stdout.trim()).toBe(
      "Exercise 1: k: not checked — the cell that defines myAnswer did not compile (1:39 - Expression expected.). Fix that cell and run it, then run this cell again.",
    );
    expect(results[6]!.stdout.trim()).toBe("Exercise 1: k: 1/1 right — all correct. Well done!\n  ✓ answer");
  }, 120_000);
});
