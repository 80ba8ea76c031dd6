// PyTorch (CPU) on the same shapes as a SeekLab benchmark, in the same run, when PyTorch is
// importable from .venv (opt-in: `.venv/bin/pip install -r requirements-bench.txt`). Runs
// bench/torch_bench.py as a child process and returns its rows, or null (with a note) when
// there is no PyTorch. Not a benchmark on its own (no default export).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(fileURLToPath(import.meta.url), "..", "..", "..");

export async function torchSideBySide(ctx, which, args) {
  const python = join(ROOT, ".venv", "bin", "python");
  if (!existsSync(python)) {
    ctx.log("PyTorch side by side: no .venv (skipped)");
    return null;
  }
  try {
    execFileSync(python, ["-c", "import torch"], { stdio: "ignore" });
  } catch {
    ctx.log("PyTorch side by side: torch is not installed in .venv (opt-in: .venv/bin/pip install -r requirements-bench.txt)");
    return null;
  }
  const out = execFileSync(python, [join(ROOT, "bench", "torch_bench.py"), which, JSON.stringify(args)], { encoding: "utf8", maxBuffer: 1 << 24 });
  const rows = JSON.parse(out.trim().split("\n").at(-1));
  for (const r of rows) ctx.log(`PyTorch ${which}: ${JSON.stringify(r)}`);
  return rows;
}
