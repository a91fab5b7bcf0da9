import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AD_PLATFORM_CHANNELS, FUNNEL_STEPS, METRICS } from '../../../lib/metrics/definitions';
import { TIME_TO_CONVERSION_BUCKETS, timeToConversionBucket } from '../../../lib/metrics/time-to-conversion';

const docs = readFileSync(path.resolve(__dirname, '../../../docs/metrics.md'), 'utf8');
const migration = readFileSync(path.resolve(__dirname, '../../../sql/migrations/0008_rollups.sql'), 'utf8');

describe('metric catalogue', () => {
  test.each(METRICS.map((m) => [m.name, m] as const))('docs/metrics.md defines %s with its view', (_name, metric) => {
    expect(docs).toContain(`## ${metric.name}`);
    expect(docs).toContain(metric.view);
  });

  test.each(METRICS.map((m) => [m.name, m] as const))('the view of %s exists in migration 0008 with its columns', (_name, metric) => {
    expect(migration).toContain(`CREATE VIEW ${metric.view} `);
    for (const column of metric.columns) expect(migration).toMatch(new RegExp(`\\b${column}\\b`));
  });

  test('the funnel steps are the standard events, in order', () => {
    expect(FUNNEL_STEPS).toEqual(['page_view', 'add_to_cart', 'begin_checkout', 'purchase']);
    FUNNEL_STEPS.forEach((step, i) => expect(migration).toContain(`WHEN '${step}' THEN ${i + 1}`));
  });

  test('every ad platform maps to the channel the SQL uses', () => {
    for (const [platform, m] of Object.entries(AD_PLATFORM_CHANNELS)) expect(migration).toContain(`WHEN '${platform}' THEN '${m.channel}'`);
  });
});

describe('time to conversion buckets', () => {
  test.each([
    [null, 0],
    [0, 1],
    [3599, 1],
    [3600, 2],
    [86_399, 2],
    [86_400, 3],
    [3 * 86_400, 4],
    [7 * 86_400 - 1, 4],
    [7 * 86_400, 5],
    [14 * 86_400, 6],
    [30 * 86_400, 6],
  ])('%s seconds fall in bucket %s', (seconds, bucket) => {
    expect(timeToConversionBucket(seconds)).toBe(bucket);
  });

  test('labels match the SQL labels in order', () => {
    const labels = TIME_TO_CONVERSION_BUCKETS.map((b) => `'${b.label}'`).join(', ');
    expect(migration).toContain(`ARRAY[${labels}]`);
  });
});
