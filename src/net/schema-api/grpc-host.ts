/**
 * Keeps a running grpc-js server in step with the schema: {@link SchemaGrpcHost.apply} removes
 * the generated services of the previous {@link SchemaApi} version, adds the new ones, and
 * rebuilds server reflection (v1 and v1alpha) over the static package definition plus the
 * generated ones. grpc-js reads handlers from a map per call, so this works while serving
 * (shared/notes/dependencies.md §2); a call already running finishes on the old handler.
 *
 * Call `apply` after every DDL that changes the schema (and once at start-up).
 */
import type * as grpc from '@grpc/grpc-js';
import type * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import type { SchemaApi } from './index.js';

const REFLECTION_PATHS = ['/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo'];

export class SchemaGrpcHost {
  private current: grpc.ServiceDefinition[] = [];

  /**
   * @param server the running server
   * @param staticPackages package definitions of the hand-written services (database, health),
   *   ideally repaired with {@link fixProto3Optional}; reflection lists them too
   */
  constructor(private readonly server: grpc.Server, private readonly staticPackages: protoLoader.PackageDefinition) {}

  apply(api: SchemaApi): void {
    for (const def of this.current) this.server.removeService(def);
    this.current = [];
    for (const s of api.grpcServices()) {
      this.server.addService(s.definition, s.implementation);
      this.current.push(s.definition);
    }
    for (const p of REFLECTION_PATHS) this.server.unregister(p);
    const all = { ...this.staticPackages, ...api.reflectionPackageDefinition() };
    new ReflectionService(all as ConstructorParameters<typeof ReflectionService>[0]).addToServer(this.server);
  }
}
