// The notebook runner must fail a notebook on a type error, a thrown error or stray stderr, and
// pass a clean one. Needs .venv and the kernel spec (`npm test` sets them up first).
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..", "..");
const PYTHON = join(ROOT, ".venv", "bin", "python");
const ready = existsSync(PYTHON) && existsSync(join(ROOT, ".venv", "share", "jupyter", "kernels", "seeklab", "kernel.json"));

function notebook(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "seeklab", display_name: "SeekLab (TypeScript)", language: "typescript" } },
    cells: cells.map((source, i) => ({ id: `c${i}`, cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
  });
}

describe.skipIf(!ready)("notebook runner (scripts/run_notebooks.py)", () => {
  it("passes a clean notebook and fails on a type error, a thrown error and stderr", () => {
    const dir = mkdtempSync(join(tmpdir(), "seeklab-runner-"));
    const cases: Record<string, string[]> = {
      "ok.ipynb": ["const okValue: number = 1 + 1;", "console.log(`two is ${okValue}`);"],
      "type_error.ipynb": ['const typeBug: number = "not a number";', "console.log('never runs');"],
      "throws.ipynb": ["console.log('before');", "throw new Error('deliberate failure');", "console.log('after');"],
      "stderr.ipynb": ["console.error('something went wrong');"],
    };
    for (const [name, cells] of Object.entries(cases)) writeFileSync(join(dir, name), notebook(cells));
    let out = "";
    let code = 0;
    try {
      out = execFileSync(PYTHON, [join(ROOT, "scripts", "run_notebooks.py"), "--out", "", "--timeout", "60", ...Object.keys(cases).map((n) => join(dir, n))], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (e) {
      const err = e as { status: number; stdout: string };
      code = err.status;
      out = err.stdout;
    }
    expect(code).toBe(1);
    expect(out).toMatch(/✓ .*ok\.ipynb/);
    expect(out).toMatch(/✗ .*type_error\.ipynb[^\n]*\n\s+cell 0 failed/);
    expect(out).toMatch(/✗ .*throws\.ipynb[^\n]*\n\s+cell 1 failed[\s\S]*deliberate failure/);
    expect(out).toMatch(/✗ .*stderr\.ipynb[^\n]*\n\s+cell 0 failed[\s\S]*something went wrong/);
    expect(out.trim().split("\n").at(-1)).toBe("notebooks: 1 passed, 3 failed");
  }, 180_000);
});
