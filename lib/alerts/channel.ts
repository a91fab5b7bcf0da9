// Where alert digests go. A channel takes a rendered digest and delivers it; EmailChannel sends it through
// nodemailer over SMTP_URL. Slack (a webhook post of the same digest) can be added as another
// implementation later; sendAlertDigest only knows this interface.
import nodemailer, { type Transporter } from 'nodemailer';
import type { DigestContent } from './digest';

export type ChannelMessage = DigestContent & { messageId: string; recipients: string[] };
export type ChannelResult = { messageId: string; accepted: string[]; rejected: string[]; response: string };

export interface AlertChannel {
  readonly name: 'email' | 'slack';
  send(message: ChannelMessage): Promise<ChannelResult>;
  close(): void;
}

export type EmailChannelOptions = { smtpUrl: string; from: string };

export class EmailChannel implements AlertChannel {
  readonly name = 'email' as const;
  private readonly transport: Transporter;

  constructor(private readonly options: EmailChannelOptions) {
    // no pooling: one digest per company per day does not need it, and a fresh connection per send makes
    // a dropped connection a plain error for the activity's retry
    this.transport = nodemailer.createTransport({ url: options.smtpUrl, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 });
  }

  async send(message: ChannelMessage): Promise<ChannelResult> {
    const info = await this.transport.sendMail({
      from: this.options.from,
      to: message.recipients,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: message.messageId,
      // readable in the raw message (and in tests) rather than base64
      textEncoding: 'quoted-printable',
      headers: { 'Auto-Submitted': 'auto-generated', 'X-LUX-Alert-Digest': '1' },
    });
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : String((x as { address?: string }).address))) : []);
    return { messageId: message.messageId, accepted: list(info.accepted), rejected: list(info.rejected), response: String(info.response ?? '') };
  }

  close(): void {
    this.transport.close();
  }
}
