// Dependency review: the pure half of `npm run audit:review` (scripts/dependency-review.ts does the I/O).
// A stand-in for `npm audit --omit=dev`, which cannot run where the registry refuses the advisory
// endpoint (docs/security.md § Dependency audit). From package-lock.json and each package's registry
// metadata it finds production packages whose installed version is deprecated, and those with a newer
// release within the same major. It knows nothing about advisories: that review stays manual.
import { z } from 'zod';

// ---- package-lock.json ---------------------------------------------------------------------------

const lockEntry = z.object({
  name: z.string().optional(),
  version: z.string().optional(),
  dev: z.boolean().optional(),
  devOptional: z.boolean().optional(),
  optional: z.boolean().optional(),
  link: z.boolean().optional(),
});
const lockfile = z.object({
  lockfileVersion: z.number().int().min(2, 'lockfileVersion 1 has no "packages" map; run npm >= 7 to upgrade the lockfile'),
  packages: z.record(lockEntry),
});

export type ProductionPackage = {
  name: string;
  version: string;
  /** Lockfile paths (node_modules/a/node_modules/b) installing this name@version. */
  paths: string[];
  /** True when every path is an optional dependency (platform binaries, most of them absent here). */
  optional: boolean;
};

/** The package name a lockfile path installs: what follows its last `node_modules/`. */
export function nameFromLockPath(lockPath: string): string {
  const marker = 'node_modules/';
  const at = lockPath.lastIndexOf(marker);
  return at === -1 ? lockPath : lockPath.slice(at + marker.length);
}

/**
 * Every name@version package-lock.json installs for production: not the root or workspaces,
 * not `dev` (dev-only) and not `devOptional` (optional, and reachable only through dev dependencies).
 * Sorted by name, then version.
 */
export function productionPackages(lock: unknown): ProductionPackage[] {
  const parsed = lockfile.parse(lock);
  const byKey = new Map<string, ProductionPackage>();
  for (const [lockPath, entry] of Object.entries(parsed.packages)) {
    // Paths outside node_modules/ are workspace sources (not registry packages), like the root "".
    if (!lockPath.includes('node_modules/') || entry.link || entry.dev || entry.devOptional) continue;
    if (!entry.version) throw new Error(`package-lock.json: "${lockPath}" has no version`);
    // `name` appears when the folder name differs from the package (an npm: alias).
    const name = entry.name ?? nameFromLockPath(lockPath);
    const key = `${name}@${entry.version}`;
    const found = byKey.get(key);
    if (found) {
      found.paths.push(lockPath);
      found.optional = found.optional && entry.optional === true;
    } else {
      byKey.set(key, { name, version: entry.version, paths: [lockPath], optional: entry.optional === true });
    }
  }
  return [...byKey.values()].sort((a, b) => (a.name === b.name ? compareVersions(a.version, b.version) : a.name < b.name ? -1 : 1));
}

// ---- registry metadata ---------------------------------------------------------------------------

/** The fields of GET <registry>/<name> this review uses; anything else in the document is ignored. */
export const registryMetadata = z.object({
  name: z.string(),
  'dist-tags': z.record(z.string()).default({}),
  versions: z.record(
    z.object({
      // npm sets a message string; a few registries have been seen writing `false` for "not deprecated".
      deprecated: z.union([z.string(), z.boolean()]).optional(),
    }),
  ),
});
export type RegistryMetadata = z.infer<typeof registryMetadata>;

/** The deprecation message of one version, or undefined when it is not deprecated. */
export function deprecationOf(meta: RegistryMetadata, version: string): string | undefined {
  const d = meta.versions[version]?.deprecated;
  if (d === undefined || d === false || d === '') return undefined;
  return d === true ? 'deprecated' : d;
}

/**
 * A version every honest registry reports as deprecated (request was deprecated on 2020-02-11). If the
 * registry's metadata for it carries no `deprecated` field, the registry strips the field (some mirrors
 * do) and a clean "deprecated: 0" from it would mean nothing.
 */
export const DEPRECATION_CANARY = { name: 'request', version: '2.88.2' } as const;

export function registryReportsDeprecation(canaryMeta: RegistryMetadata): boolean {
  return deprecationOf(canaryMeta, DEPRECATION_CANARY.version) !== undefined;
}

// ---- semver (just enough: parse and precedence, per semver.org §2, §9-11) -----------------------

export type SemVer = { major: number; minor: number; patch: number; prerelease: string[] };

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function parseVersion(version: string): SemVer | undefined {
  const m = SEMVER.exec(version.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ? m[4].split('.') : [] };
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an !== bn) return an ? -1 : 1; // numeric identifiers sort before alphanumeric ones
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareSemVer(a: SemVer, b: SemVer): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return Math.sign(a[k] - b[k]);
  // A version without a prerelease ranks above the same version with one.
  if (!a.prerelease.length || !b.prerelease.length) return Math.sign(b.prerelease.length - a.prerelease.length);
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const c = compareIdentifiers(a.prerelease[i]!, b.prerelease[i]!);
    if (c !== 0) return c;
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

/** Compare two version strings; unparsable ones sort first, among themselves by text. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (pa && pb) return compareSemVer(pa, pb);
  if (!pa && !pb) return a < b ? -1 : a > b ? 1 : 0;
  return pa ? 1 : -1;
}

export type Behind = { latest: string; kind: 'patch' | 'minor' };

/**
 * The newest release above `installed` in the same major, if any. Candidates are the stable versions,
 * plus (like a `^` range does) prereleases of the installed version's own major.minor.patch when the
 * installed version is itself a prerelease. Deprecated versions are not offered as upgrades. `kind` is
 * `patch` when the newest candidate shares major.minor, `minor` otherwise. Note that for 0.x packages a
 * minor bump is a breaking one by semver's own rule; the report says so.
 */
export function newerWithinMajor(installed: string, meta: RegistryMetadata): Behind | undefined {
  const cur = parseVersion(installed);
  if (!cur) return undefined;
  let best: { text: string; v: SemVer } | undefined;
  for (const text of Object.keys(meta.versions)) {
    const v = parseVersion(text);
    if (!v || v.major !== cur.major || compareSemVer(v, cur) <= 0) continue;
    if (v.prerelease.length && !(cur.prerelease.length && v.minor === cur.minor && v.patch === cur.patch)) continue;
    if (deprecationOf(meta, text) !== undefined) continue;
    if (!best || compareSemVer(v, best.v) > 0) best = { text, v };
  }
  if (!best) return undefined;
  return { latest: best.text, kind: best.v.minor === cur.minor ? 'patch' : 'minor' };
}

// ---- the review ----------------------------------------------------------------------------------

export type PackageFinding = ProductionPackage & { deprecated?: string; behind?: Behind; latestTag?: string };
export type FetchFailure = { name: string; error: string };

export type Review = {
  checked: number;
  /** Distinct names looked up in the registry. */
  names: number;
  deprecated: PackageFinding[];
  behind: PackageFinding[];
  failures: FetchFailure[];
  /** False when the registry strips `deprecated` (see DEPRECATION_CANARY): then `deprecated` proves nothing. */
  deprecationReported: boolean;
};

export function review(
  packages: ProductionPackage[],
  metadata: ReadonlyMap<string, RegistryMetadata>,
  failures: FetchFailure[],
  deprecationReported: boolean,
): Review {
  const deprecated: PackageFinding[] = [];
  const behind: PackageFinding[] = [];
  for (const pkg of packages) {
    const meta = metadata.get(pkg.name);
    if (!meta) continue;
    const finding: PackageFinding = { ...pkg, latestTag: meta['dist-tags'].latest };
    const message = deprecationOf(meta, pkg.version);
    if (message !== undefined) deprecated.push({ ...finding, deprecated: message });
    const newer = newerWithinMajor(pkg.version, meta);
    if (newer) behind.push({ ...finding, behind: newer });
  }
  const names = new Set(packages.map((p) => p.name)).size;
  return { checked: packages.length, names, deprecated, behind, failures, deprecationReported };
}

/** Exit status: 0 ok; with --strict, 1 if a production package is deprecated, 2 if the check was incomplete. */
export function exitCode(result: Review, strict: boolean): number {
  if (!strict) return 0;
  if (result.deprecated.length) return 1;
  if (result.failures.length || !result.deprecationReported) return 2;
  return 0;
}

export function formatReview(result: Review, registry: string): string {
  const lines: string[] = [];
  const optional = (p: PackageFinding) => (p.optional ? ' (optional)' : '');
  lines.push(`Dependency review against ${registry}`);
  lines.push(`Production packages checked: ${result.checked} (name@version from package-lock.json; ${result.names} distinct names)`);
  if (!result.deprecationReported) {
    lines.push(
      `WARNING: this registry does not report deprecations: ${DEPRECATION_CANARY.name}@${DEPRECATION_CANARY.version}, ` +
        'deprecated upstream since 2020, has no "deprecated" field in its metadata (a mirror that strips the field?). ' +
        'The deprecated list below is a lower bound, not evidence; rerun where the public npm registry itself answers.',
    );
  }
  lines.push(`Deprecated: ${result.deprecated.length}${result.deprecationReported ? '' : ' (a lower bound, see WARNING)'}`);
  for (const p of result.deprecated) {
    const tag = p.latestTag && p.latestTag !== p.version ? ` (latest tag ${p.latestTag})` : '';
    lines.push(`  ${p.name}@${p.version}${optional(p)}${tag}: ${p.deprecated ?? ''}`);
  }
  const patch = result.behind.filter((p) => p.behind?.kind === 'patch').length;
  lines.push(`Behind within major: ${result.behind.length} (${patch} patch, ${result.behind.length - patch} minor)`);
  for (const p of result.behind) {
    const b = p.behind!;
    const zeroMajor = b.kind === 'minor' && parseVersion(p.version)?.major === 0 ? ', 0.x: minor may break' : '';
    const tag = p.latestTag && p.latestTag !== b.latest ? `; latest tag ${p.latestTag}` : '';
    lines.push(`  ${p.name}@${p.version}${optional(p)} -> ${b.latest} (${b.kind}${zeroMajor}${tag})`);
  }
  if (result.failures.length) {
    lines.push(`Could not check: ${result.failures.length}`);
    for (const f of result.failures) lines.push(`  ${f.name}: ${f.error}`);
  }
  return lines.join('\n') + '\n';
}
