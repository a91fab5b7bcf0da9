import { DASHBOARDS, loadDashboards, parseQuestion } from '../../../lib/dashboards/catalog';

describe('dashboards catalog', () => {
  const dashboards = loadDashboards();

  it('holds the eight dashboards with every listed question on disk', () => {
    expect(dashboards.map((d) => d.slug)).toEqual(DASHBOARDS.map((d) => d.slug));
    for (const d of DASHBOARDS) expect(dashboards.find((x) => x.slug === d.slug)?.questions.map((q) => q.slug)).toEqual(expect.arrayContaining([...d.questions]));
  });

  it.each(dashboards.flatMap((d) => d.questions).map((q) => [q.file, q] as const))('%s has a complete header and a required company_id', (_file, q) => {
    expect(q.title.length).toBeGreaterThan(3);
    expect(q.description.length).toBeGreaterThan(10);
    expect(q.reads.length).toBeGreaterThan(0);
    expect(q.variables).toContainEqual({ name: 'company_id', required: true });
    if (q.visualization === 'line' || q.visualization === 'bar') expect(q.chart).toBeDefined();
  });

  it('parses a chart line and refuses a header without a title or with an unknown visualization', () => {
    const q = parseQuestion('x', 'y', '-- title: T\n-- visualization: line\n-- chart: line x=day y=a,b series=s stacked\n-- description: D\nSELECT {{company_id}}');
    expect(q.chart).toEqual({ type: 'line', x: 'day', y: ['a', 'b'], series: 's', stacked: true });
    expect(() => parseQuestion('x', 'y', '-- visualization: line\n-- description: D\nSELECT 1')).toThrow(/title/);
    expect(() => parseQuestion('x', 'y', '-- title: T\n-- visualization: pie\n-- description: D\nSELECT 1')).toThrow(/visualization/);
    expect(() => parseQuestion('x', 'y', '-- title: T\n-- visualization: bar\n-- chart: bar y=a\n-- description: D\nSELECT 1')).toThrow(/x=/);
  });
});
