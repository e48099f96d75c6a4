// PgSession as a SessionPipe's local end: flow control both ways, holds, the farewell. The
// protocol halves are stand-ins that pass messages on (their own specs and the postgres e2e
// suites cover what they decide); the client is one end of an in-memory socket pair.
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MessageReader, type PgMessage } from '@jitgate/pgwire';
import { duplexPair, type LocalSink } from '@jitgate/tunnel';
import type { ClientMessages } from './pg-client-messages.js';
import type { ServerMessages } from './pg-server-messages.js';
import { PgSession } from './pg-session.js';

/** A Sync ('S', length 4): the smallest client message. */
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);
/** A ReadyForQuery ('Z', idle). */
const READY = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);

interface Rig {
  session: PgSession;
  /** The client's own end of its socket. */
  client: Duplex;
  sent: Buffer[];
  events: string[];
  /** The next client message waits on this promise (a hold). */
  holdNext(held: Promise<void>): void;
}

function rig(): Rig {
  const [gatewaySide, client] = duplexPair();
  // Login leaves the socket paused.
  gatewaySide.pause();
  const sent: Buffer[] = [];
  const events: string[] = [];
  let hold: Promise<void> | undefined;
  let session: PgSession | undefined;
  const clientSide = {
    handle(message: PgMessage): void | Promise<void> {
      const held = hold;
      hold = undefined;
      if (held) return held.then(() => session?.toServer(message.raw));
      session?.toServer(message.raw);
    },
  } as unknown as ClientMessages;
  const serverSide = { handle: (message: PgMessage) => session?.toClient(message.raw) } as unknown as ServerMessages;
  session = new PgSession({
    client: gatewaySide,
    clientReader: new MessageReader({ maxMessageBytes: 1024 }),
    serverReader: new MessageReader({ maxMessageBytes: 1024 * 1024 }),
    clientSide,
    serverSide,
    inFlight: () => false,
  });
  const sink: LocalSink = {
    data: (chunk) => void sent.push(chunk),
    end: () => void events.push('end'),
    close: () => void events.push('close'),
  };
  session.bind(sink);
  return { session, client, sent, events, holdNext: (held) => (hold = held) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PgSession', () => {
  it('reads the client only once opened, and passes its messages to the pipe as one chunk per read', async () => {
    const { session, client, sent } = rig();
    client.write(Buffer.concat([SYNC, SYNC]));
    await tick();
    expect(sent).toEqual([]);
    session.open();
    await tick();
    expect(sent).toEqual([Buffer.concat([SYNC, SYNC])]);
  });

  it('pauses the client while the pipe is paused, and reads on when it resumes', async () => {
    const { session, client, sent } = rig();
    session.open();
    session.pause();
    client.write(SYNC);
    await tick();
    expect(sent).toEqual([]);
    session.resume();
    await tick();
    expect(sent).toEqual([SYNC]);
  });

  it('holds: nothing more is read until the decision, then the held message goes first', async () => {
    const { session, client, sent, holdNext } = rig();
    let decide: () => void = () => {};
    holdNext(new Promise<void>((resolve) => (decide = resolve)));
    session.open();
    client.write(SYNC);
    await tick();
    expect(sent).toEqual([]);
    decide();
    await tick();
    expect(sent).toEqual([SYNC]);
  });

  it("acknowledges the agent's bytes at once while the client keeps up, and only after its drain when it does not", async () => {
    const { session, client } = rig();
    session.open();
    let acked = 0;
    session.write(READY, () => void (acked += 1));
    expect(acked).toBe(1);
    // The client stops reading: the pair's buffers fill and the socket needs a drain.
    client.pause();
    const big = Buffer.concat([Buffer.from([0x44, 0, 2, 0, 4]), Buffer.alloc(128 * 1024)]);
    for (let i = 0; i < 4; i += 1) session.write(big, () => void (acked += 1));
    expect(acked).toBeLessThan(5);
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => void received.push(chunk));
    client.resume();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(acked).toBe(5);
    expect(Buffer.concat(received).length).toBe(READY.length + 4 * big.length);
  });

  it('says its farewell before the client is closed, and reports its close to the pipe once', async () => {
    const { session, client, events } = rig();
    session.open();
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => void received.push(chunk));
    session.sayFarewell({ sqlstate: '57P01', message: 'terminating connection: jitgate: the grant for this session has expired' });
    session.destroy();
    session.destroy();
    await tick();
    expect(events).toEqual(['close']);
    expect(session.destroyed).toBe(true);
    const bytes = Buffer.concat(received);
    expect(bytes[0]).toBe(0x45);
    expect(bytes.toString('latin1')).toContain('57P01');
  });

  it('a client that goes away ends the session: end to the pipe, then close', async () => {
    const { session, client, events } = rig();
    session.open();
    client.end();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events[0]).toBe('end');
    client.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual(['end', 'close']);
  });
});
