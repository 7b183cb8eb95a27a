/**
 * Splits a script into statements at top-level semicolons (outside strings, quoted identifiers
 * and comments), as batch endpoints and the test runner need. Each piece keeps its text; empty
 * pieces are dropped. Text that does not tokenize is returned whole, so execute() reports the error.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  const push = (end: number): void => {
    const s = sql.slice(start, end).trim();
    if (s.length > 0 && !/^(\s|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*$/.test(s)) out.push(s);
  };
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      for (;;) {
        const e = sql.indexOf(close, j);
        if (e < 0) { j = n; break; }
        if (close !== ']' && sql[e + 1] === close) { j = e + 2; continue; }
        j = e + 1;
        break;
      }
      i = j;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') { const e = sql.indexOf('\n', i); i = e < 0 ? n : e + 1; continue; }
    if (c === '/' && sql[i + 1] === '*') { const e = sql.indexOf('*/', i + 2); i = e < 0 ? n : e + 2; continue; }
    if (c === ';') { push(i); start = i + 1; }
    i++;
  }
  push(n);
  return out;
}
