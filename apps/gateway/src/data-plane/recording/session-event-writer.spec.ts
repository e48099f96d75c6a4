import { describe, expect, it } from 'vitest';
import type { PlainSqlPool } from '../../platform/database/plain-sql-pool.js';
import { GENESIS_HASH } from '../../port/session-event-chain.js';
import { SessionEventWriter } from './session-event-writer.js';

/** What the writer hands the database: the session id and seq columns of each INSERT. */
function recordingPool() {
  const stored: Array<{ sessionId: string; seq: number; hash: string }> = [];
  const pool = {
    rows: async (_text: string, values: unknown[]) => {
      const [ids, seqs] = values as [string[], number[]];
      const hashes = values[12] as string[];
      for (const [i, sessionId] of ids.entries()) stored.push({ sessionId, seq: seqs[i] as number, hash: hashes[i] as string });
      return [];
    },
  } as unknown as PlainSqlPool;
  return { pool, stored };
}

describe('SessionEventWriter', () => {
  it('seals a recording at close: an event after it is not stored, so the count and head the row keeps match what is stored', async () => {
    const { pool, stored } = recordingPool();
    const writer = new SessionEventWriter(pool);
    const log = writer.open('s-1', () => {});
    log.append({ kind: 'request', outcome: 'allowed', at: new Date() } as never);
    const sealed = await log.close();
    // An exchange still in flight when the session ended answers late.
    log.append({ kind: 'response', outcome: 'allowed', at: new Date() } as never);
    await writer.flush();

    expect(sealed.count).toBe(1);
    expect(stored.map((e) => e.seq)).toEqual([1]);
    expect(stored.at(-1)?.hash).toBe(sealed.head);
    expect(sealed.head).not.toBe(GENESIS_HASH);
  });
});
