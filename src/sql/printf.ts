/**
 * SQLite's printf()/format(): %d %i %u %f %e %E %g %G %x %X %o %s %z %q %Q %w %c %% with flags
 * (-+ 0#,!), width and precision (also `*`). Arguments convert the way SQLite's do.
 */
import type { Value } from '../storage/api.js';
import { realToText, toInteger, toReal, toText } from './value.js';
import { sqlError } from '../errors.js';

/** Same limit as functions.ts (kept here to avoid an import cycle). */
const MAX_LENGTH = 100_000_000;

function fmtG(x: number, prec: number, upper: boolean, alt: boolean): string {
  if (prec === 0) prec = 1;
  if (x === 0) return alt ? '0.' + '0'.repeat(prec - 1) : '0';
  const e = Math.floor(Math.log10(Math.abs(x)));
  const exp = Number(x.toExponential(prec - 1).split('e')[1]);
  let s: string;
  if (exp < -4 || exp >= prec) {
    s = x.toExponential(prec - 1);
    let [m, ex] = s.split('e') as [string, string];
    if (!alt && m.includes('.')) m = m.replace(/\.?0+$/, '');
    const n = Number(ex);
    s = `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  } else {
    s = x.toFixed(Math.max(0, prec - 1 - exp));
    if (!alt && s.includes('.')) s = s.replace(/\.?0+$/, '');
  }
  void e;
  return upper ? s.toUpperCase() : s;
}

export function sqlPrintf(args: Value[]): string | null {
  if (args.length === 0 || args[0] === null) return null;
  const fmt = toText(args[0]!)!;
  let ai = 1;
  const nextArg = (): Value => (ai < args.length ? args[ai++]! : null);
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch !== '%') { out += ch; continue; }
    i++;
    let minus = false, plus = false, space = false, zero = false, alt = false, comma = false;
    for (;; i++) {
      const f = fmt[i];
      if (f === '-') minus = true; else if (f === '+') plus = true; else if (f === ' ') space = true;
      else if (f === '0') zero = true; else if (f === '#' || f === '!') alt = true; else if (f === ',') comma = true;
      else break;
    }
    let width = 0;
    if (fmt[i] === '*') { width = Number(toInteger(nextArg()) ?? 0n); if (width < 0) { minus = true; width = -width; } i++; }
    else while (fmt[i] !== undefined && fmt[i]! >= '0' && fmt[i]! <= '9') width = width * 10 + Number(fmt[i++]);
    let prec = -1;
    if (fmt[i] === '.') {
      i++;
      prec = 0;
      if (fmt[i] === '*') { prec = Number(toInteger(nextArg()) ?? 0n); i++; }
      else while (fmt[i] !== undefined && fmt[i]! >= '0' && fmt[i]! <= '9') prec = prec * 10 + Number(fmt[i++]);
    }
    if (width > MAX_LENGTH || prec > MAX_LENGTH) throw sqlError('string or blob too big');
    while (fmt[i] === 'l' || fmt[i] === 'h') i++;
    const conv = fmt[i];
    if (conv === undefined) break;
    let body = '';
    let sign = '';
    let numeric = false;
    switch (conv) {
      case '%': out += '%'; continue;
      case 'd': case 'i': case 'u': {
        numeric = true;
        let v = toInteger(nextArg()) ?? 0n;
        if (conv === 'u' && v < 0n) v = BigInt.asUintN(64, v);
        if (v < 0n) { sign = '-'; v = -v; } else if (plus) sign = '+'; else if (space) sign = ' ';
        body = v.toString();
        if (prec > body.length) body = body.padStart(prec, '0');
        if (comma) body = body.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
        break;
      }
      case 'x': case 'X': case 'o': {
        numeric = true;
        const v = BigInt.asUintN(64, toInteger(nextArg()) ?? 0n);
        body = v.toString(conv === 'o' ? 8 : 16);
        if (conv === 'X') body = body.toUpperCase();
        if (prec > body.length) body = body.padStart(prec, '0');
        if (alt && v !== 0n) body = (conv === 'o' ? '0' : conv === 'x' ? '0x' : '0X') + body;
        break;
      }
      case 'f': case 'e': case 'E': case 'g': case 'G': {
        numeric = true;
        let x = toReal(nextArg()) ?? 0;
        if (x < 0 || Object.is(x, -0)) { sign = '-'; x = -x; } else if (plus) sign = '+'; else if (space) sign = ' ';
        const p = prec < 0 ? 6 : prec;
        if (!Number.isFinite(x)) { body = Number.isNaN(x) ? 'NaN' : 'Inf'; break; }
        if (conv === 'f') body = x < 1e21 ? x.toFixed(p) : BigInt(Math.round(x)).toString() + (p > 0 ? '.' + '0'.repeat(p) : '');
        else if (conv === 'e' || conv === 'E') {
          const [m, ex] = x.toExponential(p).split('e') as [string, string];
          const n = Number(ex);
          body = `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
          if (conv === 'E') body = body.toUpperCase();
        } else body = fmtG(x, p, conv === 'G', alt);
        if (comma && conv === 'f') body = body.replace(/^(\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
        break;
      }
      case 's': case 'z': {
        const v = nextArg();
        body = v === null ? '' : typeof v === 'number' ? realToText(v) : toText(v)!;
        if (prec >= 0) body = body.slice(0, prec);
        break;
      }
      case 'q': case 'Q': case 'w': {
        const v = nextArg();
        if (v === null) { body = conv === 'Q' ? 'NULL' : '(NULL)'; break; }
        const q = conv === 'w' ? '"' : "'";
        body = toText(v)!.split(q).join(q + q);
        if (conv === 'Q') body = `'${body}'`;
        break;
      }
      case 'c': {
        const v = toText(nextArg()) ?? '';
        body = (v[0] ?? '').repeat(prec > 0 ? prec : 1);
        break;
      }
      default:
        return out;
    }
    let s = sign + body;
    if (s.length < width) {
      if (minus) s = s.padEnd(width, ' ');
      else if (zero && numeric) s = sign + body.padStart(width - sign.length, '0');
      else s = s.padStart(width, ' ');
    }
    out += s;
  }
  return out;
}
