/** Leaf values of a JSON value by dotted path, each as JSON text (arrays of scalars as one value). */
export function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  const leaf =
    !value ||
    typeof value !== 'object' ||
    (Array.isArray(value) && value.every((v) => typeof v !== 'object'));
  if (leaf) out.set(prefix, JSON.stringify(value) ?? 'null');
  else for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}
