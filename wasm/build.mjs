// Builds the scan kernels (wasm/assembly/*.ts) into dist/wasm/, twice:
//   kernels.wasm         imports a plain WebAssembly.Memory
//   kernels-shared.wasm  imports a shared one (a module's memory import must match `shared`)
// and checks each output: its only import is env.memory and it has no data segment, so
// instantiating it over a buffer pool writes nothing into the pool. Run: npm run build:wasm.
import asc from 'assemblyscript/asc';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const common = ['wasm/assembly/index.ts', '-O3', '--enable', 'simd', '--runtime', 'stub', '--noAssert',
  '--importMemory', '--noExportMemory', '--use', 'abort='];
const variants = [
  { out: 'dist/wasm/kernels.wasm', extra: [] },
  // 65536 pages = 4 GiB, the wasm32 limit: any shared pool's maximum fits under it.
  { out: 'dist/wasm/kernels-shared.wasm', extra: ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'] },
];

mkdirSync('dist/wasm', { recursive: true });
for (const v of variants) {
  rmSync(v.out, { force: true });
  const { error, stderr } = await asc.main([...common, ...v.extra, '-o', v.out]);
  // A compiler crash is printed but not always returned as `error`: a missing output says so too.
  if (error || !existsSync(v.out)) {
    console.error(stderr.toString());
    console.error(`build:wasm: ${v.out}: ${error ? error.message : 'no output (compiler crashed?)'}`);
    process.exit(1);
  }
  const mod = new WebAssembly.Module(readFileSync(v.out));
  const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}:${i.kind}`);
  if (imports.length !== 1 || imports[0] !== 'env.memory:memory') {
    console.error(`build:wasm: ${v.out} must import only env.memory, has ${imports.join(', ')}`);
    process.exit(1);
  }
  if (hasDataSection(readFileSync(v.out))) {
    console.error(`build:wasm: ${v.out} has a data section: it would overwrite buffer-pool bytes`);
    process.exit(1);
  }
  console.log(`build:wasm: wrote ${v.out}`);
}

/** Walks the module's sections (id byte, LEB128 size) looking for the data section (id 11). */
function hasDataSection(bytes) {
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p++];
    let size = 0, shift = 0, b;
    do { b = bytes[p++]; size |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    if (id === 11 && size > 1) return true;
    p += size;
  }
  return false;
}
