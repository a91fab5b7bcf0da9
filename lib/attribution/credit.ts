// Splitting an order's revenue over its touches in integer minor units, exactly: the parts always sum to
// the whole (no cent appears or vanishes), and the same input always gives the same split.
//
// Method: largest remainder (Hamilton). Each touch first gets floor(total × weight / Σweight); the cents
// left over go one each to the touches with the largest fractional remainders, ties to the earlier
// touch. All arithmetic is exact integer arithmetic (Numbers while every product stays below 2^53, BigInt
// beyond), so no float rounding can make the parts miss the total.

/** Splits `total` (integer ≥ 0) in proportion to integer `weights` (≥ 0). All-zero weights → all zero. */
export function distribute(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`distribute: total must be a non-negative safe integer, got ${total}`);
  let sum = 0;
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) throw new RangeError(`distribute: weights must be non-negative safe integers, got ${w}`);
    sum += w;
  }
  if (weights.length === 0 || sum === 0) return weights.map(() => 0);
  // Every product total × weight is below 2^53 here, so Number arithmetic is exact; larger inputs take BigInt.
  if (total * sum <= Number.MAX_SAFE_INTEGER) return distributeExactNumbers(total, weights, sum);
  return distributeBigInt(total, weights);
}

/** Largest remainder on Numbers; only called when total × Σweight ≤ 2^53 − 1, so every step is exact. */
function distributeExactNumbers(total: number, weights: readonly number[], sum: number): number[] {
  const n = weights.length;
  const parts = new Array<number>(n);
  const rests = new Array<number>(n);
  let left = total;
  for (let i = 0; i < n; i++) {
    const product = total * (weights[i] ?? 0);
    // floor division corrected by its exact remainder (the float quotient can round across an integer)
    let q = Math.floor(product / sum);
    let r = product - q * sum;
    if (r < 0) { q -= 1; r += sum; } else if (r >= sum) { q += 1; r -= sum; }
    parts[i] = q;
    rests[i] = r;
    left -= q;
  }
  if (left > 0) {
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => ((rests[a] ?? 0) === (rests[b] ?? 0) ? a - b : (rests[b] ?? 0) - (rests[a] ?? 0)));
    for (let k = 0; k < order.length && left > 0; k++) {
      const i = order[k] ?? 0;
      parts[i] = (parts[i] ?? 0) + 1;
      left -= 1;
    }
  }
  return parts;
}

function distributeBigInt(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, w) => a + BigInt(w), 0n);
  const t = BigInt(total);
  const parts = weights.map((w) => (t * BigInt(w)) / sum);
  const remainders = weights.map((w, index) => ({ index, rest: (t * BigInt(w)) % sum }));
  let left = Number(t - parts.reduce((a, p) => a + p, 0n));
  remainders.sort((a, b) => (a.rest === b.rest ? a.index - b.index : a.rest > b.rest ? -1 : 1));
  for (const r of remainders) {
    if (left === 0) break;
    const part = parts[r.index];
    if (part === undefined) continue;
    parts[r.index] = part + 1n;
    left -= 1;
  }
  return parts.map(Number);
}

/** Position-based (U-shaped): 40 % first, 40 % last, 20 % shared by the touches between; 1 touch 100 %, 2 touches 50/50. */
export function positionWeights(n: number): number[] {
  if (n <= 0) return [];
  if (n === 1) return [1];
  if (n === 2) return [1, 1];
  const middle = n - 2;
  // 40·m : 20 : … : 20 : 40·m  ⇔  40 % : 20 %/m each : 40 %
  return Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? 2 * middle : 1));
}

/** Time-decay half-life: a touch 7 days before the purchase counts half as much as one at the purchase. */
export const TIME_DECAY_HALF_LIFE_MS = 7 * 24 * 3600 * 1000;
const DECAY_SCALE = 1_000_000;

/** Integer weights 2^(−age / half-life), scaled to millionths (at least 1, so every touch gets a share). */
export function timeDecayWeights(ageMs: readonly number[]): number[] {
  return ageMs.map((age) => Math.max(1, Math.round(DECAY_SCALE * Math.pow(2, -Math.max(0, age) / TIME_DECAY_HALF_LIFE_MS))));
}
