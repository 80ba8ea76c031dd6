// `npm run reset` must save every learner copy before restoring the committed lessons.
// Runs the real script in a throwaway git repository laid out like SeekLab.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..", "..");

function sh(cwd: string, cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("npm run reset (scripts/reset.mjs)", () => {
  it("backs up edited and new lessons under build/backup/<timestamp>/, then restores the committed ones", () => {
    const repo = mkdtempSync(join(tmpdir(), "seeklab-reset-"));
    mkdirSync(join(repo, "scripts"));
    mkdirSync(join(repo, "notebooks", ".ipynb_checkpoints"), { recursive: true });
    for (const f of ["reset.mjs", "common.mjs"]) copyFileSync(join(ROOT, "scripts", f), join(repo, "scripts", f));
    writeFileSync(join(repo, "notebooks", "00_a.ipynb"), "committed a");
    writeFileSync(join(repo, "notebooks", "01_b.ipynb"), "committed b");
    sh(repo, "git", ["init", "-q"]);
    sh(repo, "git", ["add", "."]);
    sh(repo, "git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "lessons"]);
    writeFileSync(join(repo, "notebooks", "00_a.ipynb"), "learner's a");
    writeFileSync(join(repo, "notebooks", "mine.ipynb"), "learner's own");
    writeFileSync(join(repo, "notebooks", ".ipynb_checkpoints", "00_a-checkpoint.ipynb"), "checkpoint");

    const out = sh(repo, process.execPath, [join(repo, "scripts", "reset.mjs")]);
    expect(out).toContain("restored 1 lesson(s), removed 1 new notebook(s)");
    const stamps = readdirSync(join(repo, "build", "backup"));
    expect(stamps).toHaveLength(1);
    expect(stamps[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    const backup = join(repo, "build", "backup", stamps[0]);
    expect(readFileSync(join(backup, "00_a.ipynb"), "utf8")).toBe("learner's a");
    expect(readFileSync(join(backup, "mine.ipynb"), "utf8")).toBe("learner's own");
    expect(readdirSync(backup).sort()).toEqual(["00_a.ipynb", "mine.ipynb"]);
    expect(readFileSync(join(repo, "notebooks", "00_a.ipynb"), "utf8")).toBe("committed a");
    expect(existsSync(join(repo, "notebooks", "mine.ipynb"))).toBe(false);
    expect(existsSync(join(repo, "notebooks", ".ipynb_checkpoints"))).toBe(false);
    expect(sh(repo, "git", ["status", "--porcelain", "--", "notebooks"])).toBe("");

    expect(sh(repo, process.execPath, [join(repo, "scripts", "reset.mjs")])).toContain("nothing to do");
  });
});
