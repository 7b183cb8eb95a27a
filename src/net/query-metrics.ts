/**
 * Metrics of streaming gRPC Query calls, read at scrape time: the coordinator's stream counters
 * ({@link Coordinator.queryStats}) and, per shard, the query cursors it holds open and the chunks
 * it has served (shared memory: no ring round trip). A client that stops reading shows up as an
 * open stream whose chunk counters stand still — the backpressure at work.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Coordinator } from '../coordinator/index.js';

export function registerQueryMetrics(registry: Registry, coordinator: Coordinator): void {
  // Optional calls: stand-in coordinators of the metrics tests implement only runtimeStats.
  const stats = () => (typeof coordinator.queryStats === 'function' ? coordinator.queryStats() : null);
  new Counter({
    name: 'heliosdb_query_streams_total',
    help: 'Streaming Query calls that opened shard cursors.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats()?.streamsOpened ?? 0);
    },
  });
  new Gauge({
    name: 'heliosdb_query_streams_open',
    help: 'Streaming Query calls holding shard cursors now.',
    registers: [registry],
    collect() {
      this.set(stats()?.streamsOpen ?? 0);
    },
  });
  new Counter({
    name: 'heliosdb_query_chunks_requested_total',
    help: 'Cursor chunks the coordinator asked shards for (cursorOpen + cursorNext).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats()?.chunksRequested ?? 0);
    },
  });
  new Gauge({
    name: 'heliosdb_shard_query_cursors_open',
    help: 'Query cursors open on each shard.',
    labelNames: ['shard'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of coordinator.runtimeStats()) this.set({ shard: String(s.shard) }, s.cursorsOpen ?? 0);
    },
  });
  new Counter({
    name: 'heliosdb_shard_query_chunks_total',
    help: 'Query cursor chunks each shard has served.',
    labelNames: ['shard'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of coordinator.runtimeStats()) this.inc({ shard: String(s.shard) }, s.cursorChunks ?? 0);
    },
  });
}
