/**
 * Sending rich outputs to the notebook.
 *
 * Used by `show` (lib/plot/show.ts) and `progress` (lib/notebook/progress.ts); introduced in
 * notebooks/00_welcome.ipynb. tslab's public `display` sends one MIME type per output; a chart
 * needs several in ONE output (plotly JSON for JupyterLab, HTML for exported pages, plain text
 * for terminals), so this uses tslab's lower-level writer. Outside a tslab kernel (vitest, plain
 * node) there is no writer and callers fall back to printing text.
 */
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";

/** MIME type → content, as Jupyter's display_data message carries it. */
export type MimeBundle = Record<string, unknown>;

type Writer = (msg: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) => void;

function tslabWriter(): Writer | undefined {
  try {
    const req = createRequire(import.meta.url);
    const jupyter = req("tslab/dist/jupyter.js") as { lastWriteDisplayData?: Writer | null };
    return jupyter.lastWriteDisplayData ?? undefined;
  } catch {
    return undefined;
  }
}

/** True inside a running tslab kernel. */
export function inNotebook(): boolean {
  return tslabWriter() !== undefined;
}

/**
 * Send one display output carrying every MIME type in `bundle`.
 * @returns false when not in a notebook (nothing was sent).
 */
export function displayBundle(bundle: MimeBundle, opts: { displayId?: string; update?: boolean } = {}): boolean {
  const write = tslabWriter();
  if (!write) return false;
  write({ data: bundle, metadata: {}, transient: opts.displayId ? { display_id: opts.displayId } : {} }, opts.update ?? false);
  return true;
}

/** A fresh id for an output that will be updated in place. */
export function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}
