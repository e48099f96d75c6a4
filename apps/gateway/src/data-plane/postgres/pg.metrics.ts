import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { LabelChildren } from '../../platform/metrics/label-children.js';
import { MetricsService } from '../../platform/metrics/metrics.service.js';

/** Postgres sessions' metrics, on the application's registry (GET /metrics). */
@Injectable()
export class PgMetrics {
  readonly logins: Counter<'result'>;
  readonly events: Counter<'kind' | 'outcome'>;
  readonly maskedValues: Counter;
  /** Label children looked up once: a labelled inc() per statement showed in the profile. */
  private readonly eventChildren: LabelChildren<Counter<'kind' | 'outcome'>>;

  constructor(@Inject(MetricsService) metrics: MetricsService) {
    const registers = [metrics.registry];
    this.logins = new Counter({
      name: 'jitgate_pg_logins_total',
      help: 'Postgres logins by result (ok, the refusal SQLSTATE, cancel, client_left)',
      labelNames: ['result'] as const,
      registers,
    });
    this.events = new Counter({
      name: 'jitgate_pg_session_events_total',
      help: 'Recorded postgres session events by kind (statement, blocked, approval, notice, flagged) and outcome',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    });
    this.eventChildren = new LabelChildren(this.events);
    this.maskedValues = new Counter({ name: 'jitgate_pg_masked_values_total', help: 'Result values masked before they reached a client', registers });
  }

  eventCounter(kind: string, outcome: string): Counter.Internal {
    return this.eventChildren.of(kind, outcome);
  }
}
