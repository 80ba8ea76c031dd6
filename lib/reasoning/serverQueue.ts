/**
 * The server's work queue (lib/reasoning/server.ts): generations run one at a time (the tiny model
 * shares one tensor engine), at most `maxQueue` wait behind the running one, and a full queue is
 * answered at once with 429 and Retry-After instead of growing without bound. A waiting job whose
 * client went away is dropped before it starts; a running one is stopped through its signal.
 */
import { ApiError } from "./serverErrors.js";

interface Waiting {
  start: () => void;
  cancel: (reason: unknown) => void;
}

export class WorkQueue {
  private running = false;
  private readonly waiting: Waiting[] = [];

  constructor(readonly maxQueue: number) {}

  /** Jobs waiting (not counting the running one). */
  get depth(): number {
    return this.waiting.length;
  }

  get busy(): boolean {
    return this.running;
  }

  /**
   * Runs `job` when its turn comes. Rejects with 429 when `maxQueue` jobs already wait, and with
   * the signal's reason if it aborts before the job starts.
   */
  run<T>(job: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.running && this.waiting.length >= this.maxQueue) {
      return Promise.reject(
        new ApiError(429, `the server is busy: ${this.waiting.length} requests are already waiting (--max-queue ${this.maxQueue}); retry shortly`, null, "queue_full", { "retry-after": "1" }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        start: () => {
          signal.removeEventListener("abort", onAbort);
          this.running = true;
          job()
            .then(resolve, reject)
            .finally(() => {
              this.running = false;
              this.next();
            });
        },
        cancel: reject,
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) {
          this.waiting.splice(i, 1);
          reject(signal.reason);
        }
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(entry);
      if (!this.running) this.next();
    });
  }

  private next(): void {
    if (this.running) return;
    const entry = this.waiting.shift();
    entry?.start();
  }
}
