/**
 * The WebAssembly JS API as Node 20 provides it. TypeScript ships these declarations only in
 * lib.dom, which would also declare browser globals this server must not use; @types/node 20
 * lacks them. This is the subset the project uses.
 */
declare namespace WebAssembly {
  interface MemoryDescriptor { initial: number; maximum?: number; shared?: boolean }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: BufferSource);
    static exports(module: Module): { name: string; kind: string }[];
    static imports(module: Module): { module: string; name: string; kind: string }[];
  }
  type ExportValue = Function | Memory | Global | Table;
  type Exports = Record<string, ExportValue>;
  type ImportValue = ExportValue | number | bigint;
  type Imports = Record<string, Record<string, ImportValue>>;
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }
  class Global { value: unknown; valueOf(): unknown }
  class Table { readonly length: number }
  interface WebAssemblyInstantiatedSource { module: Module; instance: Instance }
  function validate(bytes: BufferSource): boolean;
  function compile(bytes: BufferSource): Promise<Module>;
  function instantiate(bytes: BufferSource, imports?: Imports): Promise<WebAssemblyInstantiatedSource>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
  class CompileError extends Error {}
  class LinkError extends Error {}
  class RuntimeError extends Error {}
}
type BufferSource = ArrayBufferView | ArrayBuffer;
