/**
 * SQLite's date and time functions: date, time, datetime, julianday, unixepoch, strftime.
 * Like SQLite's date.c, a moment is held as iJD: milliseconds since the julian day epoch
 * (noon, 24 November 4714 BC, proleptic Gregorian). 'now' is the statement's clock reading
 * (passed in, so one statement sees one time and tests can pin it). 'localtime'/'utc' are
 * identities: the server runs in UTC.
 */
import type { Value } from '../storage/api.js';
import { toText } from './value.js';

interface DateTime { iJD: number }

const MS_PER_DAY = 86400000;
const UNIX_EPOCH_IJD = 210866760000000;

function ymdToIJD(Y: number, M: number, D: number): number {
  if (M <= 2) { Y--; M += 12; }
  const A = Math.floor(Y / 100);
  const B = 2 - A + Math.floor(A / 4);
  const X1 = Math.floor(36525 * (Y + 4716) / 100);
  const X2 = Math.floor(306001 * (M + 1) / 10000);
  return Math.round((X1 + X2 + D + B - 1524.5) * MS_PER_DAY);
}

export interface Civil { Y: number; M: number; D: number; h: number; m: number; s: number }

export function civil(iJD: number): Civil {
  const Z = Math.floor((iJD + 43200000) / MS_PER_DAY);
  let A = Math.floor((Z - 1867216.25) / 36524.25);
  A = Z + 1 + A - Math.floor(A / 4);
  const B = A + 1524;
  const C = Math.floor((B - 122.1) / 365.25);
  const D0 = Math.floor(36525 * (C & 32767) / 100);
  const E = Math.floor((B - D0) / 30.6001);
  const X1 = Math.floor(30.6001 * E);
  const D = B - D0 - X1;
  const M = E < 14 ? E - 1 : E - 13;
  const Y = M > 2 ? C - 4716 : C - 4715;
  const dayMs = (iJD + 43200000) % MS_PER_DAY;
  const s = dayMs / 1000;
  const h = Math.floor(s / 3600);
  const mi = Math.floor((s - h * 3600) / 60);
  return { Y, M, D, h, m: mi, s: s - h * 3600 - mi * 60 };
}

const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?\s*(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;
const DATE_RE = /^(-?\d{4})-(\d{2})-(\d{2})(?:(?:[Tt]|\s+)(.*))?$/;

function parseTimeOfDay(s: string): number | null {
  const m = TIME_RE.exec(s.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const sec = m[3] ? Number(m[3]) : 0;
  if (h > 24 || mi > 59 || sec >= 60) return null;
  let ms = Math.round((h * 3600 + mi * 60 + sec) * 1000);
  if (m[5]) {
    const off = (Number(m[6]) * 60 + Number(m[7])) * 60000;
    ms += m[5] === '-' ? off : -off;
  }
  return ms;
}

function parseDate(v: Value, now: number): DateTime | null {
  if (v === null) return null;
  if (typeof v === 'bigint' || typeof v === 'number') return { iJD: Math.round(Number(v) * MS_PER_DAY) };
  const s = (toText(v) ?? '').trim();
  if (s.toLowerCase() === 'now') return { iJD: now };
  const d = DATE_RE.exec(s);
  if (d) {
    const Y = Number(d[1]);
    const M = Number(d[2]);
    const D = Number(d[3]);
    if (M < 1 || M > 12 || D < 1 || D > 31) return null;
    let iJD = ymdToIJD(Y, M, D);
    if (d[4] !== undefined && d[4] !== '') {
      const t = parseTimeOfDay(d[4]);
      if (t === null) return null;
      iJD += t;
    }
    return { iJD };
  }
  const t = parseTimeOfDay(s);
  if (t !== null) return { iJD: ymdToIJD(2000, 1, 1) + t };
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return { iJD: Math.round(Number(s) * MS_PER_DAY) };
  return null;
}

function addMonths(dt: DateTime, n: number): void {
  const c = civil(dt.iJD);
  let M = c.M - 1 + n;
  const Y = c.Y + Math.floor(M / 12);
  M = ((M % 12) + 12) % 12 + 1;
  const dayMs = (dt.iJD + 43200000) % MS_PER_DAY;
  // SQLite normalises an overflowing day into the next month (2021-01-31 +1 month = 2021-03-03).
  dt.iJD = ymdToIJD(Y, M, 1) + (c.D - 1) * MS_PER_DAY + dayMs - 43200000 + 43200000;
}

function applyModifier(dt: DateTime, mod: string, rawArg: Value): boolean {
  const m = mod.trim().toLowerCase();
  if (m === 'localtime' || m === 'utc' || m === 'auto' || m === 'subsec' || m === 'subsecond') return true;
  if (m === 'unixepoch') {
    if (typeof rawArg !== 'bigint' && typeof rawArg !== 'number' && !(typeof rawArg === 'string' && /^\s*[+-]?\d/.test(rawArg))) return false;
    dt.iJD = Math.round(Number(rawArg) * 1000) + UNIX_EPOCH_IJD;
    return true;
  }
  if (m === 'julianday') return true;
  if (m.startsWith('start of ')) {
    const c = civil(dt.iJD);
    const what = m.slice(9).trim();
    if (what === 'day') dt.iJD = ymdToIJD(c.Y, c.M, c.D);
    else if (what === 'month') dt.iJD = ymdToIJD(c.Y, c.M, 1);
    else if (what === 'year') dt.iJD = ymdToIJD(c.Y, 1, 1);
    else return false;
    return true;
  }
  const wd = /^weekday\s+(\d+)$/.exec(m);
  if (wd) {
    const n = Number(wd[1]);
    if (n > 6) return false;
    const cur = Math.floor((dt.iJD + 129600000) / MS_PER_DAY) % 7;
    let add = n - cur;
    if (add < 0) add += 7;
    dt.iJD += add * MS_PER_DAY;
    return true;
  }
  const am = /^([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*(days?|hours?|minutes?|seconds?|months?|years?)$/.exec(m);
  if (am) {
    const n = Number(am[1]);
    const unit = am[2]!.replace(/s$/, '');
    switch (unit) {
      case 'day': dt.iJD += Math.round(n * MS_PER_DAY); break;
      case 'hour': dt.iJD += Math.round(n * 3600000); break;
      case 'minute': dt.iJD += Math.round(n * 60000); break;
      case 'second': dt.iJD += Math.round(n * 1000); break;
      case 'month': { const whole = Math.trunc(n); addMonths(dt, whole); dt.iJD += Math.round((n - whole) * 30 * MS_PER_DAY); break; }
      case 'year': { const whole = Math.trunc(n); addMonths(dt, whole * 12); dt.iJD += Math.round((n - whole) * 365 * MS_PER_DAY); break; }
    }
    return true;
  }
  const tm = /^([+-])(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?$/.exec(m);
  if (tm) {
    const ms = (Number(tm[2]) * 3600 + Number(tm[3]) * 60 + (tm[4] ? Number(tm[4]) : 0)) * 1000;
    dt.iJD += tm[1] === '-' ? -ms : ms;
    return true;
  }
  return false;
}

function evalArgs(args: Value[], now: number): DateTime | null {
  const first = args.length === 0 ? 'now' : args[0]!;
  const dt = parseDate(first, now);
  if (!dt) return null;
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === null) return null;
    const s = toText(a)!;
    if (!applyModifier(dt, s, first)) return null;
  }
  if (dt.iJD < 0 || dt.iJD > 464269060799999) return null;
  return dt;
}

const p2 = (n: number): string => (n < 10 ? '0' : '') + n;
const p3 = (n: number): string => n.toString().padStart(3, '0');
function yearStr(Y: number): string { return Y < 0 ? '-' + String(-Y).padStart(4, '0') : String(Y).padStart(4, '0'); }

function dateStr(c: Civil): string { return `${yearStr(c.Y)}-${p2(c.M)}-${p2(c.D)}`; }
function timeStr(c: Civil): string { return `${p2(c.h)}:${p2(c.m)}:${p2(Math.floor(c.s))}`; }

function dayOfYear(iJD: number, c: Civil): number {
  return Math.floor((iJD - ymdToIJD(c.Y, 1, 1) + 43200000) / MS_PER_DAY) + 1 - (((iJD + 43200000) % MS_PER_DAY) >= 0 ? 0 : 0);
}

export function strftime(fmt: string, dt: DateTime): string | null {
  const c = civil(dt.iJD);
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch !== '%') { out += ch; continue; }
    const f = fmt[++i];
    const wday = Math.floor((dt.iJD + 129600000) / MS_PER_DAY) % 7;
    switch (f) {
      case 'd': out += p2(c.D); break;
      case 'e': out += String(c.D).padStart(2, ' '); break;
      case 'f': { const s = Math.floor(c.s * 1000) / 1000; out += (s < 10 ? '0' : '') + s.toFixed(3); break; }
      case 'F': out += dateStr(c); break;
      case 'H': out += p2(c.h); break;
      case 'k': out += String(c.h).padStart(2, ' '); break;
      case 'I': out += p2(c.h % 12 === 0 ? 12 : c.h % 12); break;
      case 'l': out += String(c.h % 12 === 0 ? 12 : c.h % 12).padStart(2, ' '); break;
      case 'p': out += c.h < 12 ? 'AM' : 'PM'; break;
      case 'P': out += c.h < 12 ? 'am' : 'pm'; break;
      case 'j': out += p3(dayOfYear(dt.iJD, c)); break;
      case 'J': { const j = dt.iJD / MS_PER_DAY; out += formatJ(j); break; }
      case 'm': out += p2(c.M); break;
      case 'M': out += p2(c.m); break;
      case 'R': out += `${p2(c.h)}:${p2(c.m)}`; break;
      case 's': out += String(Math.floor((dt.iJD - UNIX_EPOCH_IJD) / 1000)); break;
      case 'S': out += p2(Math.floor(c.s)); break;
      case 'T': out += timeStr(c); break;
      case 'u': out += String(wday === 0 ? 7 : wday); break;
      case 'w': out += String(wday); break;
      case 'W': case 'U': {
        const jd = dayOfYear(dt.iJD, c) - 1;
        const wd = f === 'W' ? (wday + 6) % 7 : wday;
        out += p2(Math.floor((jd + 7 - wd) / 7));
        break;
      }
      case 'Y': out += yearStr(c.Y); break;
      case '%': out += '%'; break;
      default: return null;
    }
  }
  return out;
}

function formatJ(j: number): string {
  const s = j.toPrecision(16).replace(/\.?0+$/, '');
  return s;
}

export type DateFn = (args: Value[], now: number) => Value;

export const DATE_FUNCTIONS: Record<string, DateFn> = {
  date(args, now) { const dt = evalArgs(args, now); return dt ? dateStr(civil(dt.iJD)) : null; },
  time(args, now) { const dt = evalArgs(args, now); return dt ? timeStr(civil(dt.iJD)) : null; },
  datetime(args, now) { const dt = evalArgs(args, now); if (!dt) return null; const c = civil(dt.iJD); return `${dateStr(c)} ${timeStr(c)}`; },
  julianday(args, now) { const dt = evalArgs(args, now); return dt ? dt.iJD / MS_PER_DAY : null; },
  unixepoch(args, now) { const dt = evalArgs(args, now); return dt ? BigInt(Math.floor((dt.iJD - UNIX_EPOCH_IJD) / 1000)) : null; },
  strftime(args, now) {
    if (args.length === 0 || args[0] === null) return null;
    const dt = evalArgs(args.slice(1), now);
    return dt ? strftime(toText(args[0]!)!, dt) : null;
  },
};

/** Milliseconds since the julian epoch for a JS clock reading (ms since 1970). */
export const ijdFromUnixMs = (ms: number): number => ms + UNIX_EPOCH_IJD;
