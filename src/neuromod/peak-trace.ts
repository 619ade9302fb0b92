/**
 * Named values recorded every step in bounded memory. When `capacity` points are held, neighbouring points merge
 * into their largest value and the stride doubles, so each point is the largest value over `every` consecutive
 * steps: a burst of one step is never lost, however long the run.
 */
export class PeakTrace {
  private readonly points = new Map<string, number[]>();
  private readonly pending = new Map<string, number>();
  private every = 1;
  private filled = 0;
  private steps = 0;

  constructor(
    readonly names: readonly string[],
    readonly capacity = 1000,
  ) {
    if (!Number.isInteger(capacity) || capacity < 2 || capacity % 2)
      throw new RangeError(`PeakTrace: capacity must be an even integer >= 2, found ${capacity}`);
    for (const n of names) {
      this.points.set(n, []);
      this.pending.set(n, -Infinity);
    }
  }

  /** One step's values (a name left out counts as 0 for that step; a non-finite value is not a peak: skipped). */
  push(values: Readonly<Record<string, number>>): void {
    for (const n of this.names) {
      const v = values[n] ?? 0;
      if (Number.isFinite(v) && v > this.pending.get(n)!) this.pending.set(n, v);
    }
    this.steps++;
    if (++this.filled < this.every) return;
    for (const n of this.names) {
      this.points.get(n)!.push(this.pending.get(n)!);
      this.pending.set(n, -Infinity);
    }
    this.filled = 0;
    if (this.points.get(this.names[0])!.length < this.capacity) return;
    for (const n of this.names) {
      const p = this.points.get(n)!;
      for (let k = 0; k < p.length / 2; k++) p[k] = Math.max(p[2 * k], p[2 * k + 1]);
      p.length /= 2;
    }
    this.every *= 2;
  }

  /** The points so far (the last one covering the steps since the last full stride), and the steps per point. */
  toJSON(): { every: number; steps: number; values: Record<string, number[]> } {
    const values: Record<string, number[]> = {};
    for (const n of this.names)
      values[n] = this.filled ? [...this.points.get(n)!, this.pending.get(n)!] : [...this.points.get(n)!];
    return { every: this.every, steps: this.steps, values };
  }
}
