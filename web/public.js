// Public pages: the notice list with objections, and certificate checking.

import {h, add, put, fmtTime, jwsPayload} from './util.js';
import {t, lang, enumLabel, C} from './i18n.js';
import {api, get} from './api.js';
import {plainField, fieldsRoot, placeErrors, clearErrors, showSummary} from './form.js';
import {certView, problemText, alertBox, money} from './show.js';
import {kindLabel} from './kinds.js';

export async function notices(page) {
  add(page, h('h1', t('notices')), h('p.lead', t('notices_intro')));
  const items = (await get('/v1/notices')).items;
  if (!items.length) {
    add(page, h('p.empty', t('no_notices')));
    return;
  }
  add(page, h('ul.cards', items.map((n) => h('li.card', notice(n)))));
}

function notice(n) {
  const p = n.proposed || {};
  const what = [lang === 'en' ? p.title_en : p.title_zh,
    p.valid_years ? t('valid_years', p.valid_years) : null,
    p.amount_fen != null ? money(p.amount_fen) : null].filter(Boolean).join(' · ');
  return [
    h('h2', n.holder),
    h('p.meta', `${kindLabel(n.kind)} · #${n.id}`),
    h('p', h('strong', `${t('proposed')}${C()}`), what),
    h('p', t('notice_dates', n.starts_on, n.ends_on)),
    h('details.objection', h('summary', t('object')), objectionForm(n.id)),
  ];
}

function objectionForm(id) {
  const name = plainField(t('obj_name'), {maxlength: 100, autocomplete: 'name', required: true});
  const contact = plainField(t('obj_contact'), {maxlength: 200, required: true});
  const reason = plainField(t('obj_reason'), {maxlength: 4000, rows: 5, required: true}, null, 'textarea');
  const sum = h('div.alert.error', {role: 'alert', tabindex: -1, hidden: true});
  const result = h('div', {role: 'status'});
  const btn = h('button.primary', {type: 'submit'}, t('obj_send'));
  const form = h('form.stack', {novalidate: true}, sum, name.el, contact.el, reason.el, btn, result);
  const root = fieldsRoot(form, {name, contact, reason});
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(root);
    sum.hidden = true;
    put(result, );
    btn.disabled = true;
    try {
      const r = await api('POST', `/v1/applications/${id}/objections`, {
        name: name.input.value.trim(), contact: contact.input.value.trim(), reason: reason.input.value.trim(),
      });
      put(result, alertBox('ok', t('obj_ok', r.data.id, fmtTime(r.data.filed_at))));
      form.reset();
    } catch (err) {
      if (err.status === 422 && err.errors.length) showSummary(sum, placeErrors(root, err.errors));
      else put(result, alertBox('error', err.status === 404 ? t('obj_gone') : problemText(err)));
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

// ---- certificate check ----

export function check(page, serialParam) {
  add(page, h('h1', t('check')), h('p.lead', t('check_intro')));
  const out = h('div.result', {'aria-live': 'polite'});

  const serial = plainField(t('serial'), {class: 'code', autocomplete: 'off', spellcheck: 'false', placeholder: 'SB-2020-XXXX-XXXX-XXXX-XXXX'});
  const f1 = h('form.inline', {novalidate: true}, serial.el, h('button.primary', {type: 'submit'}, t('look_up')));
  f1.addEventListener('submit', (e) => {
    e.preventDefault();
    const s = serial.input.value.trim().toUpperCase();
    if (!s) return serial.focus();
    history.replaceState(null, '', `#/check/${encodeURIComponent(s)}`);
    lookUp(s, out);
  });

  const doc = plainField(t('doc_label'), {rows: 6, spellcheck: 'false', class: 'code'}, null, 'textarea');
  const f2 = h('form.stack', {novalidate: true}, doc.el, h('button.primary', {type: 'submit'}, t('verify')));
  f2.addEventListener('submit', (e) => {
    e.preventDefault();
    verifyPasted(doc.input.value, out, doc);
  });

  add(page, h('div.two',
    h('section.panel', h('h2', t('by_serial')), f1),
    h('section.panel', h('h2', t('by_doc')), f2)), out);
  if (serialParam) {
    serial.input.value = decodeURIComponent(serialParam);
    lookUp(serial.input.value, out);
  }
}

async function lookUp(serial, out) {
  put(out, h('p', t('loading')));
  try {
    const c = await get(`/v1/certificates/${encodeURIComponent(serial)}`);
    const v = await api('POST', '/v1/certificates/verify', {certificate: c.certificate, jws: c.jws}).then((r) => r.data, () => null);
    put(out, v ? sigLine(v) : null, certView(c.certificate, c.status), revocation(c.revocation));
  } catch (e) {
    put(out, alertBox('error', e.status === 404 ? t('no_cert') : problemText(e)));
  }
}

function revocation(r) {
  if (!r) return null;
  return alertBox('warn', h('strong', enumLabel('revoked')), `${C()}${fmtTime(r.revoked_at)} · ${r.reason || ''}`);
}

function sigLine(v) {
  return alertBox(v.valid ? 'ok' : 'error', h('strong', v.valid ? `✓ ${t('sig_valid')}` : `✗ ${t('sig_invalid')}`),
    ` · ${t('cert_status')}${C()}${enumLabel(v.status)}`, v.detail ? h('div.detail', v.detail) : null);
}

async function verifyPasted(text, out, field) {
  field.clearErr();
  const s = text.trim();
  let body = null;
  if (s.startsWith('{')) {
    try {
      const o = JSON.parse(s);
      if (o && typeof o.jws === 'string') body = o.certificate ? {certificate: o.certificate, jws: o.jws} : {jws: o.jws};
    } catch { /* not JSON */ }
  } else if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(s)) {
    body = {jws: s};
  }
  if (!body) {
    field.showErr(t('bad_paste'));
    field.focus();
    return;
  }
  put(out, h('p', t('loading')));
  try {
    const v = (await api('POST', '/v1/certificates/verify', body)).data;
    put(out, sigLine(v), v.valid ? certView(jwsPayload(body.jws), v.status) : null);
  } catch (e) {
    put(out, alertBox('error', problemText(e)));
  }
}

