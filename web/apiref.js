// The API reference (#/api): the server's OpenAPI document
// (GET /v1/openapi.json) shown readably — operations grouped by tag, who may
// call each, parameters, bodies, responses, examples, the problem types and
// the schemas.  Made from the document alone, so it says what the server
// says.  #/api/{operationId} and #/api/schema.{Name} go to one entry.

import {h, add} from './util.js';
import {t, lang, addStrings, title, enumLabel} from './i18n.js';
import {cached} from './api.js';

addStrings({
  api_ref: ['接口文档', 'API reference'],
  ref_lead: ['供其他系统调用本平台：每个接口的调用者、参数、请求和响应。下面的内容由服务器的 OpenAPI 3.1 文档生成，', 'For systems that call this service: who may call each endpoint, its parameters, requests and answers. This page is made from the server\'s OpenAPI 3.1 document, '],
  ref_download: ['下载 openapi.json', 'download openapi.json'],
  ref_lead_end: ['可用于生成客户端代码。', 'from which client code can be generated.'],
  ref_contents: ['目录', 'Contents'],
  ref_who: ['调用者', 'Who may call'],
  ref_auth: ['身份验证', 'Authentication'],
  ref_public: ['任何人，无需登录', 'Anyone, no sign-in'],
  ref_token: ['访问令牌（Authorization: Bearer）或网页会话', 'A token (Authorization: Bearer) or a web session'],
  ref_token_csrf: ['访问令牌（Authorization: Bearer），或网页会话加 X-CSRF-Token 请求头', 'A token (Authorization: Bearer), or a web session with the X-CSRF-Token header'],
  ref_retry: ['可安全重试', 'Safe to retry'],
  ref_retry_text: ['发送 Idempotency-Key 请求头：重复发送同一请求只执行一次，并返回第一次的响应。', 'Send an Idempotency-Key header: the same request sent again is done once, and answered with the first answer.'],
  ref_parameters: ['参数', 'Parameters'],
  ref_name: ['名称', 'Name'],
  ref_in: ['位置', 'In'],
  ref_in_path: ['路径', 'path'],
  ref_in_query: ['查询', 'query'],
  ref_in_header: ['请求头', 'header'],
  ref_in_cookie: ['Cookie', 'cookie'],
  ref_type: ['类型', 'Type'],
  ref_meaning: ['说明', 'Meaning'],
  ref_required: ['必填', 'required'],
  ref_body: ['请求体', 'Request body'],
  ref_responses: ['响应', 'Responses'],
  ref_status: ['状态码', 'Status'],
  ref_headers: ['响应头', 'Headers'],
  ref_example: ['示例：{0}', 'Example: {0}'],
  ref_members: ['成员', 'Members'],
  ref_problems: ['错误类型', 'Problem types'],
  ref_problems_text: ['400 及以上的响应都是 RFC 9457 问题详情（application/problem+json），其类型为下列之一。', 'Every answer of 400 and over is an RFC 9457 problem (application/problem+json) whose type is one of these.'],
  ref_schemas: ['数据结构', 'Schemas'],
  ref_one_of: ['以下之一', 'One of'],
  ref_any_of: ['以下任一', 'Any of'],
  ref_all_of: ['同时符合', 'All of'],
  ref_when: ['当 {0} 时', 'When {0}'],
  ref_read_only: ['由服务器设置', 'set by the server'],
  ref_any: ['任意', 'any'],
  ref_or_null: ['或 null', 'or null'],
  ref_chars: ['{0}–{1} 个字符', '{0}–{1} characters'],
  ref_items: ['{0}–{1} 项', '{0}–{1} items'],
  ref_range: ['{0} 至 {1}', '{0} to {1}'],
  ref_at_least: ['至少 {0}', 'at least {0}'],
  ref_at_most: ['至多 {0}', 'at most {0}'],
  ref_values: ['取值：', 'values: '],
  ref_no_body: ['无响应体', 'no body'],
  ref_top: ['回到目录', 'Back to contents'],
});

const DOC = '/v1/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const TAGS = {
  applications: ['申报', 'Applications'], reviews: ['审核', 'Reviews'], notices: ['公示与异议', 'Notices and objections'],
  certificates: ['证书', 'Certificates'], rankings: ['排名', 'Rankings'], accounts: ['账户与令牌', 'Accounts and tokens'],
  sessions: ['网页登录', 'Web sign-in'], description: ['接口说明', 'Describing the API'], operations: ['运维', 'Operations'],
  web: ['网页', 'Web pages'], materials: ['申报材料', 'Materials'], desk: ['审核工作台', "The reviewer's desk"],
  duties: ['后续管理', 'After approval'],
};
const tagLabel = (name) => (TAGS[name] ? TAGS[name][lang === 'en' ? 1 : 0] : name);
const anchorId = (a) => `ref-${a}`;

let doc = null;

function resolve(ref) {
  let node = doc;
  for (const part of ref.replace(/^#\//, '').split('/')) node = node && node[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}
const deref = (x) => (x && x.$ref ? deref(resolve(x.$ref)) : x);
const refName = (ref) => ref.split('/').pop();
const summary = (op) => (lang === 'zh' && op['x-summary-zh']) || op.summary;

// The text of a schema's description, in the page's language where the
// schema has it (x-description-zh), and "中文 / English" titles split.
function meaning(s) {
  if (!s) return '';
  const parts = [];
  if (s.title) parts.push(title(s.title));
  const d = lang === 'zh' && s['x-description-zh'] ? s['x-description-zh'] : s.description;
  if (d) parts.push(d);
  return parts.join(' — ');
}

// Text of the document: `code` spans shown as code, blank lines as
// paragraphs.
// The document's own text is English unless it has Chinese (x-summary-zh,
// x-description-zh): marked so, for the reader's browser and tools.
// A text is taken as English when its Latin letters outnumber its Chinese
// characters twice over (an English sentence citing 第十二条 is English).
const langOf = (text) => {
  const s = String(text || '');
  const cjk = (s.match(/[\u3400-\u9fff]/g) || []).length;
  const latin = (s.match(/[A-Za-z]/g) || []).length;
  return latin > 2 * cjk ? {lang: 'en'} : {};
};

function prose(text, tag = 'p') {
  return String(text || '').split(/\n\n+/).map((para) =>
    h(tag, langOf(para), para.split('`').map((part, i) => (i % 2 ? h('code', part) : part))));
}

function schemaLink(ref) {
  const name = refName(ref);
  return h('a', {href: `#/api/schema.${name}`, lang: 'en'}, name);
}

const show = (v) => JSON.stringify(v);

// One line saying what values a schema takes.
function typeText(s, depth = 0) {
  if (!s || typeof s !== 'object') return t('ref_any');
  if (s.$ref) return schemaLink(s.$ref);
  const out = [];
  for (const k of ['oneOf', 'anyOf']) {
    if (s[k] && depth < 2) {
      const alts = s[k].map((x) => typeText(x, depth + 1));
      return h('span', alts.flatMap((x, i) => (i ? [' | ', x] : [x])));
    }
  }
  let types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  const nullable = types.includes('null') && types.length > 1;
  types = types.filter((x) => x !== 'null' || !nullable);
  if (types.includes('array') && s.items) out.push(h('span', typeText(s.items, depth + 1), '[]'));
  else if (types.length) out.push(types.join(' | '));
  if (s.format) out.push(` (${s.format})`);
  if (nullable) out.push(` ${t('ref_or_null')}`);
  if ('const' in s) out.push(` = ${show(s.const)}`);
  if (s.enum) out.push(h('span.enum', ` ${t('ref_values')}`, s.enum.map((v, i) => [i ? ', ' : '', h('code', show(v))])));
  const bound = (lo, hi, key) => {
    if (lo != null && hi != null) out.push(`, ${t(key, lo, hi)}`);
    else if (lo != null) out.push(`, ${t('ref_at_least', lo)}`);
    else if (hi != null) out.push(`, ${t('ref_at_most', hi)}`);
  };
  if (s.minLength != null || s.maxLength != null) bound(s.minLength ?? 0, s.maxLength, 'ref_chars');
  if (s.minItems != null || s.maxItems != null) bound(s.minItems ?? 0, s.maxItems, 'ref_items');
  if (s.minimum != null || s.maximum != null) bound(s.minimum, s.maximum, 'ref_range');
  if (s.pattern) out.push(', ', h('code.pattern', s.pattern));
  if (s.readOnly) out.push(h('em', ` (${t('ref_read_only')})`));
  return out.length ? h('span', out) : t('ref_any');
}

// The members of an object schema as table rows, nested ones with their
// path (applicant.name, incubatees[].uscc), to `depth` levels.
function memberRows(s, prefix, depth, rows) {
  if (!s || depth > 4) return rows;
  const required = new Set(s.required || []);
  for (const [name, sub] of Object.entries(s.properties || {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    rows.push(h('tr',
      h('td', h('code', path), required.has(name) ? h('span.req', ` ${t('ref_required')}`) : null),
      h('td', typeText(sub)),
      h('td', meaning(sub))));
    if (sub && !sub.$ref) {
      if (sub.properties) memberRows(sub, path, depth + 1, rows);
      else if (sub.items && sub.items.properties) memberRows(sub.items, `${path}[]`, depth + 1, rows);
    }
  }
  return rows;
}

function memberTable(s, prefix = '') {
  const rows = memberRows(s, prefix, 0, []);
  if (!rows.length) return null;
  return h('div.scroll', h('table.grid.members',
    h('thead', h('tr', h('th', t('ref_name')), h('th', t('ref_type')), h('th', t('ref_meaning')))),
    h('tbody', rows)));
}

// "when project = launch_event" from an `if` that fixes members to values.
function condition(s) {
  const parts = Object.entries((s && s.properties) || {}).map(([k, v]) =>
    `${k} = ${'const' in v ? show(v.const) : v.enum ? v.enum.map(show).join(' | ') : '…'}`);
  return parts.length ? parts.join(', ') : null;
}

// A schema in full: its meaning, its type, its members, and what it is
// made of (allOf, oneOf, anyOf, if/then).
function schemaView(s, depth = 0) {
  if (!s) return null;
  if (s.$ref) return h('p', typeText(s));
  const box = h('div.schema');
  const m = depth > 0 ? meaning(s) : '';
  if (m) add(box, h('p', m));
  if (!s.properties && !s.allOf && !s.oneOf && !s.anyOf) add(box, h('p', typeText(s)));
  add(box, memberTable(s));
  if (s.items && s.items.properties) add(box, memberTable(s.items, '[]'));
  for (const [k, label] of [['allOf', 'ref_all_of'], ['oneOf', 'ref_one_of'], ['anyOf', 'ref_any_of']]) {
    if (!s[k] || depth > 3) continue;
    const plain = s[k].filter((x) => !x.if);
    const conds = s[k].filter((x) => x.if);
    if (plain.length) add(box, h('div.alts', h('p', h('strong', t(label))), h('ul', plain.map((x) => h('li', schemaView(x, depth + 1))))));
    for (const c of conds) {
      const when = condition(c.if);
      add(box, h('details.cond', h('summary', when ? t('ref_when', when) : 'if …'),
        c.then ? schemaView(c.then, depth + 1) : null, h('pre.json', JSON.stringify(c, null, 1))));
    }
  }
  return box;
}

function examples(media) {
  const out = [];
  if (media.example !== undefined) out.push(['', media.example]);
  for (const [name, e] of Object.entries(media.examples || {})) {
    const x = deref(e);
    if (x && x.value !== undefined) out.push([x.summary || name, x.value]);
  }
  // A text that is not JSON (a CSV file) is shown as it is.
  return out.map(([name, value]) => h('details.example',
    h('summary', t('ref_example', name || '')),
    h('pre.json', typeof value === 'string' ? value : JSON.stringify(value, null, 2))));
}

// A schema that is only a choice of named ones says all it has on its
// type line (Envelope | Draft): its meaning is what is left to show.
const onlyNamed = (s) => !s.properties && [s.oneOf, s.anyOf].some((alts) => alts && alts.every((x) => x.$ref));

function content(c) {
  return Object.entries(c || {}).map(([type, media]) => h('div.media',
    h('p', h('code', type), media.schema ? [' — ', typeText(media.schema)] : null),
    !media.schema || media.schema.$ref ? null
      : onlyNamed(media.schema) ? (meaning(media.schema) ? h('p', meaning(media.schema)) : null)
        : schemaView(media.schema, 1),
    examples(media)));
}

function parameters(op) {
  const ps = (op.parameters || []).map(deref);
  if (!ps.length) return null;
  const rows = ps.map((p) => h('tr',
    h('td', h('code', p.name), p.required ? h('span.req', ` ${t('ref_required')}`) : null),
    h('td', t(`ref_in_${p.in}`)),
    h('td', typeText(p.schema)),
    h('td', prose(p.description || meaning(p.schema), 'span'))));
  const head = h('thead', h('tr', h('th', t('ref_name')), h('th', t('ref_in')), h('th', t('ref_type')), h('th', t('ref_meaning'))));
  return [h('h4', t('ref_parameters')), h('div.scroll', h('table.grid.params', head, h('tbody', rows)))];
}

function responses(op) {
  return [h('h4', t('ref_responses')), h('div.responses', Object.entries(op.responses || {}).map(([code, r]) => {
    const name = r.$ref ? refName(r.$ref) : null;
    const x = deref(r);
    const headers = Object.entries(x.headers || {}).map(([n, hd]) => {
      const d = deref(hd);
      return h('li', h('code', n), ': ', d.description ? prose(d.description, 'span') : typeText(d.schema));
    });
    return h('div.response',
      h('p.status', h('span', {class: `code c${code[0]}`}, code), ' ', h('span', langOf(x.description || name), name && !(x.description || '').length ? name : x.description)),
      headers.length ? h('ul.headers', headers) : null,
      x.content ? content(x.content) : null);
  }))];
}

function security(op) {
  const sec = op.security || [];
  if (!sec.length) return t('ref_public');
  return sec.some((r) => 'csrf' in r) ? t('ref_token_csrf') : t('ref_token');
}

function operation(path, method, op) {
  const roles = op['x-roles'] || [];
  const retry = (op.parameters || []).some((p) => p.$ref && p.$ref.endsWith('/header.Idempotency-Key'));
  // Closed until asked for: the page lists every operation at a glance.
  return h('details.op', {id: anchorId(op.operationId)},
    h('summary', h('h3', h('span', {class: `method m-${method}`, lang: 'en'}, method.toUpperCase()), ' ', h('code.path', path),
      ' ', h('span.summary', langOf(summary(op)), summary(op)))),
    op.description ? prose(op.description, 'p.desc') : null,
    h('dl.facts',
      h('dt', t('ref_who')), h('dd', roles.map((r) => (r === 'public' ? t('ref_public') : enumLabel(r))).join('、')),
      h('dt', t('ref_auth')), h('dd', security(op)),
      retry ? [h('dt', t('ref_retry')), h('dd', t('ref_retry_text'))] : null,
      h('dt', h('code', 'operationId')), h('dd', h('code', op.operationId))),
    // The document's parameters, bodies and answers are written in English.
    h('div.tech', {lang: 'en'}, parameters(op),
      op.requestBody ? [h('h4', t('ref_body')), content(deref(op.requestBody).content)] : null,
      responses(op)));
}

function problemTypes() {
  const types = (((doc.components || {}).schemas || {}).ProblemType || {}).oneOf || [];
  return h('section', {id: anchorId('problems'), 'aria-labelledby': 'ref-problems-h'},
    h('h2', {id: 'ref-problems-h'}, t('ref_problems')),
    h('p', t('ref_problems_text')),
    h('div.scroll', h('table.grid',
      h('thead', h('tr', h('th', h('code', 'type')), h('th', t('ref_status')), h('th', h('code', 'title')))),
      h('tbody', types.map((x) => {
        const title = (lang === 'zh' && x['x-title-zh']) || x.title;
        return h('tr', h('td', h('code', x.const)), h('td', String(x['x-status'])), h('td', langOf(title), title));
      })))));
}

function schemas() {
  const all = Object.entries((doc.components || {}).schemas || {});
  return h('section', {id: anchorId('schemas'), 'aria-labelledby': 'ref-schemas-h'},
    h('h2', {id: 'ref-schemas-h'}, t('ref_schemas')),
    all.map(([name, s]) => h('details.schema-def', {id: anchorId(`schema.${name}`)},
      h('summary', h('h3', h('code', name))),
      h('div.tech', {lang: 'en'}, meaning(s) ? h('p', meaning(s)) : null, schemaView(s)))));
}

// A tag's description, "申报 — what it covers": the heading already says
// the first half; the rest is the document's English.
function tagDescription(info) {
  const text = info && info.description;
  if (!text) return null;
  const rest = text.includes(' — ') ? text.slice(text.indexOf(' — ') + 3) : text;
  return h('p.muted', langOf(rest), rest);
}

function ensureStyle() {
  if (document.querySelector('link[href="apiref.css"]')) return;
  document.head.append(h('link', {rel: 'stylesheet', href: 'apiref.css'}));
}

export async function page(p, anchor) {
  ensureStyle();
  doc = await cached(DOC);
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths || {}))
    for (const m of METHODS) if (item[m]) ops.push([path, m, item[m]]);
  const tags = (doc.tags || []).map((x) => x.name);
  const byTag = new Map(tags.map((x) => [x, []]));
  for (const o of ops) {
    const tag = (o[2].tags || [])[0];
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag).push(o);
  }
  const tagInfo = new Map((doc.tags || []).map((x) => [x.name, x]));
  const entry = ([path, m, op]) => h('li',
    h('a', {href: `#/api/${op.operationId}`}, h('span', {class: `method m-${m}`, lang: 'en'}, m.toUpperCase()), ' ', h('code', path)),
    ' ', h('span.muted', langOf(summary(op)), summary(op)));
  const toc = h('nav.toc', {id: anchorId('contents'), 'aria-label': t('ref_contents')},
    h('h2', t('ref_contents')),
    h('ul',
      [...byTag].map(([tag, list]) => h('li', h('a', {href: `#/api/tag.${tag}`}, tagLabel(tag)), h('ul', list.map(entry)))),
      h('li', h('a', {href: '#/api/problems'}, t('ref_problems'))),
      h('li', h('a', {href: '#/api/schemas'}, t('ref_schemas')))));
  const section = ([tag, list]) => h('section.tag', {id: anchorId(`tag.${tag}`), 'aria-labelledby': `ref-tag-${tag}`},
    h('h2', {id: `ref-tag-${tag}`}, tagLabel(tag)),
    tagDescription(tagInfo.get(tag)),
    list.map(([path, m, op]) => operation(path, m, op)),
    h('p.top', h('a', {href: '#/api/contents'}, t('ref_top'))));
  add(p,
    h('h1', t('api_ref')),
    h('p.lead', langOf(doc.info && doc.info.summary), doc.info && doc.info.summary),
    doc.info && doc.info.description ? prose(doc.info.description) : null,
    h('p', t('ref_lead'), h('a', {href: DOC, download: 'openapi.json'}, t('ref_download')),
      lang === 'en' ? ', ' : '，', t('ref_lead_end'), ` OpenAPI ${doc.openapi} · ${doc.info ? doc.info.version : ''}`),
    toc,
    [...byTag].map(section),
    problemTypes(),
    schemas());
  if (anchor) {
    // After the shell has focused the heading: then go to the entry.
    setTimeout(() => {
      const el = document.getElementById(anchorId(anchor));
      if (!el) return;
      if (el.tagName === 'DETAILS') el.open = true;
      el.tabIndex = -1;
      el.focus();
    }, 0);
  }
}
