/**
 * Reflection-ready `FileDescriptorProto`s for the generated files: what gRPC server reflection
 * returns and what strict clients (Python's descriptor_pool, grpcurl) load.
 *
 * protobufjs 7.6.6's `root.toDescriptor()` is not good enough for those clients
 * (shared/notes/dependencies.md 2a/2b), so its output is repaired here:
 *   - the file is named `<table>.proto` (it is `<package>.proto` already) and lists its
 *     `dependency` files, google/protobuf/empty.proto and field_mask.proto;
 *   - the well-known types are not emitted as protobufjs's merged `google_protobuf.proto` but as
 *     the two real files, built here with the same options as the originals so a client whose
 *     pool already holds them sees identical files (a differing duplicate is an error there);
 *   - `proto3_optional` is set on fields of synthetic oneofs (`_name`), which protobufjs drops;
 *   - type names are made fully qualified (`.orders.Order`), as protoc writes them;
 *   - `json_name` is filled in as protoc does, and empty field options are removed.
 * The test suite compares the result with `protoc --descriptor_set_out` for the same text.
 */
import protobuf from 'protobufjs';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';
import type { TableModel } from './api-model.js';
import { protoFileName } from './proto-gen.js';

const { FileDescriptorProto } = descriptorExt;

export const WKT_DEPENDENCIES = ['google/protobuf/empty.proto', 'google/protobuf/field_mask.proto'] as const;

const WKT_OPTIONS = { csharpNamespace: 'Google.Protobuf.WellKnownTypes', javaPackage: 'com.google.protobuf', javaMultipleFiles: true, objcClassPrefix: 'GPB', ccEnableArenas: true };

/** Encoded descriptors of the two well-known files, keyed by file name. */
export const WKT_DESCRIPTORS: ReadonlyMap<string, Buffer> = new Map([
  ['google/protobuf/empty.proto', encode({
    name: 'google/protobuf/empty.proto', package: 'google.protobuf', messageType: [{ name: 'Empty' }], syntax: 'proto3',
    options: { ...WKT_OPTIONS, javaOuterClassname: 'EmptyProto', goPackage: 'google.golang.org/protobuf/types/known/emptypb' },
  })],
  ['google/protobuf/field_mask.proto', encode({
    name: 'google/protobuf/field_mask.proto', package: 'google.protobuf', syntax: 'proto3',
    messageType: [{ name: 'FieldMask', field: [{ name: 'paths', number: 1, label: 3, type: 9, jsonName: 'paths' }] }],
    options: { ...WKT_OPTIONS, javaOuterClassname: 'FieldMaskProto', goPackage: 'google.golang.org/protobuf/types/known/fieldmaskpb' },
  })],
]);

function encode(obj: Record<string, unknown>): Buffer {
  const msg = FileDescriptorProto.fromObject(obj);
  return Buffer.from(FileDescriptorProto.encode(msg).finish());
}

/** protoc's ToJsonName: drop each `_` and upper-case the letter after it. */
export function jsonName(field: string): string {
  let out = '';
  let up = false;
  for (const ch of field) {
    if (ch === '_') { up = true; continue; }
    out += up ? ch.toUpperCase() : ch;
    up = false;
  }
  return out;
}

interface FieldObj { name: string; typeName?: string; oneofIndex?: number; options?: unknown; proto3Optional?: boolean; jsonName?: string }
interface MessageObj { name: string; field?: FieldObj[]; oneofDecl?: { name: string }[]; nestedType?: MessageObj[] }

/**
 * The repaired descriptor of one table's file. `root` must hold the table's parsed proto (and
 * the well-known types, so names resolve); see grpc-build.ts.
 */
export function tableFileDescriptor(m: TableModel, root: protobuf.Root): Buffer {
  const set = (root as unknown as { toDescriptor(edition: string): { file: unknown[] } }).toDescriptor('proto3');
  const files = set.file.map((f) => FileDescriptorProto.toObject(f as protobuf.Message, { longs: String }) as { package?: string } & Record<string, unknown>);
  const file = files.find((f) => f.package === m.pkg);
  if (!file) throw new Error(`no descriptor for package ${m.pkg}`);
  file.name = protoFileName(m);
  file.dependency = [...WKT_DEPENDENCIES];
  const fix = (msg: MessageObj, scope: string): void => {
    for (const f of msg.field ?? []) {
      delete f.options;
      f.jsonName = jsonName(f.name);
      if (f.oneofIndex !== undefined && msg.oneofDecl?.[f.oneofIndex]?.name === `_${f.name}`) f.proto3Optional = true;
      if (f.typeName !== undefined && !f.typeName.startsWith('.')) f.typeName = `.${resolveType(root, scope, f.typeName)}`;
    }
    for (const n of msg.nestedType ?? []) fix(n, `${scope}.${n.name}`);
  };
  for (const msg of (file.messageType as MessageObj[] | undefined) ?? []) fix(msg, `${m.pkg}.${msg.name}`);
  return encode(file);
}

/** Resolves a relative type name the way protoc does: innermost scope outwards. */
function resolveType(root: protobuf.Root, scope: string, name: string): string {
  const parts = scope.split('.');
  for (let i = parts.length; i >= 0; i--) {
    const full = [...parts.slice(0, i), name].join('.');
    const found = root.lookup(full);
    if (found && found.fullName === `.${full}`) return full;
  }
  throw new Error(`cannot resolve type ${name} from ${scope}`);
}

/** All descriptors a generated table needs, its own file first (what reflection is fed). */
export function descriptorsFor(m: TableModel, root: protobuf.Root): Buffer[] {
  return [tableFileDescriptor(m, root), ...WKT_DEPENDENCIES.map((d) => WKT_DESCRIPTORS.get(d)!)];
}

/**
 * The proto3_optional repair alone, for package definitions loaded from files (the static
 * `heliosdb.v1.Database`): rewrites every entry's `fileDescriptorProtos` in place.
 */
export function fixProto3Optional(pkgDef: Record<string, unknown>): void {
  const cache = new Map<Buffer, Buffer>();
  const fixList = (list: Buffer[]): Buffer[] => list.map((b) => {
    let out = cache.get(b);
    if (!out) {
      const file = FileDescriptorProto.toObject(FileDescriptorProto.decode(b), { longs: String }) as { messageType?: MessageObj[] };
      const walk = (msg: MessageObj): void => {
        for (const f of msg.field ?? []) if (f.oneofIndex !== undefined && msg.oneofDecl?.[f.oneofIndex]?.name === `_${f.name}`) f.proto3Optional = true;
        for (const n of msg.nestedType ?? []) walk(n);
      };
      for (const msg of file.messageType ?? []) walk(msg);
      out = encode(file as Record<string, unknown>);
      cache.set(b, out);
    }
    return out;
  });
  const visit = (o: unknown): void => {
    if (typeof o !== 'object' || o === null) return;
    const rec = o as { fileDescriptorProtos?: Buffer[]; requestType?: unknown; responseType?: unknown };
    if (Array.isArray(rec.fileDescriptorProtos)) rec.fileDescriptorProtos = fixList(rec.fileDescriptorProtos);
    if (rec.requestType) visit(rec.requestType);
    if (rec.responseType) visit(rec.responseType);
  };
  for (const entry of Object.values(pkgDef)) {
    visit(entry);
    if (typeof entry === 'object' && entry !== null && !('fileDescriptorProtos' in entry)) for (const m of Object.values(entry)) visit(m);
  }
}
