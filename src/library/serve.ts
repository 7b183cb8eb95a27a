/**
 * The listeners of a {@link Core}: REST (hyper-express), gRPC (grpc-js) and Prometheus metrics,
 * with the configuration's TLS, `max_request_size_mb` and `max_connections` — plus, for library
 * users, their own gRPC services and REST routes on the same ports. The server serves through
 * here with everything from the config; `Database.serve` passes overrides.
 *
 * If a port cannot be bound, the listeners already opened are closed and the error is thrown:
 * no port is left half-open. Closing stops accepting and waits for in-flight requests.
 */
import type HyperExpress from 'hyper-express';
import { HeliosError } from '../errors.js';
import { GrpcServer, type UserGrpcService } from '../net/grpc-server.js';
import { startMetricsServer } from '../net/metrics.js';
import { RestServer, type UserRestRoutes } from '../net/rest-server.js';
import type { Core } from './core.js';

export type { UserGrpcService, UserRestRoutes };

/** Where one listener binds; absent fields come from the configuration's `[api]`. */
export interface Endpoint {
  port?: number;
  host?: string;
}

export interface ServeOptions {
  /** REST: the config's `api.rest_port`/`bind_address` unless given; `false` = no REST listener. */
  rest?: Endpoint | false;
  /** gRPC: the config's `api.grpc_port`/`bind_address` unless given; `false` = no gRPC listener. */
  grpc?: Endpoint | false;
  /** Prometheus `/metrics`: on when `observability.metrics_enabled`, unless `false` or an endpoint. */
  metrics?: Endpoint | false;
  /** The user's own gRPC services, on the gRPC port beside `heliosdb.v1.Database`. */
  grpcServices?: readonly UserGrpcService[];
  /** Registers the user's own REST routes on the hyper-express app beside the built-in ones. */
  restRoutes?: UserRestRoutes;
  /** Concurrent gRPC calls per connection (HTTP/2 streams); default 100. */
  maxConcurrentStreams?: number;
}

export interface Serving {
  /** The bound ports (a port of 0 picks a free one); null for a listener that is off. */
  readonly ports: { rest: number | null; grpc: number | null; metrics: number | null };
  /** The REST app, for routes added later (hyper-express). Null without REST. */
  readonly restApp: HyperExpress.Server | null;
  /** Stops accepting and waits for in-flight requests. Idempotent. */
  close(): Promise<void>;
}

export async function serveApis(core: Core, o: ServeOptions = {}): Promise<Serving> {
  const { config, coordinator, metrics, log } = core;
  const api = config.api;
  const maxRequestBytes = api.max_request_size_mb * 1024 * 1024;
  const tls = api.tls.enabled ? { certPath: api.tls.cert_path, keyPath: api.tls.key_path } : undefined;
  const restAt = o.rest === false ? null : { host: o.rest?.host ?? api.bind_address, port: o.rest?.port ?? api.rest_port };
  const grpcAt = o.grpc === false ? null : { host: o.grpc?.host ?? api.bind_address, port: o.grpc?.port ?? api.grpc_port };
  const metricsAt =
    o.metrics === false || (o.metrics === undefined && !config.observability.metrics_enabled)
      ? null
      : { host: o.metrics?.host ?? api.bind_address, port: o.metrics?.port ?? config.observability.metrics_port };
  if (!grpcAt && o.grpcServices?.length) throw new HeliosError('BAD_REQUEST', 'serve: grpcServices given but gRPC is off (grpc: false)');
  if (!restAt && o.restRoutes) throw new HeliosError('BAD_REQUEST', 'serve: restRoutes given but REST is off (rest: false)');

  const rest = restAt
    ? new RestServer(
        coordinator,
        { ...restAt, maxRequestBytes, enableCors: api.enable_cors, gate: core.gate, ...(tls ? { tls } : {}) },
        metrics,
        log.child({ component: 'rest' }),
        core.schema,
      )
    : null;
  if (rest && o.restRoutes) rest.addUserRoutes(o.restRoutes);
  const grpc = grpcAt
    ? new GrpcServer(
        coordinator,
        {
          ...grpcAt,
          maxRequestBytes,
          gate: core.gate,
          queryIdleTimeoutMs: config.transactions.default_timeout_ms,
          ...(tls ? { tls } : {}),
          ...(o.maxConcurrentStreams !== undefined ? { maxConcurrentStreams: o.maxConcurrentStreams } : {}),
        },
        metrics,
        log.child({ component: 'grpc' }),
      )
    : null;
  if (grpc) {
    (o.grpcServices ?? []).forEach((s, i) => grpc.addUserService(s, `grpcServices[${i}]`));
    grpc.attachSchema(core.schema);
  }

  const closers: (() => Promise<void>)[] = [];
  const ports: { rest: number | null; grpc: number | null; metrics: number | null } = { rest: null, grpc: null, metrics: null };
  try {
    if (rest) {
      ports.rest = await rest.listen();
      closers.push(() => rest.close());
    }
    if (grpc) {
      ports.grpc = await grpc.listen();
      closers.push(() => grpc.close());
    }
    if (metricsAt) {
      const m = await startMetricsServer(metrics, metricsAt.host, metricsAt.port);
      ports.metrics = m.port;
      closers.push(() => m.close());
    }
  } catch (e) {
    await Promise.allSettled(closers.map((c) => c()));
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    ports,
    restApp: rest?.hyperExpress ?? null,
    close: () => (closing ??= Promise.all(closers.map((c) => c())).then(() => undefined)),
  };
}
