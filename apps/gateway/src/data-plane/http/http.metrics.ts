import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { LabelChildren } from '../../platform/metrics/label-children.js';
import { MetricsService } from '../../platform/metrics/metrics.service.js';

/** The HTTP proxy's metrics, on the application's registry (GET /metrics). */
@Injectable()
export class HttpMetrics {
  readonly requests: Counter<'type' | 'outcome'>;
  readonly events: Counter<'kind' | 'outcome'>;
  readonly maskedValues: Counter;
  readonly duration: Histogram<'type'>;
  /** Label children looked up once: per-request label lookups showed in the profile. */
  private readonly requestChildren: LabelChildren<Counter<'type' | 'outcome'>>;
  private readonly eventChildren: LabelChildren<Counter<'kind' | 'outcome'>>;
  private readonly durationChildren: LabelChildren<Histogram<'type'>>;

  constructor(@Inject(MetricsService) metrics: MetricsService) {
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: 'jitgate_http_proxy_requests_total',
      help: 'Requests at the HTTP proxy port by connection type and outcome (forwarded, blocked, denied, timed_out, refused, failed)',
      labelNames: ['type', 'outcome'] as const,
      registers,
    });
    this.events = new Counter({
      name: 'jitgate_http_proxy_session_events_total',
      help: 'Recorded HTTP and MCP session events by kind and outcome',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    });
    this.maskedValues = new Counter({ name: 'jitgate_http_proxy_masked_values_total', help: 'Response values masked before they reached a caller', registers });
    this.duration = new Histogram({
      name: 'jitgate_http_proxy_request_duration_seconds',
      help: 'Time from a request to the end of its response, through the gateway',
      labelNames: ['type'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers,
    });
    this.requestChildren = new LabelChildren(this.requests);
    this.eventChildren = new LabelChildren(this.events);
    this.durationChildren = new LabelChildren(this.duration);
  }

  request(type: string, outcome: string): Counter.Internal {
    return this.requestChildren.of(type, outcome);
  }

  event(kind: string, outcome: string): Counter.Internal {
    return this.eventChildren.of(kind, outcome);
  }

  durationOf(type: string): Histogram.Internal<'type'> {
    return this.durationChildren.of(type);
  }
}
