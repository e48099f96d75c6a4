// The gateway's own cancel keys (BackendKeyData) for its postgres sessions. A client's
// CancelRequest arrives on a new connection carrying the key; the session it names asks its
// agent to cancel (SessionCancel), and the agent uses the server's key, which never leaves it.
// A key that matches nothing is ignored, as PostgreSQL does: the client learns nothing.
import { Injectable } from '@nestjs/common';
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export interface CancelKey {
  processId: number;
  secretKey: Buffer;
}

@Injectable()
export class PgCancelKeys {
  private readonly sessions = new Map<number, { secretKey: Buffer; cancel: () => void }>();

  /** A fresh key for a session; `cancel` runs when a client presents it. */
  issue(cancel: () => void): CancelKey {
    let processId: number;
    do processId = randomInt(1, 2 ** 31 - 1);
    while (this.sessions.has(processId));
    const secretKey = randomBytes(4);
    this.sessions.set(processId, { secretKey, cancel });
    return { processId, secretKey };
  }

  forget(processId: number): void {
    this.sessions.delete(processId);
  }

  /** True when the key named a live session (which was asked to cancel). */
  cancel(processId: number, secretKey: Buffer): boolean {
    const entry = this.sessions.get(processId);
    if (!entry || entry.secretKey.length !== secretKey.length || !timingSafeEqual(entry.secretKey, secretKey)) return false;
    entry.cancel();
    return true;
  }
}
