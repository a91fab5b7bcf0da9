// Inbound SMS replies: an opt-out keyword (STOP and its synonyms), an opt-in (START), a help request, or a
// plain reply (counted as a response). The keyword lists are Twilio's default Advanced Opt-Out keywords
// (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT; REVOKE and OPTOUT added for the CTIA rules; START, YES,
// UNSTOP to opt back in; HELP, INFO). Twilio matches a message that *is* the keyword (case and surrounding
// space ignored), not one that merely contains it ("don't stop sending me deals" is not an opt-out): the
// same here, plus trailing punctuation ("Stop!") and the two-word spellings "STOP ALL" / "OPT OUT".
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
export const OPT_IN_KEYWORDS = ['START', 'YES', 'UNSTOP'] as const;
export const HELP_KEYWORDS = ['HELP', 'INFO'] as const;

export type ReplyKind = 'opt_out' | 'opt_in' | 'help' | 'reply';

/** The reply reduced to a keyword candidate: upper case, outer punctuation, inner spaces, dashes and underscores removed. */
export function replyKeyword(body: string): string {
  return body
    .normalize('NFKC')
    .trim()
    .replace(/^[\s"'.,!?¡¿()-]+|[\s"'.,!?¡¿()-]+$/gu, '')
    .replace(/[\s_-]+/g, '')
    .toUpperCase();
}

export function classifySmsReply(body: string | null | undefined): ReplyKind {
  const keyword = replyKeyword(body ?? '');
  if ((OPT_OUT_KEYWORDS as readonly string[]).includes(keyword)) return 'opt_out';
  if ((OPT_IN_KEYWORDS as readonly string[]).includes(keyword)) return 'opt_in';
  if ((HELP_KEYWORDS as readonly string[]).includes(keyword)) return 'help';
  return 'reply';
}
