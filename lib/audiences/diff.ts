// What one sync sends: the difference between who should be on the list and who LUX has put there.
// Pure and deterministic (sorted output), so a plan can be recomputed and checked, and so batches of a
// stored plan are the same on every retry.
//
// Google lets a Customer Match membership expire membership_life_span days after its last upload, so a
// member whose last upload is older than the refresh cutoff is sent again (a refresh) before it lapses.

export type CurrentMember = { emailHash: string; uploadedAt: number };

export type DiffOptions = {
  now: number;
  membershipLifeSpanDays: number;
  /** identifiers one offline user data job may hold (additions beyond it wait for the next sync) */
  maxPerJob: number;
};

export type AudienceDiff = {
  /** new members and refreshes, sorted */
  adds: string[];
  /** members to take off the list, sorted */
  removes: string[];
  refreshes: number;
  /** additions left for the next sync (over maxPerJob) */
  deferred: number;
};

const DAY_MS = 86_400_000;

/** Members uploaded before this instant are re-uploaded: 30 days before expiry (half the life span for short ones). */
export function refreshCutoff(now: number, membershipLifeSpanDays: number): number {
  const margin = membershipLifeSpanDays > 60 ? 30 : membershipLifeSpanDays / 2;
  return now - (membershipLifeSpanDays - margin) * DAY_MS;
}

export function diffAudience(desired: readonly string[], current: readonly CurrentMember[], options: DiffOptions): AudienceDiff {
  const want = new Set(desired);
  const have = new Map(current.map((m) => [m.emailHash, m.uploadedAt]));
  const cutoff = refreshCutoff(options.now, options.membershipLifeSpanDays);
  const fresh: string[] = [];
  const stale: string[] = [];
  for (const hash of want) {
    const uploadedAt = have.get(hash);
    if (uploadedAt === undefined) fresh.push(hash);
    else if (uploadedAt < cutoff) stale.push(hash);
  }
  const removes = [...have.keys()].filter((hash) => !want.has(hash)).sort();
  fresh.sort();
  stale.sort();
  // New members first: a list that cannot take everyone today grows before it is refreshed.
  const all = [...fresh, ...stale];
  const chosen = all.slice(0, options.maxPerJob);
  const refreshes = Math.max(0, chosen.length - fresh.length);
  const adds = chosen.sort();
  return { adds, removes: removes.slice(0, options.maxPerJob), refreshes, deferred: all.length - adds.length + Math.max(0, removes.length - options.maxPerJob) };
}

/** items[i*size … (i+1)*size) for every i: the requests of one job. */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
