/**
 * Splits a script into statements at top-level semicolons (outside strings, quoted identifiers
 * and comments), as batch endpoints and the test runner need. A CREATE TRIGGER's body
 * (BEGIN stmt; … END) stays in one piece, as sqlite3_complete() sees it. Each piece keeps its
 * text; empty pieces are dropped. Text that does not tokenize is returned whole, so execute()
 * reports the error.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  let words: string[] = []; // the current statement's words, upper-cased
  let inBody = false;
  const push = (end: number): void => {
    const s = sql.slice(start, end).trim();
    if (s.length > 0 && !/^(\s|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*$/.test(s)) out.push(s);
  };
  const isTrigger = (): boolean => words[0] === 'CREATE' && (words[1] === 'TRIGGER' || ((words[1] === 'TEMP' || words[1] === 'TEMPORARY') && words[2] === 'TRIGGER'));
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
      words.push('"');
      i = j;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') { const e = sql.indexOf('\n', i); i = e < 0 ? n : e + 1; continue; }
    if (c === '/' && sql[i + 1] === '*') { const e = sql.indexOf('*/', i + 2); i = e < 0 ? n : e + 2; continue; }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      const w = sql.slice(i, j).toUpperCase();
      words.push(w);
      if (w === 'BEGIN' && isTrigger()) inBody = true;
      i = j;
      continue;
    }
    if (c === ';') {
      if (!inBody || words[words.length - 1] === 'END') {
        push(i);
        start = i + 1;
        words = [];
        inBody = false;
      } else words.push(';');
    }
    i++;
  }
  push(n);
  return out;
}
