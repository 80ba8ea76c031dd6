/**
 * A progress display for long loops: one output updated in place with count, rate and ETA.
 *
 * Introduced in notebooks/00_welcome.ipynb; training loops take it as a callback. Outside a
 * notebook it prints a line at most every few seconds (and at the end), never to stderr.
 */
import { displayBundle, newDisplayId, inNotebook } from "./display.js";

export interface Progress {
  /** Advance by `n` steps (default 1); `info` is shown after the numbers (e.g. "loss 1.23"). */
  tick(n?: number, info?: string): void;
  /** Mark finished and show the final line. */
  done(info?: string): void;
  /** Steps done so far. */
  readonly count: number;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, "0")}s`;
}

/** Text for one state of a progress bar; exported for tests. */
export function progressLine(label: string, count: number, total: number, elapsedS: number, info?: string, finished = false): string {
  const frac = total > 0 ? Math.min(1, count / total) : 1;
  const width = 24;
  const filled = Math.round(frac * width);
  const rate = elapsedS > 0 ? count / elapsedS : 0;
  const eta = rate > 0 ? (total - count) / rate : Infinity;
  const timing = finished ? `in ${duration(elapsedS)}` : `${duration(elapsedS)} elapsed, ETA ${duration(eta)}`;
  return (
    `${label} [${"█".repeat(filled)}${"·".repeat(width - filled)}] ${count}/${total} ` +
    `(${(100 * frac).toFixed(0)}%, ${rate >= 10 ? rate.toFixed(0) : rate.toFixed(2)}/s, ${timing})${info ? ` — ${info}` : ""}`
  );
}

/**
 * @param total number of steps expected (> 0)
 * @param opts.label shown first; opts.minIntervalMs between redraws (default 250 in a notebook, 5000 outside)
 */
export function progress(total: number, opts: { label?: string; minIntervalMs?: number } = {}): Progress {
  if (!Number.isFinite(total) || total <= 0) throw new Error(`progress(total): expected a positive number of steps; got ${total}`);
  const label = opts.label ?? "progress";
  const notebook = inNotebook();
  const interval = opts.minIntervalMs ?? (notebook ? 250 : 5000);
  const id = newDisplayId();
  const start = performance.now();
  let count = 0;
  let last = -Infinity;
  let shown = false;
  let lastInfo: string | undefined;

  const draw = (finished: boolean): void => {
    const line = progressLine(label, count, total, (performance.now() - start) / 1000, lastInfo, finished);
    if (notebook) {
      const html = `<pre style="margin:0">${line.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</pre>`;
      displayBundle({ "text/plain": line, "text/html": html }, { displayId: id, update: shown });
      shown = true;
    } else {
      console.log(line);
    }
  };

  return {
    tick(n = 1, info?: string) {
      count += n;
      if (info !== undefined) lastInfo = info;
      const now = performance.now();
      if (now - last >= interval && count < total) {
        last = now;
        draw(false);
      }
    },
    done(info?: string) {
      if (info !== undefined) lastInfo = info;
      draw(true);
    },
    get count() {
      return count;
    },
  };
}
