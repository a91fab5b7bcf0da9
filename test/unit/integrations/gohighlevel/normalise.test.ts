import { createHash } from 'node:crypto';
import type { Lead, NormaliseResult } from '../../../../lib/commerce/records';
import { normaliseGoHighLevelWebhook } from '../../../../integrations/gohighlevel';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function leadOf(result: NormaliseResult): Lead {
  if (!result.ok) throw new Error(`expected a lead, got rejection: ${result.rejected.reason}`);
  const [record] = result.records;
  if (record?.kind !== 'lead' || result.records.length !== 1) throw new Error(`expected one lead, got ${JSON.stringify(result.records)}`);
  return record.lead;
}

function reasonOf(result: NormaliseResult): string {
  if (result.ok) throw new Error('expected a rejection');
  return result.rejected.reason;
}

const contact = {
  type: 'ContactCreate',
  locationId: 've9EPM428h8vShlRW1KT',
  id: 'nmFmQEsNgz6AVpgLVUJ0',
  email: 'John.Deo@Example.com',
  phone: '+15550100',
  firstName: 'John',
  lastName: 'Deo',
  source: 'spring landing form',
  dateAdded: '2025-01-28T14:34:58.193Z',
  tags: ['newsletter'],
  customData: { lux_visitor_id: '0b6c2b9e-6f1c-4b7a-9a51-3c1d2e4f5a6b', lux_session_id: '7d9f1c2a-1111-4b7a-9a51-3c1d2e4f5a6b' },
  timestamp: '2025-01-28T14:35:00.000Z',
  webhookId: 'w-1',
};

const opportunity = {
  type: 'OpportunityStatusUpdate',
  locationId: 've9EPM428h8vShlRW1KT',
  id: 'opp_7c1f2e3d',
  contactId: 'nmFmQEsNgz6AVpgLVUJ0',
  name: 'Kitchen remodel',
  monetaryValue: 1250.5,
  pipelineId: 'pipe_1',
  pipelineStageId: 'stage_proposal',
  status: 'won',
  source: 'website',
  dateAdded: '2025-01-20T09:00:00.000Z',
  timestamp: '2025-01-28T15:00:00.000Z',
  webhookId: 'w-2',
};

describe('normaliseGoHighLevelWebhook: contacts', () => {
  it('maps a contact to a lead with a hashed email and no status or value', () => {
    expect(leadOf(normaliseGoHighLevelWebhook('ContactCreate', contact))).toEqual({
      source: 'gohighlevel',
      kind: 'contact',
      externalId: 'nmFmQEsNgz6AVpgLVUJ0',
      emailHash: sha256('john.deo@example.com'),
      status: null,
      valueMinor: null,
      currency: null,
      pipelineStage: null,
      createdAt: '2025-01-28T14:34:58.193Z',
      sourceUpdatedAt: '2025-01-28T14:35:00.000Z',
      tracking: { visitorId: '0b6c2b9e-6f1c-4b7a-9a51-3c1d2e4f5a6b', sessionId: '7d9f1c2a-1111-4b7a-9a51-3c1d2e4f5a6b', userId: null },
    });
  });

  it('never returns the email in clear', () => {
    expect(JSON.stringify(normaliseGoHighLevelWebhook('ContactCreate', contact)).toLowerCase()).not.toContain('john.deo');
  });

  it('falls back to the event timestamp when dateAdded is missing, and has no tracking without a lux_visitor_id', () => {
    const { dateAdded: _dateAdded, customData: _customData, ...rest } = contact;
    const lead = leadOf(normaliseGoHighLevelWebhook('ContactUpdate', { ...rest, customData: { lux_session_id: 's-only' } }));
    expect(lead.createdAt).toBe(contact.timestamp);
    expect(lead.tracking).toEqual({ visitorId: null, sessionId: null, userId: null });
  });

  it('reads a contact nested under data (the integration guide\'s shape)', () => {
    const { type, timestamp, webhookId, ...fields } = contact;
    const lead = leadOf(normaliseGoHighLevelWebhook('ContactCreate', { type, timestamp, webhookId, data: fields }));
    expect(lead).toMatchObject({ externalId: contact.id, emailHash: sha256('john.deo@example.com') });
  });

  it('records nothing for a deletion', () => {
    expect(normaliseGoHighLevelWebhook('ContactDelete', { type: 'ContactDelete', id: contact.id })).toEqual({ ok: true, records: [] });
  });
});

describe('normaliseGoHighLevelWebhook: opportunities', () => {
  it('maps status, stage and the value in the configured currency, exactly', () => {
    expect(leadOf(normaliseGoHighLevelWebhook('OpportunityStatusUpdate', opportunity, { currency: 'usd' }))).toEqual({
      source: 'gohighlevel',
      kind: 'opportunity',
      externalId: 'opp_7c1f2e3d',
      emailHash: null,
      status: 'won',
      valueMinor: 125050,
      currency: 'USD',
      pipelineStage: 'stage_proposal',
      createdAt: '2025-01-20T09:00:00.000Z',
      sourceUpdatedAt: '2025-01-28T15:00:00.000Z',
      tracking: { visitorId: null, sessionId: null, userId: null },
    });
  });

  it('does not guess a currency: without one, value and currency stay null', () => {
    expect(leadOf(normaliseGoHighLevelWebhook('OpportunityCreate', opportunity))).toMatchObject({ valueMinor: null, currency: null, status: 'won' });
  });

  it.each(['open', 'won', 'lost', 'abandoned', 'Open'])('accepts status %p', (status) => {
    expect(leadOf(normaliseGoHighLevelWebhook('OpportunityStatusUpdate', { ...opportunity, status })).status).toBe(status.toLowerCase());
  });

  it('takes tracking from attributionSource when it carries a lux_visitor_id', () => {
    const lead = leadOf(normaliseGoHighLevelWebhook('OpportunityCreate', { ...opportunity, attributionSource: { url: 'https://shop.example/', lux_visitor_id: 'v-9', lux_user_id: 'u-1' } }));
    expect(lead.tracking).toEqual({ visitorId: 'v-9', sessionId: null, userId: 'u-1' });
  });

  it('uses the currency\'s own minor unit (JPY) and refuses more decimals than it has', () => {
    expect(leadOf(normaliseGoHighLevelWebhook('OpportunityCreate', { ...opportunity, monetaryValue: 5000 }, { currency: 'JPY' }))).toMatchObject({ valueMinor: 5000, currency: 'JPY' });
    expect(reasonOf(normaliseGoHighLevelWebhook('OpportunityCreate', opportunity, { currency: 'JPY' }))).toMatch(/monetaryValue: amount 1250.5 has more decimals than JPY allows/);
  });
});

describe('normaliseGoHighLevelWebhook: payloads it cannot read', () => {
  it.each([
    ['an unknown status', 'OpportunityStatusUpdate', { ...opportunity, status: 'maybe' }, /status: expected one of open, won, lost, abandoned/],
    ['a negative value', 'OpportunityMonetaryValueUpdate', { ...opportunity, monetaryValue: -5 }, /monetaryValue: /],
    ['a value as text', 'OpportunityCreate', { ...opportunity, monetaryValue: '1250.50' }, /monetaryValue: Expected number/],
    ['no id', 'ContactCreate', { ...contact, id: undefined }, /id: Required/],
    ['no date at all', 'ContactCreate', { ...contact, dateAdded: undefined, timestamp: undefined }, /dateAdded: missing/],
    ['a date without offset', 'ContactCreate', { ...contact, dateAdded: '2025-01-28 14:34' }, /dateAdded: expected an ISO 8601 time/],
    ['another event family', 'InvoicePaid', { ...contact, type: 'InvoicePaid' }, /event type "InvoicePaid" is not handled/],
    ['not an object', 'ContactCreate', 'hello', /expected a JSON object/],
  ])('rejects %s with a reason', (_label, topic, payload, reason) => {
    expect(reasonOf(normaliseGoHighLevelWebhook(topic, payload, { currency: 'USD' }))).toMatch(reason);
  });

  it('keeps the id and an email-scrubbed copy of the payload in the rejection', () => {
    const result = normaliseGoHighLevelWebhook('ContactCreate', { ...contact, dateAdded: 'yesterday' });
    if (result.ok) throw new Error('expected a rejection');
    expect(result.rejected).toMatchObject({ externalId: contact.id, raw: { id: contact.id, email: '[email]' } });
    expect(JSON.stringify(result).toLowerCase()).not.toContain('john.deo');
  });
});
