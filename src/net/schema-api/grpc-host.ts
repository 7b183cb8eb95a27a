/**
 * Keeps a running grpc-js server in step with the schema: {@link SchemaGrpcHost.apply} removes
 * the generated services of the previous {@link SchemaApi} version, adds the new ones, and makes
 * server reflection (v1 and v1alpha) answer over the static package definitions plus the
 * generated ones. grpc-js reads handlers from a map per call, so this works while serving
 * (shared/notes/dependencies.md §2); a call already running finishes on the old handler.
 *
 * Reflection is rebuilt lazily: `@grpc/reflection` indexes every file when constructed (about
 * 85 ms for 100 tables), so `apply` only marks it stale, and the first reflection stream after a
 * change builds it. The reflection methods are registered once and delegate to the current
 * build, which also avoids grpc-js's "already provided" error on a second registration.
 *
 * Call `apply` after every DDL that changes the schema (and once at start-up).
 */
import type * as grpc from '@grpc/grpc-js';
import type * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import type { SchemaApi } from './index.js';

type ReflectionPackages = ConstructorParameters<typeof ReflectionService>[0];
type StreamHandler = (stream: grpc.ServerDuplexStream<unknown, unknown>) => void;

/** The (definition, handler) pairs a ReflectionService would add, keyed by method path. */
function reflectionHandlers(pkgs: ReflectionPackages): Map<string, { def: grpc.ServiceDefinition; handler: StreamHandler }> {
  const out = new Map<string, { def: grpc.ServiceDefinition; handler: StreamHandler }>();
  new ReflectionService(pkgs).addToServer({
    addService: (def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) => {
      const method = Object.values(def)[0]!;
      out.set(method.path, { def, handler: impl['ServerReflectionInfo'] as StreamHandler });
    },
  });
  return out;
}

export class SchemaGrpcHost {
  private current: grpc.ServiceDefinition[] = [];
  private packages: ReflectionPackages;
  private built: Map<string, { handler: StreamHandler }> | null = null;
  private registered = false;

  /**
   * @param server the running server (reflection must not be added to it by anyone else)
   * @param staticPackages package definitions of the hand-written services (database, health),
   *   ideally repaired with {@link fixProto3Optional}; reflection lists them too
   */
  constructor(private readonly server: grpc.Server, private readonly staticPackages: protoLoader.PackageDefinition) {
    this.packages = { ...staticPackages } as ReflectionPackages;
  }

  apply(api: SchemaApi): void {
    for (const def of this.current) this.server.removeService(def);
    this.current = [];
    for (const s of api.grpcServices()) {
      this.server.addService(s.definition, s.implementation);
      this.current.push(s.definition);
    }
    this.packages = { ...this.staticPackages, ...api.reflectionPackageDefinition() } as ReflectionPackages;
    this.built = null;
    if (!this.registered) this.registerReflection();
  }

  private registerReflection(): void {
    for (const [path, { def }] of reflectionHandlers({})) {
      this.server.addService(def, {
        ServerReflectionInfo: (stream: grpc.ServerDuplexStream<unknown, unknown>) => {
          this.built ??= reflectionHandlers(this.packages);
          this.built.get(path)!.handler(stream);
        },
      });
    }
    this.registered = true;
  }
}
