/**
 * A reader of SQLite's sqllogictest format: records (`statement ok|error`, `query <types>
 * <sort> [label]` with expected results after `----`), `hash-threshold N`, `halt`, and the
 * `skipif`/`onlyif` conditions, which this runner evaluates as engine "sqlite".
 */
export type SltRecord =
  | { kind: 'statement'; line: number; sql: string; expectError: boolean }
  | { kind: 'query'; line: number; sql: string; types: string; sort: 'nosort' | 'rowsort' | 'valuesort'; label?: string; expected: string[] }
  | { kind: 'hash-threshold'; line: number; value: number }
  | { kind: 'halt'; line: number };

const ENGINE = 'sqlite';

/** Parses a .test file; records whose conditions exclude engine "sqlite" are dropped. */
export function parseSlt(text: string): SltRecord[] {
  const lines = text.split(/\r?\n/);
  const out: SltRecord[] = [];
  let i = 0;
  while (i < lines.length) {
    let line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) { i++; continue; }
    let skip = false;
    const start = i + 1;
    while (/^(skipif|onlyif)\s/.test(line)) {
      const [cond, db] = line.split(/\s+/);
      if (cond === 'skipif' && db === ENGINE) skip = true;
      if (cond === 'onlyif' && db !== ENGINE) skip = true;
      line = lines[++i] ?? '';
    }
    const words = line.trim().split(/\s+/);
    const body: string[] = [];
    const readSql = (): void => {
      i++;
      while (i < lines.length && lines[i]!.trim() !== '' && lines[i] !== '----') body.push(lines[i++]!);
    };
    if (words[0] === 'hash-threshold') { out.push({ kind: 'hash-threshold', line: start, value: Number(words[1]) }); i++; continue; }
    if (words[0] === 'halt') { i++; if (!skip) { out.push({ kind: 'halt', line: start }); break; } continue; }
    if (words[0] === 'statement') {
      readSql();
      if (!skip) out.push({ kind: 'statement', line: start, sql: body.join('\n'), expectError: words[1] === 'error' });
      continue;
    }
    if (words[0] === 'query') {
      readSql();
      const expected: string[] = [];
      if (lines[i] === '----') {
        i++;
        while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!.trim());
      }
      if (!skip) {
        const sort = (words[2] ?? 'nosort') as 'nosort' | 'rowsort' | 'valuesort';
        out.push({ kind: 'query', line: start, sql: body.join('\n'), types: words[1] ?? '', sort, expected, ...(words[3] ? { label: words[3] } : {}) });
      }
      continue;
    }
    // Unknown directive: skip to the next blank line.
    while (i < lines.length && lines[i]!.trim() !== '') i++;
  }
  return out;
}
