/** Nesting below this depth is kept as one value (JSON text, cut): a config of any depth flattens without recursion. */
const MAX_DEPTH = 32;
/** Leaf values longer than this are cut, marked with an ellipsis. */
const MAX_VALUE = 200;

const text = (v: unknown) => {
  const t = JSON.stringify(v) ?? 'null';
  return t.length > MAX_VALUE ? `${t.slice(0, MAX_VALUE)}…` : t;
};

/** Leaf values of a JSON value by dotted path, each as JSON text (arrays of scalars as one value). */
export function flatten(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const stack: [string, unknown, number][] = [['', value, 0]];
  while (stack.length) {
    const [path, v, depth] = stack.pop()!;
    const leaf = !v || typeof v !== 'object' || (Array.isArray(v) && v.every((x) => typeof x !== 'object'));
    if (leaf || depth >= MAX_DEPTH) {
      out.set(path, text(v));
      continue;
    }
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--)
      stack.push([path ? `${path}.${entries[i][0]}` : entries[i][0], entries[i][1], depth + 1]);
  }
  return out;
}
