// SessionChannel: opening, the frames kept while the session row is written, and the rules
// that close one session (docs/tunnel.md §3 and §6).
import { Duplex } from 'node:stream';
import { create } from '@bufbuild/protobuf';
import { CloseReason, SessionOpenedSchema, type ConnectResponse } from '@jitgate/proto';
import { SessionPipe, type SessionEnd } from '@jitgate/tunnel';
import { describe, expect, it } from 'vitest';
import { SessionChannel, type ChannelTransport } from './session-channel.js';

function channel(receiveWindow = 1024) {
  const sent: ConnectResponse[] = [];
  const forgotten: number[] = [];
  const transport: ChannelTransport = {
    send: (message) => void sent.push(message),
    writable: () => true,
    forget: (sid) => void forgotten.push(sid),
    countBytes: () => {},
  };
  const closes = () => sent.flatMap((m) => (m.msg.case === 'sessionClose' ? [[m.msg.value.reason, m.msg.value.message] as const] : []));
  return { channel: new SessionChannel(3, 's-1', 'g-1', transport, receiveWindow), sent, closes, forgotten };
}

const opened = (ok: boolean, error = '') => create(SessionOpenedSchema, { sid: 3, ok, error, initialWindow: 0 });

/** A local socket stand-in: what the pipe writes is collected; `finished` settles at end(). */
function attachTo(c: SessionChannel) {
  const written: Buffer[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
    final(callback) {
      finish();
      callback();
    },
  });
  const ends: SessionEnd[] = [];
  const pipe = new SessionPipe(socket, c, { sendWindow: 1024, receiveWindow: c.receiveWindow, socketClosedReason: CloseReason.CLIENT_CLOSED, onEnd: (end) => void ends.push(end) });
  c.attach(pipe);
  return { written, finished, ends };
}

describe('SessionChannel', () => {
  it('resolves the open with the default window when the agent advertises none', async () => {
    const { channel: c } = channel();
    const result = c.waitOpened(1000);
    c.onOpened(opened(true));
    await expect(result).resolves.toEqual({ ok: true, sendWindow: 1024 * 1024 });
  });

  it('keeps what the agent sends before attach and replays it in order', async () => {
    const { channel: c } = channel();
    const result = c.waitOpened(1000);
    c.onOpened(opened(true));
    await result;
    c.onData(Buffer.from('hello '));
    c.onData(Buffer.from('world'));
    c.onHalfClose();
    const { written, finished } = attachTo(c);
    await finished;
    expect(Buffer.concat(written).toString()).toBe('hello world');
  });

  it('closes the session with PROTOCOL_ERROR when the kept bytes overrun the window', async () => {
    const { channel: c, closes } = channel(8);
    c.onOpened(opened(true));
    c.onData(Buffer.alloc(6));
    c.onData(Buffer.alloc(6));
    const { ends } = attachTo(c);
    expect(ends).toEqual([expect.objectContaining({ reason: CloseReason.PROTOCOL_ERROR, by: 'local' })]);
    expect(closes()).toEqual([[CloseReason.PROTOCOL_ERROR, 'data beyond the advertised window']]);
  });

  it('fails the open on frames before SessionOpened, and on a refusal', async () => {
    const early = channel();
    const result = early.channel.waitOpened(1000);
    early.channel.onData(Buffer.from('x'));
    await expect(result).resolves.toMatchObject({ ok: false });
    expect(early.closes()).toEqual([[CloseReason.PROTOCOL_ERROR, 'session frames before SessionOpened']]);
    expect(early.forgotten).toEqual([3]);

    const refused = channel();
    const answer = refused.channel.waitOpened(1000);
    refused.channel.onOpened(opened(false, 'dial tcp: refused'));
    await expect(answer).resolves.toEqual({ ok: false, error: 'dial tcp: refused' });
    expect(refused.closes()).toEqual([]);
  });

  it('gives up after the open timeout and tells the agent', async () => {
    const { channel: c, closes } = channel();
    await expect(c.waitOpened(20)).resolves.toMatchObject({ ok: false, error: expect.stringMatching(/did not reach the target/) });
    expect(closes()).toEqual([[CloseReason.TARGET_UNREACHABLE, expect.stringMatching(/did not reach/)]]);
    expect(c.isReleased).toBe(true);
  });
});

describe('SessionChannel, closed before attach', () => {
  it('closes a session whose agent sends a frame over 64 KiB, once its pipe is attached', async () => {
    const { channel: c, closes } = channel(1024 * 1024);
    c.onOpened(opened(true));
    c.onData(Buffer.alloc(64 * 1024 + 1));
    expect(closes()).toEqual([]);
    const { ends } = attachTo(c);
    expect(ends).toEqual([expect.objectContaining({ reason: CloseReason.PROTOCOL_ERROR, message: 'data frame larger than 64 KiB' })]);
  });

  it('reports an end already told to the agent through the pipe attached later, without telling it twice', () => {
    const { channel: c, closes } = channel();
    c.onOpened(opened(true));
    c.close(CloseReason.GRANT_REVOKED, 'the grant was revoked');
    const { ends } = attachTo(c);
    expect(ends).toEqual([expect.objectContaining({ reason: CloseReason.GRANT_REVOKED, by: 'local' })]);
    expect(closes()).toEqual([[CloseReason.GRANT_REVOKED, 'the grant was revoked']]);
  });
});
