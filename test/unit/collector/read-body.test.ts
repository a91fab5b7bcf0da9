import { jsonNestsDeeperThan } from '../../../collector/read-body';
import { checkStandardProperties } from '../../../lib/ingest/standard-events';
import { eventSchema } from '../../../lib/ingest/event-schema';

describe('jsonNestsDeeperThan', () => {
  it('counts array and object nesting, not brackets inside strings', () => {
    expect(jsonNestsDeeperThan('[[1]]', 2)).toBe(false);
    expect(jsonNestsDeeperThan('[[[1]]]', 2)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":"[[[[[[\\"[[["}', 2)).toBe(false);
    expect(jsonNestsDeeperThan(Buffer.from('{"a":{"b":{"c":1}}}'), 2)).toBe(true);
    expect(jsonNestsDeeperThan('['.repeat(100_000), 64)).toBe(true);
  });
});

test('own "__proto__" and "constructor" keys in properties are kept as data, never as a prototype', () => {
  const properties = JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":"c","value":1}') as Record<string, unknown>;
  const parsed = eventSchema.parse({ event_id: '00000000-0000-4000-8000-000000000000', event_name: 'page_view', properties });
  const checked = checkStandardProperties('page_view', parsed.properties);
  expect(checked.ok && JSON.stringify(checked.properties)).toBe('{"__proto__":{"polluted":"yes"},"constructor":"c","value":1}');
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
