/**
 * Progress for long work: a redrawn bar with ETA on a TTY, plain periodic lines otherwise
 * (logs and CI keep one line every `intervalMs`). Written to stderr so stdout stays clean for --json.
 */
export interface ProgressOptions {
  label: string;
  total: number;
  stream?: NodeJS.WriteStream;
  intervalMs?: number;
  quiet?: boolean;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${m}:${sec.toString().padStart(2, '0')}`;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly start = Date.now();
  private lastDraw = 0;
  private done = 0;
  private suffix = '';
  private readonly intervalMs: number;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.intervalMs = opts.intervalMs ?? (this.tty ? 100 : 10_000);
  }

  update(done: number, suffix = ''): void {
    this.done = done;
    this.suffix = suffix;
    const now = Date.now();
    if (now - this.lastDraw >= this.intervalMs) {
      this.lastDraw = now;
      this.draw(false);
    }
  }

  finish(suffix = ''): void {
    this.done = this.opts.total;
    if (suffix) this.suffix = suffix;
    this.draw(true);
  }

  private draw(final: boolean): void {
    if (this.opts.quiet) return;
    const { total, label } = this.opts;
    const frac = total > 0 ? Math.min(1, this.done / total) : 1;
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : Infinity;
    const pct = `${(frac * 100).toFixed(0).padStart(3)}%`;
    const timing = final ? `${formatSeconds(elapsed)} elapsed` : `ETA ${formatSeconds(eta)}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(frac * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      this.stream.write(`\r${label} [${bar}] ${pct} ${timing} ${this.suffix}\x1b[K${final ? '\n' : ''}`);
    } else {
      this.stream.write(`${label} ${pct} (${this.done}/${total}) ${timing} ${this.suffix}\n`);
    }
  }
}
