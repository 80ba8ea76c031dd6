"""Execute notebooks headless through the SeekLab kernel and say which passed.

Called by scripts/run-notebooks.mjs with .venv's Python. tslab reports a failed cell only as
stderr text plus an execute reply with status "error" (never an `error` output), so a notebook
fails on an error reply or on stderr that is not on ALLOWED_STDERR. The runner stops a notebook at
its first failing cell: tslab drops cells sent within ~200 ms after an error, so later results
would be meaningless. Executed copies go to --out for the HTML export.
"""
import argparse
import json
import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

# stderr lines a cell may print without failing. Keep this list short and say why each is here.
ALLOWED_STDERR = [
    # Dawn (the `webgpu` package) warns while probing Vulkan drivers that cannot run WebGPU, e.g.
    # Mesa's software drivers on a machine without a GPU; the probe then moves on.
    re.compile(r"^Warning: Vulkan .*|^ - While initializing adapter.*|^\s+at (InitializeImpl|operator\(\)) \(.*dawn.*\)$"),
    # Same source: Dawn's Vulkan loader on a machine with no XDG_RUNTIME_DIR.
    re.compile(r"^error: XDG_RUNTIME_DIR is invalid or not set in the environment\.$"),
]


def disallowed_stderr(text):
    bad = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if any(p.match(line) for p in ALLOWED_STDERR):
            continue
        bad.append(line)
    return bad


class CheckingClient(NotebookClient):
    """Records each cell's execute reply instead of relying on `error` outputs, which tslab never sends."""

    last_reply_status = None

    async def _check_raise_for_error(self, cell, cell_index, exec_reply):
        self.last_reply_status = (exec_reply or {}).get("content", {}).get("status")


def cell_failure(cell, status):
    stderr = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr")
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    bad_lines = disallowed_stderr(stderr)
    if status == "error" or errors or bad_lines:
        detail = "\n".join(bad_lines) or "\n".join(f"{e.get('ename')}: {e.get('evalue')}" for e in errors) or stderr.strip()
        return f"reply status {status!r}" + (f"; stderr/error:\n{detail}" if detail else "")
    return None


def run_one(path, out_dir, timeout, kernel):
    nb = nbformat.read(path, as_version=4)
    name = os.path.basename(path)
    client = CheckingClient(nb, kernel_name=kernel, timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    t0 = time.time()
    failure = None
    with client.setup_kernel():
        code_cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        for n, (index, cell) in enumerate(code_cells, 1):
            client.last_reply_status = None
            tc = time.time()
            try:
                client.execute_cell(cell, index)
            except CellTimeoutError:
                failure = f"cell {index} timed out after {timeout} s"
            except DeadKernelError as e:
                failure = f"the kernel died in cell {index}: {e}"
            else:
                why = cell_failure(cell, client.last_reply_status)
                if why:
                    failure = f"cell {index} failed: {why}"
            if failure:
                source = "\n".join("    | " + line for line in cell.source.splitlines()[:12])
                failure += f"\n  source of cell {index}:\n{source}"
                break
            if time.time() - tc > 20:
                print(f"  … {name}: cell {index} ({n}/{len(code_cells)}) took {time.time() - tc:.0f} s", flush=True)
    elapsed = time.time() - t0
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        nbformat.write(nb, os.path.join(out_dir, name))
    return failure, elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--out", default="build/notebooks", help="folder for the executed copies ('' for none)")
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("SEEKLAB_CELL_TIMEOUT", "600")), help="seconds per cell")
    ap.add_argument("--kernel", default="seeklab")
    args = ap.parse_args()
    passed, failed, times = [], [], {}
    for path in args.notebooks:
        print(f"▶ {path}", flush=True)
        try:
            failure, elapsed = run_one(path, args.out, args.timeout, args.kernel)
        except Exception as e:  # the kernel would not start, the file is not a notebook, ...
            failure, elapsed = f"{type(e).__name__}: {e}", 0.0
        if failure:
            failed.append(path)
            print(f"✗ {path} ({elapsed:.1f} s)\n  {failure}", flush=True)
        else:
            passed.append(path)
            times[os.path.basename(path)] = round(elapsed, 1)
            print(f"✓ {path} ({elapsed:.1f} s)", flush=True)
    if args.out and times:
        # Measured run times, for the course site's lesson map (scripts/site.py).
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "times.json"), "w") as f:
            json.dump(times, f, indent=2)
    if failed:
        print("failed notebooks: " + ", ".join(failed))
    print(f"notebooks: {len(passed)} passed, {len(failed)} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
