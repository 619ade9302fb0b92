import { ConfigError } from './errors.js';

/**
 * Named extension points (task kinds, report views, plasticity rules, modulators): registered once by name, kept
 * in registration order, looked up with a one-line error that names the known ones.
 */
export class Registry<T> {
  private readonly items = new Map<string, T>();

  /** `what` names the kind of thing in messages ("task kind", "plasticity rule"). */
  constructor(readonly what: string) {}

  register(name: string, item: T): void {
    if (this.items.has(name)) throw new Error(`${this.what} ${name} is registered twice`);
    this.items.set(name, item);
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  names(): string[] {
    return [...this.items.keys()];
  }

  values(): T[] {
    return [...this.items.values()];
  }

  /** The item named `name`; anything else is a ConfigError at `where`: expected one of the known names, found it. */
  get(name: unknown, where: string): T {
    const item = typeof name === 'string' ? this.items.get(name) : undefined;
    if (item === undefined)
      throw new ConfigError(
        where,
        `expected one of ${this.names().join(', ')}; found ${name === undefined ? 'nothing' : JSON.stringify(name)}`,
      );
    return item;
  }
}
