// Every lesson opens the way a course page should (issue 14): Objectives, Prerequisites and Time
// first, and a link to the glossary; and the glossary exists.
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const NOTEBOOKS = join(resolve(import.meta.dirname, "..", ".."), "notebooks");
const lessons = readdirSync(NOTEBOOKS).filter((f) => /^\d\d\w*\.ipynb$/.test(f)).sort();

function markdown(file: string): string[] {
  const nb = JSON.parse(readFileSync(join(NOTEBOOKS, file), "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
  return nb.cells.filter((c) => c.cell_type === "markdown").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
}

describe("lesson scaffolding", () => {
  it("finds the lessons and the glossary", () => {
    expect(lessons.length).toBeGreaterThanOrEqual(6);
    expect(existsSync(join(NOTEBOOKS, "glossary.md"))).toBe(true);
  });

  it.each(lessons)("%s opens with Objectives, Prerequisites and Time, and links the glossary", (file) => {
    const cells = markdown(file);
    const first = cells[0] ?? "";
    for (const heading of ["**Objectives.**", "**Prerequisites.**", "**Time.**"]) expect(first, `${file}: ${heading} in the first cell`).toContain(heading);
    expect(cells.join("\n"), `${file}: a link to glossary.md`).toMatch(/\]\(glossary\.md\)/);
  });

  // A retrain cell overwrites committed results: it must do nothing unless SEEKLAB_RETRAIN=1 asks for it, so that
  // `npm test` (and a learner's Run All) loads the committed files instead.
  it.each(lessons)("%s: every RETRAIN CELL is guarded by SEEKLAB_RETRAIN", (file) => {
    const nb = JSON.parse(readFileSync(join(NOTEBOOKS, file), "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
    const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
    for (const cell of code.filter((c) => /RETRAIN CELL/.test(c))) {
      expect(cell, `${file}: a RETRAIN CELL without the guard`).toMatch(/process\.env\.SEEKLAB_RETRAIN === "1"/);
    }
  });

  it.each(lessons)("%s shows at least one committed figure, and every figure it shows exists", (file) => {
    const shown = [...markdown(file).join("\n").matchAll(/\]\((figures\/[\w.-]+\.svg)\)/g)].map((m) => m[1]!);
    expect(shown.length, `${file}: ![..](figures/NAME.svg) in a markdown cell`).toBeGreaterThan(0);
    for (const f of shown) expect(existsSync(join(NOTEBOOKS, f)), `${file}: ${f} is committed`).toBe(true);
  });
});
