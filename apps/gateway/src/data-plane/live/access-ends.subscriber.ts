// The data plane's ear on the access-ends stream: every end of access (grant, token, identity)
// and every agent revocation, from this process or another replica, goes to the enforcer. A
// message lost on the way is found by SessionReconciler within its period.
import { Inject, Injectable } from '@nestjs/common';
import { AccessEndsStream } from '../../port/access-ends.stream.js';
import { SessionEnforcer } from './session-enforcer.js';

@Injectable()
export class AccessEndsSubscriber {
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(AccessEndsStream) private readonly stream: AccessEndsStream,
    @Inject(SessionEnforcer) private readonly enforcer: SessionEnforcer,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe ??= this.stream.subscribe((end) => void this.enforcer.apply(end));
    await this.stream.listen();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
