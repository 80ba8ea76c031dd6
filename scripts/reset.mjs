// `npm run reset`: put the lessons back to their committed state for the next group.
// First every lesson that differs from the commit (edited, run and saved, or new and untracked) is
// copied to build/backup/<timestamp>/, so nothing a learner wrote is lost; then the changed lessons
// are restored with git and JupyterLab's checkpoints (notebooks/.ipynb_checkpoints) are removed.
// `--dry-run` lists what would happen. Needs git (the lessons' committed state lives there).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, say } from "./common.mjs";

function git(args) {
  return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Lessons (notebooks/*.ipynb) that differ from HEAD: { path, state: "modified" | "deleted" | "untracked" }. */
export function changedLessons() {
  const out = git(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "notebooks"]);
  const rows = [];
  for (const entry of out.split("\0").filter(Boolean)) {
    const code = entry.slice(0, 2);
    const path = entry.slice(3);
    if (!path.endsWith(".ipynb") || path.includes(".ipynb_checkpoints/")) continue;
    rows.push({ path, state: code === "??" ? "untracked" : code.includes("D") ? "deleted" : "modified" });
  }
  return rows;
}

function timestamp(d = new Date()) {
  return d.toISOString().replace(/[:.]/g, "-").replace(/-\d{3}Z$/, "Z");
}

export function reset({ dryRun = false } = {}) {
  try {
    git(["rev-parse", "--is-inside-work-tree"]);
  } catch {
    throw new Error("reset needs the git checkout of SeekLab (the lessons' committed state is in git); none found at " + ROOT);
  }
  const changed = changedLessons();
  const checkpoints = join(ROOT, "notebooks", ".ipynb_checkpoints");
  if (changed.length === 0 && !existsSync(checkpoints)) {
    say("lessons are already in their committed state; nothing to do");
    return { backup: undefined, changed };
  }
  const backup = join(ROOT, "build", "backup", timestamp());
  for (const { path, state } of changed) say(`${dryRun ? "would save" : "saving"} ${path} (${state})${state === "deleted" ? " — nothing to save" : ""}`);
  if (dryRun) return { backup, changed };
  mkdirSync(backup, { recursive: true });
  for (const { path, state } of changed) if (state !== "deleted") copyFileSync(join(ROOT, path), join(backup, basename(path)));
  const tracked = changed.filter((c) => c.state !== "untracked").map((c) => c.path);
  if (tracked.length) git(["checkout", "HEAD", "--", ...tracked]);
  // A learner's own new notebooks are saved above and then removed, so the next group starts clean.
  for (const { path, state } of changed) if (state === "untracked") rmSync(join(ROOT, path));
  rmSync(checkpoints, { recursive: true, force: true });
  say(`restored ${tracked.length} lesson(s), removed ${changed.length - tracked.length} new notebook(s); learners' copies are in ${backup}`);
  return { backup, changed };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    reset({ dryRun: process.argv.includes("--dry-run") });
  } catch (e) {
    console.log(`[seeklab] reset: ${e.message}`);
    process.exit(1);
  }
}
