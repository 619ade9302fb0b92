/**
 * TensorBoard's smoothing: an exponential moving average with weight `weight` in [0, 1), divided by the weight
 * the average has gathered so far (so the start is not pulled toward 0). Non-finite values pass through and do not
 * enter the average.
 */
export function smoothEma(y: readonly number[], weight: number): number[] {
  if (!(weight > 0)) return [...y];
  const w = Math.min(weight, 0.999);
  let last = 0;
  let count = 0;
  return y.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    count++;
    return last / (1 - w ** count);
  });
}
