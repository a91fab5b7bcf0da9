import { renderTemplate, templateVariables, TemplateError } from '../../../lib/dashboards/sql-template';

const COMPANY = '11111111-1111-4111-8111-111111111111';

describe('renderTemplate', () => {
  it('turns every {{variable}} into a bind parameter, in order', () => {
    const r = renderTemplate('SELECT * FROM t WHERE company_id = {{company_id}} AND day >= {{ date_from }}', { company_id: COMPANY, date_from: '2025-03-01' });
    expect(r.text).toBe('SELECT * FROM t WHERE company_id = $1 AND day >= $2');
    expect(r.values).toEqual([COMPANY, '2025-03-01']);
    expect(r.pieces).toEqual(['SELECT * FROM t WHERE company_id = ', ' AND day >= ', '']);
    expect(r.used).toEqual(['company_id', 'date_from']);
  });

  it('binds a variable used twice once per use', () => {
    const r = renderTemplate('SELECT {{a}}::int + {{a}}::int', { a: 2 });
    expect(r.text).toBe('SELECT $1::int + $2::int');
    expect(r.values).toEqual([2, 2]);
  });

  it('keeps an optional clause whose variables are all set, without its brackets', () => {
    const r = renderTemplate('SELECT 1 WHERE company_id = {{company_id}} [[ AND day >= {{date_from}} ]]', { company_id: COMPANY, date_from: '2025-01-01' });
    expect(r.text).toBe('SELECT 1 WHERE company_id = $1  AND day >= $2 ');
    expect(r.values).toEqual([COMPANY, '2025-01-01']);
  });

  it.each([undefined, null, ''])('drops an optional clause whose variable is %p', (value) => {
    const r = renderTemplate('SELECT 1 WHERE company_id = {{company_id}} [[AND channel = {{channel}}]] ORDER BY 1', { company_id: COMPANY, channel: value });
    expect(r.text).toBe('SELECT 1 WHERE company_id = $1  ORDER BY 1');
    expect(r.values).toEqual([COMPANY]);
  });

  it('drops an optional clause when any one of its variables is unset', () => {
    const r = renderTemplate('SELECT 1 [[WHERE day BETWEEN {{a}} AND {{b}}]]', { a: '2025-01-01' });
    expect(r.text).toBe('SELECT 1 ');
    expect(r.values).toEqual([]);
  });

  it('supports the coalesce(NULL [[, {{v}}]], default) pattern for defaults', () => {
    expect(renderTemplate('SELECT coalesce(NULL [[, {{d}}::date]], current_date)', {}).text).toBe('SELECT coalesce(NULL , current_date)');
    expect(renderTemplate('SELECT coalesce(NULL [[, {{d}}::date]], current_date)', { d: '2025-01-01' }).text).toBe('SELECT coalesce(NULL , $1::date, current_date)');
  });

  it('refuses a required variable without a value', () => {
    expect(() => renderTemplate('SELECT {{company_id}}', {})).toThrow(new TemplateError('variable company_id is required'));
    expect(() => renderTemplate('SELECT {{company_id}}', { company_id: '' })).toThrow(TemplateError);
  });

  describe('injection attempts stay values, never SQL', () => {
    const attacks = [
      "'; DROP TABLE companies; --",
      "2025-01-01' OR '1'='1",
      '$1; SELECT pg_sleep(10)',
      '{{company_id}}',
      ']] OR true [[',
      "x'); DELETE FROM orders; --",
      '\u0000',
    ];
    it.each(attacks)('%p', (attack) => {
      const template = 'SELECT * FROM t WHERE company_id = {{company_id}} [[ AND channel = {{channel}} ]]';
      const r = renderTemplate(template, { company_id: COMPANY, channel: attack });
      expect(r.text).toBe('SELECT * FROM t WHERE company_id = $1  AND channel = $2 ');
      expect(r.values).toEqual([COMPANY, attack]);
      expect(r.text).not.toContain(attack);
    });

    it('a value that looks like a template is not expanded again', () => {
      const r = renderTemplate('SELECT {{a}}, {{b}}', { a: '{{b}}', b: 'x' });
      expect(r.values).toEqual(['{{b}}', 'x']);
    });
  });

  it('leaves braces and brackets inside strings, quoted identifiers and comments alone', () => {
    const template = [
      "-- header: uses {{company_id}} and [[ optional ]]",
      "SELECT '{{not_a_var}}' AS a, 'it''s [[x]]' AS b, \"{{col}}\" /* {{c}} [[ */ FROM t WHERE company_id = {{company_id}}",
    ].join('\n');
    const r = renderTemplate(template, { company_id: COMPANY });
    expect(r.values).toEqual([COMPANY]);
    expect(r.text).toContain("'{{not_a_var}}'");
    expect(r.text).toContain("'it''s [[x]]'");
    expect(r.text).toContain('"{{col}}"');
    expect(r.text.endsWith('company_id = $1')).toBe(true);
  });

  it.each([
    ['SELECT {{company_id', /unterminated \{\{variable\}\}/],
    ['SELECT {{ 1abc }}', /invalid variable name/],
    ['SELECT {{a; DROP}}', /invalid variable name/],
    ['SELECT 1 [[ AND x = {{a}}', /unterminated optional clause/],
    ['SELECT 1 [[ [[ x ]] ]]', /cannot be nested/],
    ["SELECT 'abc", /unterminated string literal/],
    ['SELECT 1 /* x', /unterminated block comment/],
    ['SELECT $$ {{a}} $$', /dollar-quoted/],
  ])('rejects malformed SQL %p', (template, message) => {
    expect(() => renderTemplate(template, { a: 'x', company_id: COMPANY })).toThrow(message);
  });
});

describe('templateVariables', () => {
  it('lists variables in first-use order and marks those used outside [[ ]] as required', () => {
    const vars = templateVariables('SELECT 1 WHERE company_id = {{company_id}} [[AND day >= {{date_from}}]] [[AND c = {{channel}}]] [[AND d <= {{date_from}}]]');
    expect(vars).toEqual([
      { name: 'company_id', required: true },
      { name: 'date_from', required: false },
      { name: 'channel', required: false },
    ]);
  });
});
