import { classifySmsReply, OPT_OUT_KEYWORDS } from '../../../lib/messages/opt-out';

describe('SMS replies', () => {
  it.each(['STOP', 'stop', ' Stop ', 'Stop!', 'STOPALL', 'stop all', 'UNSUBSCRIBE', 'cancel', 'End', 'QUIT', 'revoke', 'OPTOUT', 'opt out', 'opt-out', '"STOP"'])('%j is an opt-out', (body) => {
    expect(classifySmsReply(body)).toBe('opt_out');
  });

  it.each(["don't stop", 'stop sending me this please', 'STOPP', 'Thanks!', '', 'end of story'])('%j is a reply, not an opt-out', (body) => {
    expect(classifySmsReply(body)).toBe('reply');
  });

  it('knows opt-ins and help requests', () => {
    expect(classifySmsReply('START')).toBe('opt_in');
    expect(classifySmsReply('unstop')).toBe('opt_in');
    expect(classifySmsReply('yes')).toBe('opt_in');
    expect(classifySmsReply('HELP')).toBe('help');
    expect(classifySmsReply('info')).toBe('help');
    expect(classifySmsReply(null)).toBe('reply');
  });

  it("covers Twilio's default opt-out keywords", () => {
    expect(OPT_OUT_KEYWORDS).toEqual(expect.arrayContaining(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']));
  });
});
