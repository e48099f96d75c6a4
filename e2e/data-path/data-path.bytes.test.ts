// End to end with real processes (docs/tunnel.md): bytes go CLI → gateway → agent → echo target
// and back, untouched. sha256 of what was sent, of what the target received and of what came
// back must all agree, for one 100 MiB transfer and for 20 sessions at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataPathStack, streamThroughEcho, type CliForwarder } from '../support/data-path-stack.js';

const MiB = 1024 * 1024;

describe('data path: bytes intact through the real gateway, agent and CLI', () => {
  let stack: DataPathStack;
  let cli: CliForwarder;

  beforeAll(async () => {
    stack = await DataPathStack.start('bytes');
    await stack.requestGrant('echo');
    cli = await stack.connect('echo');
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  /** The echo socket that received exactly `bytes`, after its side closed. */
  function targetSocketWith(hash: string, bytes: number) {
    const matches = stack.echo.sockets.filter((s) => s.received === bytes && s.closedAt !== undefined);
    const hashes = matches.map((s) => s.hash.copy().digest('hex'));
    expect(hashes, 'what the target received').toContain(hash);
  }

  it('moves 100 MiB both ways intact (sha256 at the client and at the target)', async () => {
    const total = 100 * MiB;
    const result = await streamThroughEcho(cli.port, total, 0x5eed);
    console.log(`100 MiB echoed in ${result.ms} ms (${((2 * total) / MiB / (result.ms / 1000)).toFixed(1)} MiB/s both ways)`);
    expect(result.received).toBe(total);
    expect(result.receivedHash).toBe(result.sentHash);
    targetSocketWith(result.sentHash, total);

    const sessionId = cli.sessionIds().at(-1) as string;
    const row = await stack.endedSession(sessionId);
    expect(row).toMatchObject({ connection: 'echo', bytesUp: total, bytesDown: total });
  }, 90_000);

  it('carries 20 concurrent sessions of a few MiB each, every one intact', async () => {
    const sizes = Array.from({ length: 20 }, (_, i) => 2 * MiB + i * 64 * 1024);
    const before = cli.sessionIds().length;
    const results = await Promise.all(sizes.map((size, i) => streamThroughEcho(cli.port, size, 1000 + i)));
    console.log(`20 concurrent sessions done in ${Math.max(...results.map((r) => r.ms))} ms`);
    results.forEach((result, i) => {
      expect(result.received, `session ${i}`).toBe(sizes[i]);
      expect(result.receivedHash, `session ${i}`).toBe(result.sentHash);
      targetSocketWith(result.sentHash, sizes[i] as number);
    });
    // Each local connection was its own session through the gateway.
    const ids = cli.sessionIds().slice(before);
    expect(new Set(ids).size).toBe(20);
  }, 60_000);
});
