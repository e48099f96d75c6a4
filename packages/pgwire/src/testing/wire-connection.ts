// A minimal promise-based client connection over net.Socket, for integration specs only: it
// frames with MessageReader and logs in with ClientAuthenticator (the same path the agent uses).
import { connect, type Socket } from 'node:net';
import { decodeAuthentication, decodeBackendKeyData, decodeErrorResponse, decodeParameterStatus, type BackendKeyData, type NoticeFields } from '../backend-decoders.js';
import { ClientAuthenticator } from '../client-authenticator.js';
import { MessageReader, type PgMessage } from '../message-reader.js';
import { BackendType } from '../message-types.js';
import { encodeStartupMessage } from '../startup.js';

/** Outcome of WireConnection.login: session parameters, or the server's ErrorResponse. */
export type LoginResult = { ok: true; parameters: Record<string, string>; keyData: BackendKeyData | undefined } | { ok: false; error: NoticeFields };

/** A client connection that hands out whole backend frames in order. */
export class WireConnection {
  private readonly reader = new MessageReader({ maxMessageBytes: 64 * 1024 * 1024 });
  private wake: (() => void) | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      this.wake?.();
    });
    socket.on('error', (error) => {
      this.failure = error;
      this.wake?.();
    });
    socket.on('close', () => {
      this.failure ??= new Error('connection closed');
      this.wake?.();
    });
  }

  static async open(host: string, port: number): Promise<WireConnection> {
    return await new Promise((resolve, reject) => {
      const s = connect({ host, port }, () => {
        s.off('error', reject);
        resolve(new WireConnection(s));
      });
      s.once('error', reject);
    });
  }

  send(frame: Buffer): void {
    this.socket.write(frame);
  }

  /** The next backend frame; rejects if the connection ends first. */
  async next(): Promise<PgMessage> {
    for (;;) {
      const m = this.reader.next();
      if (m) return m;
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** Frames up to and including ReadyForQuery. */
  async untilReady(): Promise<PgMessage[]> {
    const out: PgMessage[] = [];
    for (;;) {
      const m = await this.next();
      out.push(m);
      if (m.type === BackendType.ReadyForQuery) return out;
    }
  }

  /** Startup + authentication; stops at ReadyForQuery or at the server's ErrorResponse. */
  async login(user: string, password: string, database = 'postgres'): Promise<LoginResult> {
    const auth = new ClientAuthenticator({ user, password });
    this.send(encodeStartupMessage({ user, database }));
    const parameters: Record<string, string> = {};
    let keyData: BackendKeyData | undefined;
    for (;;) {
      const m = await this.next();
      switch (m.type) {
        case BackendType.Authentication: {
          const reply = auth.onAuthentication(decodeAuthentication(m.body));
          if (reply) this.send(reply);
          break;
        }
        case BackendType.ParameterStatus: {
          const p = decodeParameterStatus(m.body);
          parameters[p.name] = p.value;
          break;
        }
        case BackendType.BackendKeyData:
          keyData = decodeBackendKeyData(m.body);
          break;
        case BackendType.ErrorResponse:
          return { ok: false, error: decodeErrorResponse(m.body) };
        case BackendType.ReadyForQuery:
          if (!auth.authenticated) throw new Error('ReadyForQuery before AuthenticationOk');
          return { ok: true, parameters, keyData };
        default:
          break;
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
