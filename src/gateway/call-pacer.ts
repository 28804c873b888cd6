/**
 * The requests-per-minute cap of an instance (`--rpm`): at most `rpm` model calls start in
 * any 60 seconds. A call past the cap waits for its turn, first come first served, rather
 * than being refused: the CLIs handle a 429 each their own way (Codex gives up on it), and
 * a call held back a few seconds is one none of them notices. Only a flood is refused:
 * more calls waiting than the cap itself.
 */
const windowMs = 60_000;

interface Waiter {
  resolve(granted: boolean): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class CallPacer {
  private readonly starts: number[] = [];
  private readonly waiting: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly rpm: number) {}

  /** Whether `close()` was called (a refusal then means the gateway is stopping). */
  get closed(): boolean {
    return this.stopped;
  }

  /**
   * Resolves true when the call may start (at once, or once a slot frees up), false when
   * too many are already waiting or `signal` aborts first (the agent hung up).
   */
  acquire(signal?: AbortSignal): Promise<boolean> {
    this.prune();
    if (this.waiting.length === 0 && this.starts.length < this.rpm) {
      this.starts.push(Date.now());
      return Promise.resolve(true);
    }
    if (this.stopped || this.waiting.length >= this.rpm || signal?.aborted)
      return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        resolve,
        signal,
        onAbort: () => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          resolve(false);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiting.push(waiter);
      this.schedule();
    });
  }

  /** Stops the timer; waiting calls are refused. */
  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiting.splice(0)) waiter.resolve(false);
  }

  private prune(): void {
    const since = Date.now() - windowMs;
    while (this.starts.length > 0 && this.starts[0]! <= since) this.starts.shift();
  }

  private schedule(): void {
    if (this.timer || this.waiting.length === 0) return;
    const oldest = this.starts[0] ?? Date.now() - windowMs;
    this.timer = setTimeout(() => this.release(), Math.max(0, oldest + windowMs - Date.now()));
  }

  private release(): void {
    this.timer = undefined;
    this.prune();
    while (this.starts.length < this.rpm && this.waiting.length > 0) {
      const waiter = this.waiting.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.starts.push(Date.now());
      waiter.resolve(true);
    }
    this.schedule();
  }
}
