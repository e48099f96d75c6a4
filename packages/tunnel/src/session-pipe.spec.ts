// Two pipes back to back over an in-memory frame channel, with real loopback sockets at both
// ends: the client side (as at the gateway) and an echo target (as at the agent).
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseReason } from '@jitgate/proto';
import type { LocalEnd, LocalSink } from './local-end.js';
import { SessionPipe, type PeerFrames, type SessionEnd, type SessionStats } from './session-pipe.js';

type Frame = { kind: 'data'; payload: Uint8Array } | { kind: 'window'; increment: number } | { kind: 'half' } | { kind: 'close'; reason: CloseReason; message: string };

/** Delivers frames to the other pipe asynchronously, in order, and counts bytes in flight. */
class Channel implements PeerFrames {
  peer: SessionPipe | undefined;
  unacked = 0;
  maxUnacked = 0;
  congested = false;
  constructor(private readonly reverse: () => Channel) {}
  private deliver(frame: Frame) {
    setImmediate(() => {
      const peer = this.peer;
      if (!peer) return;
      switch (frame.kind) {
        case 'data':
          return peer.onData(frame.payload);
        case 'window':
          return peer.onWindowUpdate(frame.increment);
        case 'half':
          return peer.onHalfClose();
        case 'close':
          return peer.onClose(frame.reason, frame.message);
      }
    });
  }
  sendData(payload: Uint8Array) {
    this.unacked += payload.byteLength;
    this.maxUnacked = Math.max(this.maxUnacked, this.unacked);
    this.deliver({ kind: 'data', payload: Buffer.from(payload) });
  }
  sendWindowUpdate(increment: number) {
    this.reverse().unacked -= increment;
    this.deliver({ kind: 'window', increment });
  }
  sendHalfClose() {
    this.deliver({ kind: 'half' });
  }
  sendClose(reason: CloseReason, message: string) {
    this.deliver({ kind: 'close', reason, message });
  }
  writable() {
    return !this.congested;
  }
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/**
 * client socket ──► [gateway pipe] ⇄ channel ⇄ [agent pipe] ──► target (handler)
 * Returns the client socket and the two pipes' ends.
 */
async function setup(target: (socket: net.Socket) => void, window = 256 * 1024) {
  const targetPort = await listen(net.createServer({ allowHalfOpen: true }, target));
  const ends: { gateway?: SessionEnd; agent?: SessionEnd } = {};
  let toAgent!: Channel;
  let toGateway!: Channel;
  toAgent = new Channel(() => toGateway);
  toGateway = new Channel(() => toAgent);
  const pipes: { gateway?: SessionPipe; agent?: SessionPipe } = {};
  const accepted = new Promise<void>((resolve) => {
    const front = net.createServer({ allowHalfOpen: true }, (clientSide) => {
      pipes.gateway = new SessionPipe(clientSide, toAgent, {
        sendWindow: window,
        receiveWindow: window,
        socketClosedReason: CloseReason.CLIENT_CLOSED,
        onEnd: (end) => (ends.gateway = end),
      });
      const targetSocket = net.connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true });
      pipes.agent = new SessionPipe(targetSocket, toGateway, {
        sendWindow: window,
        receiveWindow: window,
        socketClosedReason: CloseReason.TARGET_CLOSED,
        onEnd: (end) => (ends.agent = end),
      });
      toAgent.peer = pipes.agent;
      toGateway.peer = pipes.gateway;
      resolve();
    });
    void listen(front).then((port) => {
      const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      cleanups.push(() => client.destroy());
      (setup as unknown as { client: net.Socket }).client = client;
    });
  });
  await accepted;
  const client = (setup as unknown as { client: net.Socket }).client;
  return { client, pipes, ends, toAgent, toGateway };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'end');
  return Buffer.concat(chunks);
}

describe('SessionPipe', () => {
  it('carries large transfers intact both ways and passes half-close through', async () => {
    const upload = randomBytes(24 * 1024 * 1024);
    const { client, ends } = await setup((socket) => {
      const hash = createHash('sha256');
      socket.on('data', (c: Buffer) => hash.update(c));
      socket.on('end', () => {
        // The client's FIN arrived: answer with the digest and a large download, then close.
        socket.write(hash.digest('hex'));
        socket.end(Buffer.alloc(16 * 1024 * 1024, 7));
      });
    });
    const reply = readAll(client);
    client.end(upload);
    const received = await reply;
    expect(received.subarray(0, 64).toString()).toBe(sha(upload));
    expect(received.length).toBe(64 + 16 * 1024 * 1024);
    expect(received.subarray(64).every((b) => b === 7)).toBe(true);
    client.destroy();
    await expect.poll(() => ends.gateway && ends.agent).toBeTruthy();
  });

  it('never lets a sender get more than one window ahead of a slow reader', async () => {
    const window = 128 * 1024;
    const { client, toGateway } = await setup((socket) => {
      socket.write(Buffer.alloc(8 * 1024 * 1024, 1));
    }, window);
    client.pause(); // a client that does not read
    await new Promise((r) => setTimeout(r, 300));
    expect(toGateway.maxUnacked).toBeLessThanOrEqual(window);
    expect(toGateway.maxUnacked).toBeGreaterThan(0);
    client.resume();
    let total = 0;
    client.on('data', (c: Buffer) => (total += c.length));
    await expect.poll(() => total, { timeout: 10_000 }).toBe(8 * 1024 * 1024);
  });

  it('stops reading while the transport is congested', async () => {
    const { client, toAgent } = await setup(() => {});
    toAgent.congested = true;
    client.write(Buffer.alloc(64 * 1024));
    await new Promise((r) => setTimeout(r, 100));
    expect(toAgent.unacked).toBe(0);
    toAgent.congested = false;
  });

  it('drops both sockets at once when one side closes for a reason, and reports it once', async () => {
    let targetSide!: net.Socket;
    const { client, pipes, ends } = await setup((socket) => (targetSide = socket));
    await expect.poll(() => targetSide).toBeTruthy();
    const targetEnded = once(targetSide, 'end');
    const clientEnded = once(client, 'end');
    targetSide.resume();
    client.resume();
    pipes.agent!.close(CloseReason.GRANT_EXPIRED, 'grant expired');
    await Promise.all([targetEnded, clientEnded]);
    expect(ends.agent).toEqual({ reason: CloseReason.GRANT_EXPIRED, message: 'grant expired', by: 'local' });
    expect(ends.gateway).toEqual({ reason: CloseReason.GRANT_EXPIRED, message: 'grant expired', by: 'peer' });
  });

  it('ends the session with a protocol error when the peer overruns the window', async () => {
    const { pipes, ends, client } = await setup(() => {}, 64 * 1024);
    const closed = once(client, 'end');
    client.resume();
    pipes.gateway!.onData(new Uint8Array(64 * 1024 + 1));
    await closed;
    expect(ends.gateway?.reason).toBe(CloseReason.PROTOCOL_ERROR);
    expect(ends.gateway?.message).toMatch(/window/);
  });

  it('delivers bytes still waiting for credit when the socket closes cleanly', async () => {
    const sent: Uint8Array[] = [];
    let halfClosed = false;
    let end: SessionEnd | undefined;
    const frames: PeerFrames = {
      sendData: (p) => sent.push(Buffer.from(p)),
      sendWindowUpdate: () => {},
      sendHalfClose: () => (halfClosed = true),
      sendClose: () => {},
      writable: () => true,
    };
    const port = await listen(net.createServer((socket) => socket.end(Buffer.alloc(10 * 1024, 9))));
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const pipe = new SessionPipe(socket, frames, { sendWindow: 1000, socketClosedReason: CloseReason.TARGET_CLOSED, onEnd: (e) => (end = e) });
    await once(socket, 'end');
    socket.end();
    await once(socket, 'close');
    expect(sent.reduce((n, p) => n + p.byteLength, 0)).toBe(1000);
    expect(end).toBeUndefined(); // the session waits for the peer's credit
    pipe.onWindowUpdate(10 * 1024);
    expect(sent.reduce((n, p) => n + p.byteLength, 0)).toBe(10 * 1024);
    expect(halfClosed).toBe(true);
    expect(end?.reason).toBe(CloseReason.TARGET_CLOSED);
  });

  it('refuses window updates that would overflow the window', async () => {
    const { pipes, ends } = await setup(() => {});
    pipes.agent!.onWindowUpdate(2 ** 31);
    expect(ends.agent?.reason).toBe(CloseReason.PROTOCOL_ERROR);
  });

  it('takes a local end that is no stream: pauses it without credit, acknowledges what it took, reports its close', () => {
    const calls: string[] = [];
    let sink: LocalSink | undefined;
    const local: LocalEnd = {
      destroyed: false,
      bind: (s) => void (sink = s),
      write: (bytes, done) => {
        calls.push(`write ${bytes.byteLength}`);
        done();
      },
      end: () => void calls.push('end'),
      destroy: () => void calls.push('destroy'),
      pause: () => void calls.push('pause'),
      resume: () => void calls.push('resume'),
    };
    const sent: number[] = [];
    const updates: number[] = [];
    let end: SessionEnd | undefined;
    const frames: PeerFrames = {
      sendData: (p) => void sent.push(p.byteLength),
      sendWindowUpdate: (n) => void updates.push(n),
      sendHalfClose: () => {},
      sendClose: () => {},
      writable: () => true,
    };
    const pipe = new SessionPipe(local, frames, { sendWindow: 100, receiveWindow: 400, socketClosedReason: CloseReason.CLIENT_CLOSED, onEnd: (e) => (end = e) });
    sink?.data(Buffer.alloc(150));
    expect(sent).toEqual([100]);
    expect(calls).toEqual(['pause']);
    pipe.onWindowUpdate(100);
    expect(sent).toEqual([100, 50]);
    expect(calls.at(-1)).toBe('resume');
    pipe.onData(new Uint8Array(100));
    expect(calls.at(-1)).toBe('write 100');
    expect(updates).toEqual([100]);
    sink?.close(false);
    expect(end).toMatchObject({ reason: CloseReason.CLIENT_CLOSED, by: 'local' });
  });

  it('counts bytes handed to a slow socket when the peer closes before the socket took them', () => {
    // A client that reads slowly: the socket takes each write but confirms it later. The peer's
    // last DATA frames are followed at once by its SessionClose; the session's byte count must
    // still hold them (they do reach the client: end() flushes them first).
    const confirmations: Array<() => void> = [];
    const calls: string[] = [];
    const local: LocalEnd = {
      destroyed: false,
      bind: () => {},
      write: (_bytes, done) => void confirmations.push(() => done()),
      end: () => void calls.push('end'),
      destroy: () => void calls.push('destroy'),
      pause: () => {},
      resume: () => {},
    };
    let stats: SessionStats | undefined;
    const frames: PeerFrames = { sendData: () => {}, sendWindowUpdate: () => {}, sendHalfClose: () => {}, sendClose: () => {}, writable: () => true };
    const pipe = new SessionPipe(local, frames, { sendWindow: 100, receiveWindow: 4096, socketClosedReason: CloseReason.CLIENT_CLOSED, onEnd: (_end, s) => (stats = s) });
    pipe.onData(new Uint8Array(1000));
    pipe.onData(new Uint8Array(24));
    pipe.onClose(CloseReason.TARGET_CLOSED, 'target closed');
    expect(stats).toEqual({ bytesFromSocket: 0, bytesToSocket: 1024 });
    expect(calls).toEqual(['end']);
    for (const confirm of confirmations) confirm();
  });
});
