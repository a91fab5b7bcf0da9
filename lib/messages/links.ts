// What a tracked click adds to the landing URL, so the visit it starts is tied to the message
// (docs/messages.md "Linking clicks to visits"):
//   lux_mid      = linkRef(provider, send id): 24 hex characters naming the send. Not the send id itself:
//                  Mailgun's Message-Id looks like an email address and would be scrubbed from the URL.
//   utm_source   = the provider (mailgun, twilio, smtp, ...)   } only when the URL carries no utm_*
//   utm_medium   = email | sms                                  } parameter already: a marketer's own
//   utm_campaign = the send's campaign id, utm_content = its creative id } UTMs always win.
import { createHash } from 'node:crypto';

export const LINK_REF_PARAM = 'lux_mid';

export function linkRef(provider: string, sendId: string): string {
  return createHash('sha256').update(`${provider}:${sendId}`, 'utf8').digest('hex').slice(0, 24);
}

export type LinkContext = { provider: string; sendId: string; channel: 'email' | 'sms'; campaignId?: string | null; creativeId?: string | null };

export function withVisitorLinkParams(url: string, context: LinkContext): string {
  const target = new URL(url);
  const params = target.searchParams;
  params.set(LINK_REF_PARAM, linkRef(context.provider, context.sendId));
  const hasUtm = [...params.keys()].some((k) => k.toLowerCase().startsWith('utm_'));
  if (!hasUtm) {
    params.set('utm_source', context.provider);
    params.set('utm_medium', context.channel);
    if (context.campaignId) params.set('utm_campaign', context.campaignId);
    if (context.creativeId) params.set('utm_content', context.creativeId);
  }
  return target.toString();
}
