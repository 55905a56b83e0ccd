// The REST API: JSON in and out, the session cookie, CSRF, problem+json
// in the page's language.

import {lang} from './i18n.js';

export class Problem extends Error {
  constructor(status, doc, headers) {
    super((doc && (doc.detail || doc.title)) || `HTTP ${status}`);
    this.status = status;
    this.doc = doc || {};
    this.errors = this.doc.errors || [];
    this.headers = headers;
  }
}

let csrfToken = '';
export const setCsrf = (v) => { csrfToken = v || ''; };

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)sb_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : csrfToken;
}

// Resolves to {data, status, etag}; rejects with a Problem (status 0: network).
export async function api(method, path, body, {ifMatch, prefer, keepalive} = {}) {
  // The server explains problems in Chinese or English as asked
  // (Accept-Language), whatever the browser's own languages are.
  const headers = {Accept: 'application/json, application/problem+json', 'Accept-Language': lang === 'en' ? 'en' : 'zh-CN'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') {
    const c = csrf();
    if (c) headers['X-CSRF-Token'] = c;
  }
  if (ifMatch != null) headers['If-Match'] = `"${ifMatch}"`;
  if (prefer) headers.Prefer = prefer;   // RFC 7240: handling=lenient for a draft being filled in
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store', keepalive: !!keepalive,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new Problem(0, null, null);
  }
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (res.status !== 204 && type.includes('json')) {
    try { data = await res.json(); } catch { data = null; }
  }
  if (!res.ok) throw new Problem(res.status, data, res.headers);
  return {data, status: res.status, etag: (res.headers.get('ETag') || '').replace(/"/g, '')};
}

export const get = (path) => api('GET', path).then((r) => r.data);

const cache = new Map();
// Schemas and review units change rarely: fetched once per page load.
export function cached(path) {
  if (!cache.has(path)) cache.set(path, get(path).catch((e) => { cache.delete(path); throw e; }));
  return cache.get(path);
}
