/**
 * Prometheus metrics (prom-client), served at /metrics: request durations by operation and
 * status, entries appended, batch sizes and commit times, tree size, sequencer queue depth,
 * certificates issued and OIDC failures; on a reader, its replica's lag.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Where gauges read their values at scrape time; set once the services exist. */
export interface GaugeSources {
  treeSize?: () => Promise<number>;
  queueDepth?: () => number;
  /** A reader's replica lag in seconds (src/reader-server.ts); undefined while unknown. */
  replicaLag?: () => Promise<number | undefined>;
}

export class Metrics {
  readonly registry = new Registry();
  readonly sources: GaugeSources = {};

  readonly requestDuration = new Histogram({
    name: 'sealhouse_http_request_duration_seconds',
    help: 'HTTP request duration by API operation and status',
    labelNames: ['operation', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly entriesAppended = new Counter({
    name: 'sealhouse_log_entries_appended_total',
    help: 'Entries committed to the transparency log',
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: 'sealhouse_log_batch_size',
    help: 'Entries per committed sequencer batch',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [this.registry],
  });

  readonly batchDuration = new Histogram({
    name: 'sealhouse_log_batch_commit_seconds',
    help: 'Time to commit one sequencer batch (one database transaction)',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly treeSize = new Gauge({
    name: 'sealhouse_log_tree_size',
    help: 'Leaves in the Rekor tree',
    registers: [this.registry],
    collect: async () => {
      if (this.sources.treeSize) this.treeSize.set(await this.sources.treeSize());
    },
  });

  readonly queueDepth = new Gauge({
    name: 'sealhouse_log_queue_depth',
    help: 'Entries waiting for a batch',
    registers: [this.registry],
    collect: () => {
      if (this.sources.queueDepth) this.queueDepth.set(this.sources.queueDepth());
    },
  });

  readonly replicaLag = new Gauge({
    name: 'sealhouse_replica_lag_seconds',
    help: 'How far the replica a reader serves from is behind the primary (0 when it has replayed all it received)',
    registers: [this.registry],
    collect: async () => {
      const lag = this.sources.replicaLag && (await this.sources.replicaLag().catch(() => undefined));
      if (lag === undefined) this.replicaLag.reset();
      else this.replicaLag.set(lag);
    },
  });

  readonly certificatesIssued = new Counter({
    name: 'sealhouse_ca_certificates_issued_total',
    help: 'Code-signing certificates issued',
    registers: [this.registry],
  });

  readonly oidcFailures = new Counter({
    name: 'sealhouse_ca_oidc_failures_total',
    help: 'Identity tokens refused',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sealhouse_' });
  }
}
