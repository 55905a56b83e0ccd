// 令牌: the signed-in account's API tokens — make one (shown once), list
// them, revoke one (POST/GET/DELETE /v1/tokens).

import {h, add, put, fmtTime} from './util.js';
import {t, lang, C} from './i18n.js';
import {api, get} from './api.js';
import {app} from './state.js';
import {alertBox, problemText} from './show.js';
import {plainField, fieldsRoot, clearErrors, failInto} from './form.js';
import {Problem} from './api.js';
import {passwordSection} from './auth.js';

const W = {
  title: ['账号安全', 'Account security'],
  tokens: ['访问令牌', 'API tokens'],
  intro: ['访问令牌用于通过接口（例如 curl 或本单位的系统）以本账号身份办理申报。请求头写作 Authorization: Bearer 令牌。令牌只在创建时显示一次，请妥善保存；不再使用时请撤销。',
    'A token lets a program (curl, your own system) act as this account through the API: send it as Authorization: Bearer <token>. It is shown once, when made; keep it safe, and revoke it when it is no longer used.'],
  make: ['新建令牌', 'Make a token'],
  name: ['名称（用途）', 'Name (what it is for)'],
  name_help: ['1–100 个字符，例如“财务系统对接”。', '1–100 characters, e.g. "finance system".'],
  expires: ['最后有效日期（可不填）', 'Last day it works (optional)'],
  expires_help: ['不填则长期有效；到期次日零时起失效。', 'Empty: no end; it stops at 00:00 the next day.'],
  create: ['创建令牌', 'Make the token'],
  made: ['令牌已创建。它只显示这一次，请立即复制保存：', 'The token is made. It is shown this once only; copy it now:'],
  copy: ['复制', 'Copy'],
  copied: ['已复制。', 'Copied.'],
  list: ['现有令牌', 'Tokens'],
  none: ['还没有令牌。', 'No tokens yet.'],
  created: ['创建时间', 'Made'],
  last_day: ['有效至', 'Last day'],
  forever: ['长期', 'No end'],
  expired: ['（已过期）', ' (expired)'],
  revoke: ['撤销', 'Revoke'],
  revoke_confirm: ['确认撤销？', 'Really revoke?'],
  revoked: ['令牌“{0}”已撤销，使用它的请求将被拒绝。', 'Token “{0}” is revoked: requests with it are refused.'],
};
const w = (key, ...args) => W[key][lang === 'en' ? 1 : 0].replace(/\{(\d)\}/g, (_, i) => args[Number(i)]);

const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);

export async function page(main) {
  if (!app.me) throw new Problem(401);
  add(main, h('h1', w('title')), h('h2', w('tokens')), h('p.lead', w('intro')));
  const name = plainField(w('name'), {type: 'text', maxlength: 100, required: true, autocomplete: 'off'}, w('name_help'));
  const expires = plainField(w('expires'), {type: 'date', min: today()}, w('expires_help'));
  const summary = h('div.alert.error', {role: 'alert', tabindex: -1, hidden: true});
  const shown = h('div', {role: 'status'});
  const form = h('form.stack', {novalidate: true}, summary, name.el, expires.el,
    h('button.primary', {type: 'submit'}, w('create')));
  const root = fieldsRoot(form, {name, expires_on: expires});
  const tbody = h('tbody');
  const empty = h('p', {hidden: true}, w('none'));
  const table = h('div.scroll', h('table.grid.tokens',
    h('thead', h('tr', h('th', {scope: 'col'}, w('name')), h('th', {scope: 'col'}, w('created')),
      h('th', {scope: 'col'}, w('last_day')), h('th', {scope: 'col'}, h('span.vh', w('revoke'))))), tbody));
  const msg = h('div', {role: 'status'});
  add(main, h('section', h('h3', w('make')), form, shown), h('section', h('h3', w('list')), msg, empty, table));
  // An account that signs in with a password (an organisation) may change it.
  if (app.me.role === 'applicant') add(main, passwordSection());

  async function load() {
    const items = (await get('/v1/tokens')).items;
    const now = today();
    put(tbody, items.map((k) => {
      const btn = h('button.danger', {type: 'button'}, w('revoke'));
      btn.addEventListener('click', () => revoke(k, btn));
      return h('tr', {'data-id': k.id}, h('td', k.name), h('td', fmtTime(k.created_at)),
        h('td', k.expires_on ? `${k.expires_on}${k.expires_on < now ? w('expired') : ''}` : w('forever')), h('td', btn));
    }));
    empty.hidden = items.length > 0;
    table.hidden = items.length === 0;
  }

  async function revoke(k, btn) {
    if (!btn.classList.contains('confirm')) {
      btn.classList.add('confirm');
      btn.textContent = w('revoke_confirm');
      return;
    }
    btn.disabled = true;
    try {
      await api('DELETE', `/v1/tokens/${k.id}`);
      put(msg, alertBox('ok', w('revoked', k.name)));
      await load();
    } catch (e) {
      put(msg, alertBox('error', problemText(e)));
      btn.disabled = false;
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(root);
    summary.hidden = true;
    put(shown);
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      const body = {name: name.input.value.trim(), expires_on: expires.input.value || null};
      const r = await api('POST', '/v1/tokens', body);
      const out = h('input.token-secret', {type: 'text', readonly: true, value: r.data.token, 'aria-label': w('tokens'), spellcheck: 'false'});
      const copy = h('button', {type: 'button'}, w('copy'));
      const said = h('span', {role: 'status'});
      copy.addEventListener('click', async () => {
        out.select();
        try { await navigator.clipboard.writeText(out.value); } catch { document.execCommand('copy'); }
        said.textContent = w('copied');
      });
      put(shown, alertBox('ok', h('p', w('made')), h('p.token-line', out, ' ', copy, ' ', said),
        h('p.meta', `${w('name')}${C()}${r.data.name}`)));
      name.input.value = '';
      expires.input.value = '';
      await load();
      out.focus();
      out.select();
    } catch (err) {
      failInto(summary, root, err);
    } finally {
      btn.disabled = false;
    }
  });
  await load();
}
