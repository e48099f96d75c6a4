// AgentTunnel on a stand-in call: the state machine, backpressure and resume order, sid routing
// (docs/tunnel.md §6) and heartbeats, without a network.
import { EventEmitter } from 'node:events';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import type { Logger } from '@nestjs/common';
import { CloseReason, ConnectRequestSchema, type ConnectResponse } from '@jitgate/proto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentTunnel, type TunnelCall } from './agent-tunnel.js';
import { toAgent } from './tunnel-frames.js';

class FakeCall extends EventEmitter {
  readonly written: ConnectResponse[] = [];
  writeResult = true;
  ended = false;
  status: { code: number; details: string } | undefined;
  constructor() {
    super();
    this.on('error', (error: { code: number; details: string }) => {
      this.status = error;
    });
  }
  write(message: ConnectResponse): boolean {
    this.written.push(message);
    return this.writeResult;
  }
  pause() {}
  resume() {}
  end() {
    this.ended = true;
  }
  sent<C extends ConnectResponse['msg']['case']>(kind: C) {
    return this.written.filter((m) => m.msg.case === kind);
  }
}

const logger = { log: () => {}, warn: () => {}, error: () => {} } as unknown as Logger;
const request = (msg: MessageInitShape<typeof ConnectRequestSchema>['msg']) => create(ConnectRequestSchema, { msg });
const peer = { agentId: 'a-1', agentName: 'edge', agentGroup: 'g', instanceId: 'i', version: 'v', labels: {} };

function readyTunnel(heartbeatIntervalMs = 1000) {
  const call = new FakeCall();
  const closed = vi.fn();
  const tunnel = new AgentTunnel(call as unknown as TunnelCall, { heartbeatIntervalMs, logger, countBytes: () => {}, onAlive: () => {}, onClosed: closed });
  tunnel.accept(peer, [{ connectionId: 'c-1', name: 'echo', type: 'tcp' }], toAgent.heartbeat(new Date(0)));
  return { call, tunnel, closed };
}

const open = (tunnel: AgentTunnel, n: number) =>
  Array.from({ length: n }, (_, i) => tunnel.openChannel({ sessionId: `s-${i}`, connection: 'echo', grantId: 'g-1', grantExpiresAt: new Date(Date.now() + 60_000), scope: '' })!);

afterEach(() => {
  vi.useRealTimers();
});

describe('AgentTunnel', () => {
  it('refuses a first message that is not Hello', async () => {
    const call = new FakeCall();
    const tunnel = new AgentTunnel(call as unknown as TunnelCall, { heartbeatIntervalMs: 1000, logger, countBytes: () => {}, onAlive: () => {}, onClosed: () => {} });
    const hello = tunnel.hello(1000);
    call.emit('data', request({ case: 'heartbeat', value: { sentAtUnixMs: 1n } }));
    await expect(hello).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(tunnel.state).toBe('handshaking');
  });

  it('stops being writable when write() returns false and resumes every session at drain, in turns', () => {
    const { call, tunnel } = readyTunnel();
    const channels = open(tunnel, 3);
    const resumed: number[] = [];
    for (const channel of channels) vi.spyOn(channel, 'resume').mockImplementation(() => resumed.push(channel.sid));
    expect(tunnel.writable()).toBe(true);
    call.writeResult = false;
    channels[0]!.sendData(new Uint8Array(10));
    expect(tunnel.writable()).toBe(false);
    expect(channels[1]!.writable()).toBe(false);
    call.writeResult = true;
    call.emit('drain');
    call.emit('drain');
    expect(tunnel.writable()).toBe(true);
    expect(resumed).toEqual([1, 2, 3, 2, 3, 1]);
  });

  it('answers frames for a sid it never opened, never a SessionClose, and ignores closed sids quietly', () => {
    const { call, tunnel } = readyTunnel();
    const [channel] = open(tunnel, 1);
    call.emit('data', request({ case: 'data', value: { sid: 7, payload: new Uint8Array(1) } }));
    call.emit('data', request({ case: 'sessionClose', value: { sid: 8, reason: CloseReason.CLIENT_CLOSED } }));
    channel!.close(CloseReason.CLIENT_CLOSED, 'bye');
    const before = call.written.length;
    call.emit('data', request({ case: 'windowUpdate', value: { sid: channel!.sid, increment: 5 } }));
    expect(call.written.length).toBe(before);
    const answers = call.sent('sessionClose').map((m) => (m.msg.case === 'sessionClose' ? [m.msg.value.sid, m.msg.value.reason] : []));
    expect(answers).toEqual([
      [7, CloseReason.PROTOCOL_ERROR],
      [1, CloseReason.CLIENT_CLOSED],
    ]);
    expect(tunnel.state).toBe('ready');
  });

  it('ends with UNAVAILABLE after three silent heartbeat intervals, failing its sessions', async () => {
    vi.useFakeTimers();
    const { call, tunnel, closed } = readyTunnel(1000);
    const [channel] = open(tunnel, 1);
    const opened = channel!.waitOpened(60_000);
    vi.advanceTimersByTime(2500);
    call.emit('data', request({ case: 'heartbeat', value: { sentAtUnixMs: 1n } }));
    vi.advanceTimersByTime(3000);
    expect(tunnel.state).toBe('ready');
    expect(call.sent('heartbeat').length).toBeGreaterThanOrEqual(5);
    vi.advanceTimersByTime(1100);
    expect(tunnel.state).toBe('closed');
    expect(call.status?.code).toBe(status.UNAVAILABLE);
    expect(closed).toHaveBeenCalledOnce();
    await expect(opened).resolves.toMatchObject({ ok: false });
  });

  // Node's HTTP/2 session does not read the socket while our write is stuck: the agent's
  // heartbeats wait in our receive buffer (e2e/faults/network-partition.test.ts, "a slow link").
  it('while congested, counts silence from the last time its own writes moved (a drain), not from the last message heard', () => {
    vi.useFakeTimers();
    const { call, tunnel } = readyTunnel(1000);
    call.writeResult = false;
    // A slow link: our writes back up and drain every 2 s; the agent's frames are not read meanwhile.
    for (let t = 0; t < 10_000; t += 2_000) {
      vi.advanceTimersByTime(2_000);
      call.emit('drain');
    }
    expect(tunnel.state).toBe('ready');
    // Then nothing moves any more (a partition under a full buffer): 3 intervals after the last drain.
    vi.advanceTimersByTime(3_000);
    expect(tunnel.state).toBe('ready');
    vi.advanceTimersByTime(1_100);
    expect(tunnel.state).toBe('closed');
    expect(call.status?.code).toBe(status.UNAVAILABLE);
  });

  it('ends a tunnel whose agent stays silent beyond 40 s, however its own writes move', () => {
    vi.useFakeTimers();
    const { call, tunnel } = readyTunnel(1000);
    call.writeResult = false;
    for (let t = 0; t < 39_000; t += 1_000) {
      vi.advanceTimersByTime(1_000);
      call.emit('drain');
    }
    expect(tunnel.state).toBe('ready');
    for (let t = 0; t < 2_000; t += 1_000) {
      vi.advanceTimersByTime(1_000);
      call.emit('drain');
    }
    expect(tunnel.state).toBe('closed');
  });
});
