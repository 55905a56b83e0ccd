// DOM building, money in fen, the USCC check character, dates.

// h('p.note#id', {attrs}, ...children): an element; class and id from the tag.
export function h(tag, attrs, ...kids) {
  const [, name, rest] = tag.match(/^([a-z0-9]+)(.*)$/);
  const el = document.createElement(name);
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    kids.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'value') el.value = v;
    else if (k === 'class') el.classList.add(...String(v).split(' '));
    else el.setAttribute(k, v === true ? '' : v);
  }
  addList(el, kids);
  return el;
}

// Appends children, skipping null/false and flattening arrays (append() would
// print "null").
export function add(el, ...kids) {
  addList(el, kids);
  return el;
}

// What people typed (a name, a brand, a file name): shown as it is, and
// marked as not the interface's words (translate="no").
export const own = (v) => (v == null || v === '' ? v : h('span', {translate: 'no'}, String(v)));

export function put(el, ...kids) {
  el.replaceChildren();
  addList(el, kids);
  return el;
}

function addList(el, kids) {
  for (const k of kids) {
    if (k == null || k === false) continue;
    if (Array.isArray(k)) addList(el, k);
    else el.append(k instanceof Node ? k : String(k));
  }
}

let seq = 0;
export const uid = (p = 'f') => `${p}${++seq}`;

// ---- money: integer fen, never floating point ----

// "1,234,567.89" (yuan) -> {fen: 123456789} or {error: 'key'}.
export function parseYuan(text) {
  const s = String(text).replace(/[\s,，_]/g, '').replace(/^[¥￥]/, '');
  if (s === '') return {};
  const m = s.match(/^(\d+)(?:\.(\d*))?$/);
  if (!m) return {error: 'money_format'};
  const dec = m[2] || '';
  if (dec.length > 2) return {error: 'money_decimals'};
  const fen = BigInt(m[1]) * 100n + BigInt((dec + '00').slice(0, 2));
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) return {error: 'money_big'};
  return {fen: Number(fen)};
}

// 123456789 (fen) -> "1,234,567.89"
export function formatFen(fen) {
  if (fen == null || fen === '') return '';
  let n = BigInt(fen);
  const neg = n < 0n;
  if (neg) n = -n;
  const yuan = (n / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (n % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${yuan}.${cents}`;
}

// An amount as a person in a Beijing bureau reads it: "420 万元" when it is
// a whole number of 元 (up to four decimals of 万), else "1,234.56 元".
export function formatWan(fen) {
  if (fen == null || fen === '') return '';
  let n = BigInt(fen);
  const neg = n < 0n;
  if (neg) n = -n;
  if (n % 100n !== 0n || n === 0n) return `${neg ? '-' : ''}${n === 0n ? '0' : formatFen(n)} 元`;
  const yuan = n / 100n;
  const whole = (yuan / 10000n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = (yuan % 10000n).toString().padStart(4, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''} 万元`;
}

// ---- USCC, GB 32100-2015 ----

const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

// The check character the first 17 characters call for, or null.
export function usccCheckChar(code17) {
  let sum = 0, w = 1;
  for (const c of code17) {
    const v = CHARSET.indexOf(c);
    if (v < 0) return null;
    sum += v * w;
    w = (w * 3) % 31;
  }
  return CHARSET[(31 - (sum % 31)) % 31];
}

// '' when valid, else the i18n key of what is wrong (+ the expected char).
export function usccProblem(code) {
  if (code.length !== 18) return ['uscc_len', code.length];
  const bad = [...code].find((c) => !CHARSET.includes(c));
  if (bad) return ['uscc_char', bad];
  const want = usccCheckChar(code.slice(0, 17));
  return want === code[17] ? null : ['uscc_check', want];
}

// ---- dates and times ----

// An RFC 3339 instant as Beijing time, "2020-11-02 10:00".
const BJ = new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'});
export function fmtTime(rfc3339) {
  if (!rfc3339) return '';
  const d = new Date(rfc3339);
  if (isNaN(d)) return rfc3339;
  const p = Object.fromEntries(BJ.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// Person-days of a group: (end - start + 1) days x tourists.
export function dayCount(start, end) {
  const a = Date.parse(start + 'T00:00:00Z'), b = Date.parse(end + 'T00:00:00Z');
  return isNaN(a) || isNaN(b) ? 0 : Math.round((b - a) / 86400000) + 1;
}

// Decodes the payload of a compact JWS (for display only; the server verifies).
export function jwsPayload(jws) {
  try {
    const part = jws.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(part + '='.repeat((4 - (part.length % 4)) % 4));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  } catch {
    return null;
  }
}

export function download(name, obj) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(obj, null, 2) + '\n'], {type: 'application/json'}));
  const a = h('a', {href: url, download: name});
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
