// First-party message tracking (docs/messages.md):
//   POST /m/send-log        secret key (ingest scope): sends (and outcomes) of any provider; answers with
//                           the open pixel URL and tracked links of each send
//   GET  /m/o/<token>.gif   open pixel: a 1x1 GIF, never cached
//   GET  /m/c/<token>       click redirect: 302 to the URL inside the signed token, and only there
//   GET  /m/s/<code>.<sig>  SMS short link: 302 to the URL stored for the code
// A tampered or unknown token is answered 400/404 with no Location header: nothing redirects anywhere
// that was not signed with MESSAGE_LINK_SECRET.
import { createHmac } from 'node:crypto';
import Router from '@koa/router';
import type Koa from 'koa';
import { withTenant } from '../../lib/db/tenant';
import type { DatabasePool } from '../../lib/db/pool';
import { bodyFieldErrors } from '../../lib/ingest/event-schema';
import type { Logger } from '../../lib/logger';
import { withVisitorLinkParams } from '../../lib/messages/links';
import { detectProxyOpen } from '../../lib/messages/proxy-open';
import { messageEvent, type MessageChannel, type MessageEvent, type MessageSend } from '../../lib/messages/records';
import { recipientHashOf, SEND_LOG_MAX_ITEMS, sendLogBodySchema, toIso } from '../../lib/messages/send-log';
import { MAX_TOKEN_LENGTH, signMessageToken, signShortLink, verifyMessageToken, verifyShortLink } from '../../lib/messages/tokens';
import type { KeyResolver } from '../key-resolver';
import { readJsonBody } from '../read-body';
import { findTrackedSend, recordFirstPartyHit, resolveShortLink, saveSendLog } from '../messages/store';

export type MessageRouteDeps = {
  appPool: DatabasePool;
  keys: KeyResolver;
  logger: Logger;
  /** MESSAGE_LINK_SECRET: signs and checks every token; without it the endpoints answer 503. */
  messageLinkSecret?: string;
  /** PUBLIC_COLLECTOR_URL: the base of the URLs the send log hands out (default: this request's origin). */
  publicUrl?: string;
};

/** The smallest transparent GIF (1x1, 43 bytes). */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const SEND_LOG_BODY_LIMIT = 1024 * 1024;

const channelCode = (channel: MessageChannel): 'e' | 's' => (channel === 'email' ? 'e' : 's');
const channelOf = (code: 'e' | 's'): MessageChannel => (code === 'e' ? 'email' : 'sms');

function noStore(ctx: Koa.Context): void {
  ctx.set('Cache-Control', 'no-store, no-cache, must-revalidate, private, max-age=0');
  ctx.set('Pragma', 'no-cache');
  ctx.set('Expires', '0');
}

function requireSecret(ctx: Koa.Context, deps: MessageRouteDeps): string {
  if (!deps.messageLinkSecret) {
    deps.logger.error({ path: ctx.path }, 'message tracking refused: MESSAGE_LINK_SECRET is not set');
    return ctx.throw(503, 'message tracking is not configured on this collector (MESSAGE_LINK_SECRET missing)');
  }
  return deps.messageLinkSecret;
}

async function requireIngestKey(ctx: Koa.Context, keys: KeyResolver): Promise<string> {
  const token = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
  if (!token) ctx.throw(401, 'the send log needs "Authorization: Bearer <secret key>"');
  const key = await keys.resolveSecretKey(token);
  if (!key) ctx.throw(401, 'unknown or revoked secret key');
  if (!key.scopes.includes('ingest')) ctx.throw(403, 'this secret key lacks the ingest scope');
  return key.companyId;
}

export function messageRoutes(deps: MessageRouteDeps): Router {
  const router = new Router({ prefix: '/m' });

  router.post('/send-log', async (ctx) => {
    const companyId = await requireIngestKey(ctx, deps.keys);
    const secret = requireSecret(ctx, deps);
    const parsed = sendLogBodySchema.safeParse(await readJsonBody(ctx, SEND_LOG_BODY_LIMIT));
    if (!parsed.success) return ctx.throw(422, `invalid send log (at most ${SEND_LOG_MAX_ITEMS} sends and ${SEND_LOG_MAX_ITEMS} events)`, { details: bodyFieldErrors(parsed.error) });
    const body = parsed.data;
    const now = new Date();
    const base = deps.publicUrl?.replace(/\/$/, '') ?? ctx.origin;

    const sends: MessageSend[] = body.sends.map((s) => ({
      provider: s.provider,
      sendId: s.send_id,
      channel: s.channel,
      campaignId: s.campaign_id ?? null,
      messageId: s.message_id ?? null,
      creativeId: s.creative_id ?? null,
      conceptAngle: s.concept_angle ?? null,
      recipientHash: recipientHashOf(s),
      sentAt: toIso(s.sent_at, now),
      recordedBy: 'send_log',
    }));
    const links: Array<{ code: string; provider: string; sendId: string; channel: MessageChannel; url: string }> = [];
    const tracking = body.sends.map((s) => {
      const ids = { v: 1 as const, c: companyId, p: s.provider, s: s.send_id, ch: channelCode(s.channel) };
      const tracked = (s.links ?? []).map((url) => {
        if (s.channel === 'sms') {
          const code = createHmac('sha256', secret).update(`code.${companyId}.${s.provider}.${s.send_id}.${url}`).digest('base64url').slice(0, 12);
          links.push({ code, provider: s.provider, sendId: s.send_id, channel: s.channel, url });
          return { url, tracked_url: `${base}/m/s/${signShortLink(secret, code)}` };
        }
        return { url, tracked_url: `${base}/m/c/${signMessageToken(secret, { ...ids, k: 'c', u: url })}` };
      });
      return {
        provider: s.provider,
        send_id: s.send_id,
        ...(s.channel === 'email' ? { open_pixel_url: `${base}/m/o/${signMessageToken(secret, { ...ids, k: 'o' })}.gif` } : {}),
        links: tracked,
      };
    });
    const events: MessageEvent[] = body.events.map((e) =>
      messageEvent({
        provider: e.provider,
        providerEventId: `log:${e.event_id}`,
        sendId: e.send_id,
        channel: e.channel,
        eventType: e.event_type,
        occurredAt: toIso(e.occurred_at, now),
        recordedBy: 'send_log',
        severity: e.event_type === 'bounced' ? 'permanent' : (e.severity ?? null),
        reason: e.reason ?? null,
        url: e.url ?? null,
      }),
    );
    const saved = await saveSendLog(deps.appPool, companyId, sends, events, links);
    deps.logger.info({ company_id: companyId, sends: sends.length, events: events.length, events_stored: saved.eventsStored }, 'send log stored');
    ctx.body = { ok: true, sends: sends.length, events_stored: saved.eventsStored, events_duplicate: events.length - saved.eventsStored, tracking };
  });

  router.get('/o/:file', async (ctx) => {
    const secret = requireSecret(ctx, deps);
    const file = ctx.params.file ?? '';
    noStore(ctx);
    if (!file.endsWith('.gif') || file.length > MAX_TOKEN_LENGTH) return ctx.throw(404, 'unknown open pixel');
    const verified = verifyMessageToken(secret, file.slice(0, -4), 'o');
    if (!verified.ok) {
      deps.logger.warn({ reason: verified.reason }, 'open pixel with a bad token refused');
      return ctx.throw(400, 'invalid tracking token');
    }
    const t = verified.payload;
    const found = await withTenant(deps.appPool, t.c, async (tx) => {
      const send = await findTrackedSend(tx, t.c, t.p, t.s);
      if (!send) return false;
      if (send.capture) {
        const proxy = detectProxyOpen({ userAgent: ctx.get('user-agent') || null, openedAt: new Date(), deliveredAt: new Date(send.delivered_at ?? send.sent_at) });
        await recordFirstPartyHit(tx, { companyId: t.c, provider: t.p, sendId: t.s, channel: channelOf(t.ch), kind: 'opened', url: null, proxy });
      }
      return true;
    });
    if (!found) return ctx.throw(404, 'unknown send');
    ctx.type = 'image/gif';
    ctx.body = PIXEL_GIF;
  });

  router.get('/c/:token', async (ctx) => {
    const secret = requireSecret(ctx, deps);
    noStore(ctx);
    const verified = verifyMessageToken(secret, ctx.params.token ?? '', 'c');
    if (!verified.ok || verified.payload.u === undefined) {
      deps.logger.warn({ reason: verified.ok ? 'no URL' : verified.reason }, 'click redirect with a bad token refused; no redirect');
      return ctx.throw(400, 'invalid tracking link: not redirecting');
    }
    const t = verified.payload;
    const url = t.u!;
    const context = await withTenant(deps.appPool, t.c, async (tx) => {
      const send = await findTrackedSend(tx, t.c, t.p, t.s);
      if (send?.capture) await recordFirstPartyHit(tx, { companyId: t.c, provider: t.p, sendId: t.s, channel: channelOf(t.ch), kind: 'clicked', url, proxy: { proxy: false, reason: null } });
      return send;
    });
    if (!context) deps.logger.warn({ company_id: t.c, provider: t.p }, 'signed click for a send never logged: redirected, not recorded');
    ctx.redirect(withVisitorLinkParams(url, { provider: t.p, sendId: t.s, channel: channelOf(t.ch), campaignId: context?.campaign_id, creativeId: context?.creative_id }));
  });

  router.get('/s/:link', async (ctx) => {
    const secret = requireSecret(ctx, deps);
    noStore(ctx);
    const verified = verifyShortLink(secret, ctx.params.link ?? '');
    if (!verified.ok) return ctx.throw(400, 'invalid short link: not redirecting');
    const link = await resolveShortLink(deps.appPool, verified.payload.code);
    if (!link) return ctx.throw(404, 'unknown short link');
    const send = await withTenant(deps.appPool, link.company_id, async (tx) => {
      const found = await findTrackedSend(tx, link.company_id, link.provider, link.send_id);
      if (found?.capture) await recordFirstPartyHit(tx, { companyId: link.company_id, provider: link.provider, sendId: link.send_id, channel: link.channel, kind: 'clicked', url: link.url, proxy: { proxy: false, reason: null } });
      return found;
    });
    ctx.redirect(withVisitorLinkParams(link.url, { provider: link.provider, sendId: link.send_id, channel: link.channel, campaignId: send?.campaign_id, creativeId: send?.creative_id }));
  });

  return router;
}
