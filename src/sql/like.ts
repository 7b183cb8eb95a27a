/**
 * LIKE and GLOB pattern matchers, compiled to regular expressions and cached per pattern by the
 * caller. LIKE: % and _, ASCII-only case folding (as SQLite without ICU), optional ESCAPE.
 * GLOB: * ? [abc] [a-z] [^x], case-sensitive, no escape character.
 */
const RE_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;
const esc = (c: string): string => c.replace(RE_SPECIAL, '\\$&');
/** Escapes a character inside a [...] class. */
const escClass = (c: string): string => c.replace(/[\\\]\[^-]/g, '\\$&');

function foldAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

export function likeMatcher(pattern: string, escape: string | null): (s: string) => boolean {
  let re = '^';
  const chars = [...foldAscii(pattern)];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (escape !== null && c === foldAscii(escape)) {
      const n = chars[++i];
      if (n === undefined) return () => false;
      re += esc(n);
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += esc(c);
  }
  const rx = new RegExp(re + '$', 'u');
  return (s) => rx.test(foldAscii(s));
}

export function globMatcher(pattern: string): (s: string) => boolean {
  let re = '^';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (chars[j] === '^') { cls += '^'; j++; }
      if (chars[j] === ']') { cls += '\\]'; j++; }
      while (j < chars.length && chars[j] !== ']') {
        if (chars[j + 1] === '-' && chars[j + 2] !== undefined && chars[j + 2] !== ']') {
          cls += `${escClass(chars[j]!)}-${escClass(chars[j + 2]!)}`;
          j += 3;
        } else { cls += escClass(chars[j]!); j++; }
      }
      if (j >= chars.length) return () => false;
      re += `[${cls}]`;
      i = j;
    } else re += esc(c);
  }
  const rx = new RegExp(re + '$', 'u');
  return (s) => rx.test(s);
}
