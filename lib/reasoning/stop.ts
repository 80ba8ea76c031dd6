/**
 * Stop strings, the way OpenAI-style servers apply them: generation ends where the first stop
 * string *completes* (ties: the one that starts earlier), and the text is cut before it. The same
 * rule serves the whole-text and the streamed paths, so a streamed completion joins up to exactly
 * the non-streamed one (lib/reasoning/server.ts streams through `StopFilter`).
 */

/** Where the text is cut: the start of the first stop string to complete, or -1. */
export function stopCut(text: string, stops: readonly string[]): number {
  let bestEnd = Infinity;
  let bestStart = -1;
  for (const s of stops) {
    if (!s) continue;
    const at = text.indexOf(s);
    if (at < 0) continue;
    const end = at + s.length;
    if (end < bestEnd || (end === bestEnd && at < bestStart)) {
      bestEnd = end;
      bestStart = at;
    }
  }
  return bestStart;
}

/**
 * Streams text through the stop rule: `push` pieces as they are decoded, `emit` receives only text
 * that no stop string can still claim (the last `longest stop − 1` characters wait), and `finish`
 * flushes the rest. The emitted pieces join to `stopCut`'s result on the whole text.
 */
export class StopFilter {
  private text = "";
  private sent = 0;
  private cut = -1;
  private readonly hold: number;

  constructor(
    private readonly stops: readonly string[],
    private readonly emit: (delta: string) => void,
  ) {
    this.hold = Math.max(0, ...stops.map((s) => s.length - 1));
  }

  /** True once a stop string has completed. */
  get stopped(): boolean {
    return this.cut >= 0;
  }

  push(piece: string): void {
    if (this.stopped || piece.length === 0) return;
    this.text += piece;
    const cut = stopCut(this.text, this.stops);
    if (cut >= 0) {
      this.cut = cut;
      this.flushTo(cut);
      return;
    }
    this.flushTo(this.text.length - this.hold);
  }

  /** Emits what was held back; returns the final text. */
  finish(): string {
    if (!this.stopped) this.flushTo(this.text.length);
    return this.stopped ? this.text.slice(0, this.cut) : this.text;
  }

  private flushTo(end: number): void {
    if (end > this.sent) {
      this.emit(this.text.slice(this.sent, end));
      this.sent = end;
    }
  }
}
