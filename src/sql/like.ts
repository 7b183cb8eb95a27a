/**
 * LIKE and GLOB pattern matchers. LIKE: % and _, ASCII-only case folding (as SQLite without
 * ICU), optional ESCAPE. GLOB: * ? [abc] [a-z] [^x], case-sensitive, no escape character.
 *
 * Patterns compile to a token list matched by the classic wildcard algorithm that remembers only
 * the last `%`/`*` position: O(text × pattern) in the worst case, so a hostile pattern such as
 * '%a%a%a…b' cannot make a statement hang (a backtracking regular expression would).
 */
type Tok = { t: 'any' } | { t: 'one' } | { t: 'lit'; c: string } | { t: 'set'; test: (c: string) => boolean };

function foldAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32)) : s;
}

function matchTokens(toks: Tok[], chars: string[]): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < chars.length) {
    const tok = toks[p];
    if (tok && tok.t !== 'any' && (tok.t === 'one' || (tok.t === 'lit' ? tok.c === chars[s] : tok.test(chars[s]!)))) {
      p++;
      s++;
    } else if (tok && tok.t === 'any') {
      starP = p++;
      starS = s;
    } else if (starP >= 0) {
      p = starP + 1;
      s = ++starS;
    } else return false;
  }
  while (p < toks.length && toks[p]!.t === 'any') p++;
  return p === toks.length;
}

export function likeMatcher(pattern: string, escape: string | null): (s: string) => boolean {
  const chars = [...foldAscii(pattern)];
  const esc = escape === null ? null : foldAscii(escape);
  const toks: Tok[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (esc !== null && c === esc) {
      const n = chars[++i];
      if (n === undefined) return () => false;
      toks.push({ t: 'lit', c: n });
    } else if (c === '%') { if (toks[toks.length - 1]?.t !== 'any') toks.push({ t: 'any' }); }
    else if (c === '_') toks.push({ t: 'one' });
    else toks.push({ t: 'lit', c });
  }
  return (s) => matchTokens(toks, [...foldAscii(s)]);
}

export function globMatcher(pattern: string): (s: string) => boolean {
  const chars = [...pattern];
  const toks: Tok[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') { if (toks[toks.length - 1]?.t !== 'any') toks.push({ t: 'any' }); }
    else if (c === '?') toks.push({ t: 'one' });
    else if (c === '[') {
      let j = i + 1;
      let negate = false;
      if (chars[j] === '^') { negate = true; j++; }
      const singles = new Set<string>();
      const ranges: [number, number][] = [];
      if (chars[j] === ']') { singles.add(']'); j++; }
      while (j < chars.length && chars[j] !== ']') {
        if (chars[j + 1] === '-' && chars[j + 2] !== undefined && chars[j + 2] !== ']') {
          ranges.push([chars[j]!.codePointAt(0)!, chars[j + 2]!.codePointAt(0)!]);
          j += 3;
        } else { singles.add(chars[j]!); j++; }
      }
      if (j >= chars.length) return () => false; // unterminated class matches nothing, as in SQLite
      const test = (ch: string): boolean => {
        const cp = ch.codePointAt(0)!;
        const hit = singles.has(ch) || ranges.some(([a, b]) => cp >= a && cp <= b);
        return hit !== negate;
      };
      toks.push({ t: 'set', test });
      i = j;
    } else toks.push({ t: 'lit', c });
  }
  return (s) => matchTokens(toks, [...s]);
}
