// A local stand-in for the GA4 Measurement Protocol: POST /mp/collect?measurement_id=G-…&api_secret=… answers
// 204 with no body whatever it receives (as GA4 does: a bad secret or payload is dropped silently, which is why
// the fake records what it *kept* separately); /debug/mp/collect answers {validationMessages}. Purchases are
// deduped on transaction_id.
import { startFakeServer, type RecordedRequest, type Reply } from './fake-server';

export type FakeGa4 = { url: string; measurementId: string; apiSecret: string; requests: RecordedRequest[]; kept: Array<Record<string, unknown>>; close(): Promise<void> };

export async function startFakeGa4(options: { measurementId?: string; apiSecret?: string } = {}): Promise<FakeGa4> {
  const measurementId = options.measurementId ?? 'G-TEST12345';
  const apiSecret = options.apiSecret ?? 'fake-api-secret-123';
  const kept: Array<Record<string, unknown>> = [];
  const validate = (request: RecordedRequest): string[] => {
    const problems: string[] = [];
    if (request.query.measurement_id !== measurementId || request.query.api_secret !== apiSecret) problems.push('unknown measurement_id or api_secret');
    let body: { client_id?: unknown; timestamp_micros?: unknown; events?: Array<{ name?: unknown; params?: Record<string, unknown> }> } = {};
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      problems.push('body is not JSON');
    }
    if (typeof body.client_id !== 'string') problems.push('client_id is required');
    if (typeof body.timestamp_micros !== 'number' || body.timestamp_micros < 1e15) problems.push('timestamp_micros must be unix microseconds');
    if (!Array.isArray(body.events) || body.events.length === 0) problems.push('events is required');
    return problems;
  };
  const handle = (request: RecordedRequest): Reply => {
    if (request.method !== 'POST' || !['/mp/collect', '/debug/mp/collect'].includes(request.path)) return { status: 404, body: {} };
    const problems = validate(request);
    if (request.path.startsWith('/debug')) return { status: 200, body: { validationMessages: problems.map((description) => ({ description, validationCode: 'VALUE_INVALID' })) } };
    if (problems.length === 0) {
      const body = JSON.parse(request.body) as { events: Array<{ name: string; params?: { transaction_id?: unknown } }> };
      for (const e of body.events) if (!kept.some((k) => k.name === e.name && e.params?.transaction_id !== undefined && (k.params as { transaction_id?: unknown }).transaction_id === e.params.transaction_id)) kept.push(e);
    }
    return { status: 204, body: null };
  };
  const server = await startFakeServer(handle);
  return { url: server.url, measurementId, apiSecret, requests: server.requests, kept, close: () => server.close() };
}
