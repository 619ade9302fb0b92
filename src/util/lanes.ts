/**
 * Runs `work` over `items`, up to `jobs` at a time, in the items' order. After a failure no new item starts; the
 * running ones finish (so what they write is kept for a resume) and the first error is raised.
 */
export async function runInLanes<T>(
  items: readonly T[],
  jobs: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const pending = [...items];
  let failure: { error: unknown } | null = null;
  const lane = async () => {
    for (let next = pending.shift(); next !== undefined && !failure; next = pending.shift()) {
      try {
        await work(next);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, pending.length)) }, lane));
  if (failure) throw (failure as { error: unknown }).error;
}
