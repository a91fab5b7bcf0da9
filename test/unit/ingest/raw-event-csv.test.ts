import { csvField, RAW_EVENT_COPY_COLUMNS, rawEventCsvLine } from '../../../lib/ingest/raw-event-csv';
import type { RawEventRow } from '../../../lib/ingest/prepare-event';

const row: RawEventRow = {
  event_id: '00000000-0000-4000-8000-000000000001',
  event_name: 'page_view',
  occurred_at: '2026-03-01T10:00:00.000Z',
  client_occurred_at: null,
  received_at: '2026-03-01T10:00:01.000Z',
  source: 'server',
  visitor_id: 'v1',
  session_id: 's1',
  user_id: null,
  page_url: 'https://shop.example.com/?q="linen",shirt',
  referrer: null,
  properties: { note: 'say "hi"\nthen leave' },
  consent: {},
  context: { utm: {}, click_ids: {}, campaign_key: '', referrer_host: null, channel: 'Direct', channel_rule: 'direct', device: { deviceType: 'desktop', browser: 'Chrome', os: 'Windows' } } as unknown as RawEventRow['context'],
  ip_hash: 'abc',
  email_hash: null,
  gpc: false,
  forwardable: true,
  creative_id: null,
  concept_angle: null,
};

/** A minimal RFC 4180 reader: the fields of one CSV record (null for an unquoted empty field). */
function parseCsvLine(line: string): Array<string | null> {
  const fields: Array<string | null> = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') break;
        else value += line[i++];
      }
      fields.push(value);
      i += 2; // closing quote and comma
    } else {
      const end = line.indexOf(',', i) === -1 ? line.length : line.indexOf(',', i);
      fields.push(end === i ? null : line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

describe('raw_events COPY CSV', () => {
  it('quotes text (doubling quotes), leaves NULL as an unquoted empty field, writes objects as JSON', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField('')).toBe('""');
    expect(csvField('a"b')).toBe('"a""b"');
    expect(csvField(false)).toBe('"false"');
    expect(csvField({ a: '"' })).toBe('"{""a"":""\\""""}"');
  });

  it('one line per row: the columns in COPY order, values read back as written', () => {
    const line = rawEventCsvLine('11111111-1111-4111-8111-111111111111', row);
    expect(line.endsWith('\n')).toBe(true);
    const fields = parseCsvLine(line.slice(0, -1));
    expect(fields).toHaveLength(RAW_EVENT_COPY_COLUMNS.length);
    const byColumn = Object.fromEntries(RAW_EVENT_COPY_COLUMNS.map((c, i) => [c, fields[i]]));
    expect(byColumn.company_id).toBe('11111111-1111-4111-8111-111111111111');
    expect(byColumn.page_url).toBe(row.page_url);
    expect(byColumn.user_id).toBeNull();
    expect(JSON.parse(byColumn.properties ?? 'null')).toEqual(row.properties);
    expect(JSON.parse(byColumn.context ?? 'null')).toEqual(row.context);
    expect(byColumn.forwardable).toBe('true');
  });
});
