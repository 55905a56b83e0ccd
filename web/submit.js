// Submitting: the confirmation page with the kind's 承诺书 (its text as the
// server serves it, the version accepted sent with the submission), and the
// printable 受理回执 (acknowledgement of receipt) once submitted.

import {h, add, put, fmtTime} from './util.js';
import {t, lang, roundLabel, amountLabel, C, paren} from './i18n.js';
import {api, get, cached} from './api.js';
import {app} from './state.js';
import {statusLine, checksView, alertBox, problemText, money} from './show.js';
import {loadKinds, kindInfo, kindLabel} from './kinds.js';
import {signedIn, unitsMap, unitLabel, submittedText} from './apps.js';

const EDITABLE = ['draft', 'returned'];

const W = {
  confirm_title: ['确认提交', 'Confirm the submission'],
  confirm_intro: ['提交前请核对以下内容，阅读并确认承诺书。提交后，申报在审核期间不能修改。', 'Check what follows and read the declaration before submitting. Once submitted, the application cannot be changed while it is reviewed.'],
  summary: ['申报概要', 'Summary'],
  eligibility: ['资格审查', 'Eligibility'],
  eligible: ['全部条件符合', 'Every condition is met'],
  not_eligible: ['有 {0} 项条件不符合（审核人员可能退回或不予通过）', '{0} conditions are not met (reviewers may return or reject it)'],
  incomplete: ['申报表尚未填写完整', 'The form is not complete'],
  materials: ['已上传材料', 'Materials attached'],
  files_n: ['{0} 个文件', '{0} files'],
  no_files: ['没有上传材料', 'No files attached'],
  declaration: ['承诺书', 'Declaration'],
  version: ['版本', 'Version'],
  accept: ['本单位已阅读并同意上述承诺书，对申报内容的真实性负责。', 'We have read and accept the declaration above and answer for the truth of this application.'],
  accept_needed: ['请先勾选同意承诺书。', 'Tick the box to accept the declaration first.'],
  do_submit: ['确认并提交', 'Accept and submit'],
  back_edit: ['返回修改', 'Back to the form'],
  not_editable: ['这份申报当前不能提交。', 'This application cannot be submitted now.'],
  receipt: ['受理回执', 'Acknowledgement of receipt'],
  receipt_intro: ['本回执证明以下申报已由系统受理，请妥善保存。', 'This acknowledges that the application below was received. Keep it.'],
  receipt_no: ['申报编号', 'Application number'],
  receipt_time: ['提交时间', 'Submitted at'],
  receipt_unit: ['申报单位', 'Applicant'],
  receipt_kind: ['申报事项', 'Programme'],
  receipt_review: ['初审单位', 'Review unit'],
  receipt_decl: ['承诺书', 'Declaration'],
  receipt_decl_v: ['已确认（版本 {0}，{1}）', 'Accepted (version {0}, {1})'],
  receipt_decl_none: ['未在网页上确认（通过接口提交）', 'Not accepted on these pages (submitted through the API)'],
  receipt_files: ['提交的材料', 'Materials submitted'],
  receipt_type: ['材料类型', 'Type'],
  receipt_bytes: ['大小（字节）', 'Bytes'],
  receipt_hash: ['SHA-256 摘要', 'SHA-256'],
  receipt_none: ['这份申报尚未提交，没有受理回执。', 'This application has not been submitted: there is no receipt.'],
  print_receipt: ['打印回执', 'Print the receipt'],
};
const w = (key, ...args) => {
  const s = W[key][lang === 'en' ? 1 : 0];
  return s.replace(/\{(\d)\}/g, (_, i) => args[Number(i)]);
};

// #/submit/{id}: what the application says, the 承诺书, the acceptance.
export async function confirmPage(page, id) {
  signedIn();
  const [{data: a}, files, units] = await Promise.all([
    api('GET', `/v1/applications/${id}`),
    get(`/v1/applications/${id}/materials`).then((r) => r.items, () => []),
    unitsMap(),
  ]);
  await loadKinds();
  const k = kindInfo(a.kind);
  const full = await cached(`/v1/kinds/${a.kind}`);
  const d = full.declaration;
  add(page, h('h1', `${w('confirm_title')}${C()}${t('app_n', a.id)} · ${kindLabel(a.kind)}`), statusLine(a));
  if (!EDITABLE.includes(a.status)) {
    add(page, alertBox('warn', w('not_editable')), h('p.actions', h('a.button', {href: `#/app/${a.id}`}, t('back'))));
    return;
  }
  add(page, h('p', w('confirm_intro')));
  const elig = a.eligibility || {checks: []};
  const failed = (elig.checks || []).filter((c) => !c.passed).length;
  const complete = !a.completeness || a.completeness.complete;
  const dl = (label, value) => h('div', h('dt', label), h('dd', value));
  add(page, h('section.confirm-summary', h('h2', w('summary')), h('dl.view.meta',
    dl(t('applicant_org'), `${a.applicant.name}${paren(a.applicant.uscc)}`),
    dl(roundLabel(k), String(a.round)),
    dl(t('review_unit'), unitLabel(units, a.review_unit)),
    dl(w('eligibility'), !complete ? w('incomplete') : elig.eligible ? `✓ ${w('eligible')}` : `✗ ${w('not_eligible', failed)}`),
    a.award && a.award.total_fen ? dl(amountLabel(k, true), money(a.award.total_fen)) : null,
    dl(w('materials'), files.length ? w('files_n', files.length) : w('no_files'))),
  failed ? h('details', h('summary', w('eligibility')), checksView(elig, {failedFirst: true})) : null));

  const text = lang === 'en' ? d.text_en : d.text_zh;
  const box = h('input', {type: 'checkbox', id: 'accept-declaration', required: true});
  const msg = h('div', {role: 'alert'});
  const go = h('button.primary', {type: 'submit'}, w('do_submit'));
  const form = h('form.declaration', {novalidate: true},
    h('section', h('h2', w('declaration')),
      h('div.decl-text', {lang: lang === 'en' ? 'en' : 'zh-CN'}, text.split('\n').map((line) => h('p', line))),
      h('p.meta', `${w('version')}${C()}${d.version}`),
      h('p.check', box, ' ', h('label', {for: 'accept-declaration'}, w('accept')))),
    msg,
    h('p.actions', go, h('a.button', {href: `#/edit/${a.id}`}, w('back_edit'))));
  add(page, form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    put(msg);
    if (!box.checked) {
      put(msg, alertBox('error', w('accept_needed')));
      box.focus();
      return;
    }
    go.disabled = true;
    try {
      const r = await api('POST', `/v1/applications/${a.id}/submit`,
        {declaration: {version: d.version, accepted: true}}, {ifMatch: a.version});
      app.flash = {kind: 'ok', text: submittedText(r.data && r.data.status)};
      location.hash = `#/app/${a.id}`;
    } catch (err) {
      const list = (err.errors || []).map((x) => h('li', x.detail));
      put(msg, alertBox('error', h('p', err.status === 412 ? t('stale') : problemText(err)), list.length ? h('ul', list) : null));
      go.disabled = false;
    }
  });
}

// #/receipt/{id}: the 受理回执 of the last submission, from its event.
export async function receiptPage(page, id) {
  signedIn();
  const [{data: a}, events, units] = await Promise.all([
    api('GET', `/v1/applications/${id}`),
    get(`/v1/applications/${id}/events`).then((r) => r.items),
    unitsMap(),
  ]);
  await loadKinds();
  const ev = events.filter((e) => e.action === 'submit').pop();
  add(page, h('h1', `${w('receipt')}${C()}${t('app_n', a.id)}`));
  if (!ev) {
    add(page, alertBox('info', w('receipt_none')), h('p.actions', h('a.button', {href: `#/app/${a.id}`}, t('back'))));
    return;
  }
  const det = ev.details || {};
  const decl = det.declaration;
  const dl = (label, value) => h('div', h('dt', label), h('dd', value));
  const files = det.materials || [];
  const types = await cached(`/v1/kinds/${a.kind}/materials`).then((r) => r.items, () => []);
  const typeTitle = (ty) => {
    const m = types.find((x) => x.type === ty);
    return m ? (lang === 'en' ? m.title_en : m.title_zh) : ty;
  };
  add(page, h('section.receipt',
    h('p', w('receipt_intro')),
    h('dl.view.meta',
      dl(w('receipt_no'), String(a.id)),
      dl(w('receipt_kind'), kindLabel(a.kind)),
      dl(roundLabel(kindInfo(a.kind)), String(a.round)),
      dl(w('receipt_unit'), `${a.applicant.name}${paren(a.applicant.uscc)}`),
      dl(w('receipt_review'), unitLabel(units, a.review_unit)),
      dl(w('receipt_time'), fmtTime(ev.at)),
      dl(w('receipt_decl'), decl ? w('receipt_decl_v', decl.version, fmtTime(decl.accepted_at)) : w('receipt_decl_none'))),
    h('h2', w('receipt_files')),
    files.length ? h('div.scroll', h('table.grid.receipt-files',
      h('thead', h('tr', h('th', {scope: 'col'}, w('receipt_type')), h('th', {scope: 'col'}, w('receipt_bytes')), h('th', {scope: 'col'}, w('receipt_hash')))),
      h('tbody', files.map((f) => h('tr', h('td', typeTitle(f.type)), h('td.num', String(f.bytes)), h('td', h('code.hash', f.sha256)))))))
      : h('p', w('no_files'))),
  h('p.actions.noprint', h('button.primary', {type: 'button', onclick: () => window.print()}, w('print_receipt')),
    h('a.button', {href: `#/app/${a.id}`}, t('back'))));
}
