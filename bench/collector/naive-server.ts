// Baseline 2, the naive handler: a bare Node http server that JSON.parses the body, checks the few
// fields it needs by hand, and runs one INSERT per request (its own transaction, so its own commit),
// answering after the insert. As the owner role (no RLS), through a pg.Pool as large as the
// collector's. This is what "write each event straight to Postgres" costs; the collector's group
// commit exists to beat it.
import { createServer } from 'node:http';
import pg from 'pg';
import { requiredEnv, serve } from './serve';

const companyId = requiredEnv('BENCH_COMPANY_ID');
const pool = new pg.Pool({ connectionString: requiredEnv('BENCH_OWNER_URL'), max: Number(requiredEnv('BENCH_POOL_SIZE')) });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INSERT = `INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, received_at, source,
    visitor_id, session_id, page_url, referrer, properties, consent)
  VALUES ($1, $2, $3, now(), now(), 'browser', $4, $5, $6, $7, $8, $9)`;

type Event = Record<string, unknown>;

const optionalString = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function validate(body: unknown): Event | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'expected a JSON object';
  const event = body as Event;
  if (typeof event.event_id !== 'string' || !UUID.test(event.event_id)) return 'event_id: expected a UUID';
  if (typeof event.event_name !== 'string' || event.event_name.length === 0 || event.event_name.length > 100) return 'event_name: expected 1-100 characters';
  return event;
}

async function store(event: Event): Promise<void> {
  await pool.query(INSERT, [
    companyId,
    event.event_id,
    event.event_name,
    optionalString(event.visitor_id),
    optionalString(event.session_id),
    optionalString(event.page_url),
    optionalString(event.referrer),
    JSON.stringify(event.properties ?? {}),
    JSON.stringify(event.consent ?? {}),
  ]);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const answer = (status: number, body: object): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      answer(400, { error: 'malformed JSON' });
      return;
    }
    const event = validate(parsed);
    if (typeof event === 'string') {
      answer(422, { error: event });
      return;
    }
    store(event).then(
      () => answer(200, { ok: true }),
      (error: unknown) => answer(503, { error: String(error) }),
    );
  });
});

serve(server, 'naive server', () => pool.end());
