// After approval (RULES.md §8): what the holder must still do and by when,
// the reports it files, the authority's reminders (催告), findings,
// payments and dismissals of revocation prompts; the reviewers' duties
// view; giving up a certification (407号 第十七条); a kind's public list.
// Everything a kind asks after approval is read from GET /v1/kinds/{kind}.

import {h, add, put, uid, formatFen, fmtTime} from './util.js';
import {t, lang, enumLabel, C, paren} from './i18n.js';
import {api, get, cached} from './api.js';
import {app} from './state.js';
import {build, placeErrors, clearErrors, showSummary, failInto} from './form.js';
import {alertBox, problemText} from './show.js';
import {kindLabel} from './kinds.js';
import {send as uploadMaterial} from './materials.js';

// The words of these pages, 简体中文 first.
const W = {
  duties: ['待办事项', 'What is due'],
  duties_intro: ['认定或资金支持之后须按时完成的事项；逾期未报的，主管部门将催告。', 'What must still be done after approval, and by when; the authority sends a reminder when a date passes.'],
  duties_none: ['暂无待办事项。', 'Nothing is due.'],
  d_type: ['事项', 'Duty'],
  d_period: ['期间', 'Period'],
  d_due: ['截止日期', 'Due on'],
  d_status: ['状态', 'Status'],
  d_prompt: ['撤销提示', 'Revocation prompt'],
  d_holder: ['单位', 'Holder'],
  provisional: ['（暂定，待节假日安排公布）', ' (provisional, until the holiday arrangement is published)'],
  missed_mark: ['曾逾期未报', 'missed once'],
  file_report: ['报送报告', 'File a report'],
  report_files: ['报告附件', 'Files of the report'],
  report_files_help: ['可选：PDF、OFD、JPEG 或 PNG，随报告一并提交并留存其哈希值。', 'Optional: PDF, OFD, JPEG or PNG, sent with the report and kept with their hashes.'],
  report_sent: ['报告已报送。', 'The report was filed.'],
  send: ['报送', 'File'],
  remind: ['催告', 'Send a reminder'],
  reminded: ['已催告。', 'Reminder sent.'],
  result: ['登记审核结论', 'Record the finding'],
  recorded: ['已登记。', 'Recorded.'],
  dismiss: ['不予撤销', 'Do not revoke'],
  dismissed: ['已处理该提示。', 'The prompt is dismissed.'],
  revoke_hint: ['如决定撤销，请使用证书撤销功能，撤销理由选择：', 'To revoke, revoke the certificate on the ground: '],
  refund_paid: ['登记退款到账', 'Record the refund as paid'],
  funds: ['登记资金到账日期', 'Record the day the funds were received'],
  funds_help: ['首店项目自获得补助资金之日起持续经营 1 年（48号 四）。', 'The store keeps operating for a year from the day the funds were received (48号 四).'],
  surrender: ['撤销基地命名申请', 'Give up the certification'],
  surrender_help: ['因故主动撤销基地命名的，向所在区文化和旅游局提出申请，经区文化和旅游局审核后报市文化和旅游局（第十七条）。', 'A base that gives up its certification asks its district bureau, which reviews the request and passes it to the municipal bureau (art. 17).'],
  surrender_ask: ['提出申请', 'Ask'],
  surrender_asked: ['申请已提交区文化和旅游局。', 'The request went to the district bureau.'],
  surrender_pending: ['撤销命名申请：{0}', 'Request to give up the certification: {0}'],
  requested: ['待区文化和旅游局审核', 'with the district bureau'],
  forwarded: ['待市文化和旅游局确认', 'with the municipal bureau'],
  decide: ['提交决定', 'Send the decision'],
  decided: ['已处理。', 'Done.'],
  worklist: ['待办事项与撤销提示', 'Duties and revocation prompts'],
  worklist_intro: ['本单位负责的认定、资金支持之后的事项。撤销提示由时钟或报告产生，是否撤销由审核人员决定。', 'The duties of what your office approved. Revocation prompts come from the clock or from reports; revoking stays your decision.'],
  only_prompts: ['只看待处理的撤销提示', 'Open revocation prompts only'],
  filter: ['筛选', 'Filter'],
  any: ['全部', 'Any'],
  surrenders: ['撤销命名申请', 'Requests to give up a certification'],
  surrenders_none: ['暂无申请。', 'No request.'],
  more: ['更多', 'More'],
  list: ['认定名单', 'The published list'],
  lists: ['认定名单', 'Published lists'],
  list_intro: ['经认定并统一向社会发布的名单；撤销命名的，同时在此公告。', 'What was certified, published; a revocation is announced here too.'],
  list_none: ['名单暂无基地。', 'No base is listed yet.'],
  base: ['基地', 'Base'],
  theme: ['主题', 'Theme'],
  district: ['所在区', 'District'],
  operator: ['运营管理单位', 'Operator'],
  certified_on: ['认定日期', 'Certified on'],
  announcement: ['{0} 撤销命名（{1}），{2} 前不予受理其重新认定申请。', 'Revoked on {0} ({1}); no new application before {2}.'],
  announcement_nobar: ['{0} 撤销命名（{1}）。', 'Revoked on {0} ({1}).'],
  overdue_note: ['年度报告逾期', 'annual report overdue'],
};
const tw = (key, ...vars) => {
  const s = (W[key] || [key, key])[lang === 'en' ? 1 : 0];
  return s.replace(/\{(\d)\}/g, (_, i) => (vars[i] == null ? '' : vars[i]));
};

// Duty types, statuses, report types, grounds: Chinese and English.
const L = {
  annual_report: ['年度报告', 'Annual report'],
  change_report: ['重大变化报告', 'Report of a major change'],
  recheck: ['复核', 'Re-check'],
  operating_year: ['持续经营 1 年', 'A year of operation'],
  refund: ['退回补助资金', 'Refund'],
  due: ['待完成', 'Due'],
  overdue: ['已逾期', 'Overdue'],
  reminded: ['已催告', 'Reminded'],
  missed: ['催告后仍未报送', 'Missed after a reminder'],
  filed: ['已报送', 'Filed'],
  passed: ['通过', 'Passed'],
  rectifying: ['限期整改中', 'Under rectification'],
  failed: ['未达到要求', 'Failed'],
  met: ['已满期', 'Met'],
  paid: ['已退回', 'Paid'],
  cancelled: ['已终止', 'Cancelled'],
  open: ['待处理', 'Open'],
  acted: ['已撤销', 'Acted on'],
  certified: ['有效', 'Certified'],
  under_rectification: ['整改中', 'Under rectification'],
  revoked: ['已撤销命名', 'Revoked'],
  surrendered: ['主动撤销', 'Given up'],
  expired: ['已期满', 'Expired'],
  missed_annual_reports: ['累计2次不报送年度报告（第十二条）', 'Two annual reports missed (art. 12)'],
  unreported_change: ['重大变化逾期未报告（第十三条2）', 'Major change not reported in time (art. 13.2)'],
  condition_change: ['重大变化后不符合认定条件（第十一条）', 'No longer meets the conditions after a change (art. 11)'],
  failed_recheck: ['复核不合格且限期内未整改到位（第十六条（五））', 'Failed re-check not rectified in time (art. 16(5))'],
  closed_within_year: ['获得资金后1年内停止经营（四）', 'Closed within the year after funding (4)'],
  surrender: ['主动撤销（第十七条）', 'Given up (art. 17)'],
  market_order_problem: ['重大市场秩序问题', 'Major market-order problem'],
  major_accident: ['重特大生产安全事故', 'Major safety accident'],
  environmental_event: ['重大生态环境破坏事件', 'Major environmental damage'],
  major_violation: ['其他重大违法违规行为', 'Other major violation'],
  other: ['其他', 'Other'],
};
const lb = (v) => (L[v] ? L[v][lang === 'en' ? 1 : 0] : enumLabel(v));
// A duty's type as the pages name it (the applicant's list shows the next one).
export const dutyLabel = lb;

const kindOf = (name) => cached(`/v1/kinds/${name}`);
const canAct = (a) => app.me && app.me.role === 'municipal_reviewer' &&
  (app.me.authority === a.authority || !a.authority);

const text = (zh, en) => ({type: 'string', maxLength: 4000, title: `${zh} / ${en}`});
const date = (zh, en) => ({type: 'string', format: 'date', title: `${zh} / ${en}`});

// A small form from a JSON Schema: posts what it holds to `path`.  extra
// (optional): {el, value: async () => members to add} (a report's files).
function actionForm(schema, path, label, done, transform = (v) => v, extra = null) {
  const root = build(schema, {}, '');
  const summary = h('div.alert.error', {role: 'alert', tabindex: -1, hidden: true});
  const btn = h('button.primary', {type: 'submit'}, label);
  const form = h('form.duty-action', {novalidate: true}, summary, root.el, extra ? extra.el : null, btn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(root);
    summary.hidden = true;
    const errs = [];
    const v = root.get(errs, '');
    if (errs.length) return showSummary(summary, placeErrors(root, errs), t('fix_first'));
    btn.disabled = true;
    try {
      const more = extra ? await extra.value() : {};
      await api('POST', path, {...transform(v || {}), ...more});
      app.flash = {kind: 'ok', text: done};
      app.refresh(true);
    } catch (err) {
      failInto(summary, root, err);
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

function dutyRow(d, withHolder) {
  const prompt = d.prompt ? [lb(d.prompt.ground), ' · ', lb(d.prompt.state),
    d.prompt.refund_fen != null ? ` · ${t('yuan', formatFen(d.prompt.refund_fen))}` : ''] : '—';
  return h('tr',
    withHolder ? h('td', h('a', {href: `#/app/${d.application_id}`}, `#${d.application_id} ${d.holder ? d.holder.name : ''}`)) : null,
    h('td', lb(d.type), d.amount_fen != null ? ` · ${t('yuan', formatFen(d.amount_fen))}` : ''),
    h('td', d.period),
    h('td', d.due_on, d.due_on_provisional ? tw('provisional') : ''),
    h('td', h(`span.badge.d-${d.status}`, lb(d.status)), d.missed && d.status !== 'missed' ? ` · ${tw('missed_mark')}` : ''),
    h('td', prompt));
}

function dutyTable(items, withHolder) {
  return h('table.duties',
    h('thead', h('tr', withHolder ? h('th', {scope: 'col'}, tw('d_holder')) : null,
      ['d_type', 'd_period', 'd_due', 'd_status', 'd_prompt'].map((k) => h('th', {scope: 'col'}, tw(k))))),
    h('tbody', items.map((d) => dutyRow(d, withHolder))));
}

// The holder's report form, for the reports its kind takes.
function reportForm(a, kind, items) {
  const types = (kind.duties && kind.duties.reports) || [];
  if (!types.length || a.status !== 'approved') return null;
  const open = items.filter((d) => d.type === 'annual_report' && !['filed', 'cancelled'].includes(d.status)).map((d) => d.period);
  const props = {type: {type: 'string', enum: types, title: '报告类型 / Report'}};
  const when = (v, then) => ({if: {properties: {type: {const: v}}, required: ['type']}, then});
  const allOf = [];
  if (types.includes('annual')) {
    props.period = {type: 'string', enum: open.length ? open : [String(new Date().getFullYear())], title: '报告年度 / Year reported'};
    allOf.push(when('annual', {required: ['period']}));
  }
  if (types.includes('change')) {
    props.changed_on = date('变化日期', 'Changed on');
    props.change = {type: 'string', enum: ['split', 'merger', 'restructuring', 'business', 'name'], title: '变化类型 / What changed'};
    allOf.push(when('change', {required: ['changed_on', 'change']}));
  }
  if (types.includes('closure')) {
    props.closed_on = date('停止经营日期', 'Closed on');
    props.cause = {type: 'string', enum: ['demolition', 'closure', 'licence_revoked'], title: '原因 / Cause'};
    allOf.push(when('closure', {required: ['closed_on', 'cause']}));
  }
  props.summary = {type: 'string', maxLength: 20000, title: '报告内容 / Report'};
  // Only the members of the chosen type are sent.
  const keep = {annual: ['period'], change: ['changed_on', 'change'], closure: ['closed_on', 'cause']};
  const pick = (v) => Object.fromEntries(Object.entries(v).filter(([k]) => k === 'type' || k === 'summary' || (keep[v.type] || []).includes(k)));
  // Its files: uploaded as the report's attachments when it is sent.
  const id = uid('rf');
  const input = h('input', {type: 'file', id, multiple: true, accept: '.pdf,.ofd,.jpg,.jpeg,.png,application/pdf,application/ofd,image/jpeg,image/png'});
  const files = {
    el: h('div.field', h('label', {for: id}, tw('report_files')), h('p.help', tw('report_files_help')), input),
    async value() {
      const ids = [];
      for (const f of input.files) ids.push((await uploadMaterial(a.id, 'report_attachment', f)).id);
      return ids.length ? {materials: ids} : {};
    },
  };
  return h('details.report', h('summary', tw('file_report')),
    actionForm({type: 'object', required: ['type', 'summary'], properties: props, allOf},
      `/v1/applications/${a.id}/reports`, tw('send'), tw('report_sent'), pick, files));
}

// What the authority may do on one duty.
function authorityActions(a, d) {
  const base = `/v1/applications/${a.id}/duties/${d.id}`;
  const out = [];
  if (d.status === 'overdue') {
    out.push(h('details', h('summary', `${tw('remind')}${C()}${lb(d.type)} ${d.period}`),
      actionForm({type: 'object', required: ['due_on'], properties: {due_on: date('新的报送期限', 'New date'), opinion: text('催告意见', 'Reminder')}},
        `${base}/reminder`, tw('remind'), tw('reminded'))));
  }
  const recheck = d.type === 'recheck' && ['due', 'overdue', 'rectifying'].includes(d.status);
  const change = d.type === 'change_report' && d.status === 'filed';
  if (recheck || change) {
    const props = {passed: {type: 'boolean', title: '通过 / Passed'}, date: date('日期', 'Date'), summary: text('结论', 'Finding')};
    if (recheck && d.status !== 'rectifying') props.rectify_by = date('整改期限（未通过时）', 'Rectify by (when it failed)');
    out.push(h('details', h('summary', `${tw('result')}${C()}${lb(d.type)} ${d.period}`),
      actionForm({type: 'object', required: ['date', 'summary'], properties: props}, `${base}/result`, tw('result'), tw('recorded'),
        (v) => ({passed: !!v.passed, ...v}))));
  }
  if (d.prompt && d.prompt.state === 'open') {
    out.push(h('p.help', tw('revoke_hint'), h('strong', lb(d.prompt.ground)), ` (${d.prompt.ground})`));
    out.push(h('details', h('summary', tw('dismiss')),
      actionForm({type: 'object', required: ['opinion'], properties: {opinion: text('理由', 'Why')}}, `${base}/dismissal`, tw('dismiss'), tw('dismissed'))));
  }
  if (d.type === 'refund' && ['due', 'overdue', 'reminded'].includes(d.status)) {
    out.push(h('details', h('summary', tw('refund_paid')),
      actionForm({type: 'object', required: ['paid_on', 'amount_fen'], properties: {paid_on: date('到账日期', 'Paid on'),
        amount_fen: {type: 'integer', title: '退回金额 / Amount refunded'}}},
      `${base}/payment`, tw('refund_paid'), tw('recorded'))));
  }
  return out;
}

// The section of an application's page: what is due and when, and what
// the caller may do about it.  Null when there is nothing after approval.
export async function dutiesSection(a) {
  if (!['approved', 'revoked'].includes(a.status)) return null;
  const [kind, list] = await Promise.all([kindOf(a.kind).catch(() => ({})), get(`/v1/applications/${a.id}/duties`).catch(() => ({items: []}))]);
  const items = list.items || [];
  const owner = app.me && app.me.role === 'applicant';
  const authority = canAct({authority: kind.authority});
  const sec = h('section.duties', h('h2', tw('duties')), h('p.help', tw('duties_intro')));
  add(sec, items.length ? dutyTable(items, false) : h('p.empty', tw('duties_none')));
  if (owner) add(sec, reportForm(a, kind, items));
  if (owner && kind.surrender && a.status === 'approved' && !a.surrender) {
    add(sec, h('details.surrender', h('summary', tw('surrender')), h('p.help', tw('surrender_help')),
      actionForm({type: 'object', properties: {opinion: text('申请理由', 'Why')}}, `/v1/applications/${a.id}/surrender`,
        tw('surrender_ask'), tw('surrender_asked'))));
  }
  if (a.surrender) {
    add(sec, alertBox('info', tw('surrender_pending', tw(a.surrender.state))));
    const district = app.me && app.me.role === 'district_reviewer' && a.surrender.state === 'requested';
    if (district || (authority && a.surrender.state === 'forwarded')) add(sec, surrenderDecision(a));
  }
  if (authority && a.status === 'approved' && kind.duties && kind.duties.operating_months &&
      !items.some((d) => d.type === 'operating_year')) {
    add(sec, h('details', h('summary', tw('funds')), h('p.help', tw('funds_help')),
      actionForm({type: 'object', required: ['paid_on'], properties: {paid_on: date('资金到账日期', 'Funds received on')}},
        `/v1/applications/${a.id}/funds`, tw('funds'), tw('recorded'))));
  }
  if (authority) for (const d of items) add(sec, authorityActions(a, d));
  return sec;
}

function surrenderDecision(a) {
  return actionForm({type: 'object', required: ['decision'], properties: {
    decision: {type: 'string', enum: ['approve', 'reject'], title: '审核决定 / Decision'},
    opinion: text('审核意见', 'Opinion'),
  }}, `/v1/applications/${a.id}/surrender/decision`, tw('decide'), tw('decided'));
}

// #/duties: the reviewers' duties view (GET /v1/duties).
export async function worklist(page) {
  add(page, h('h1', tw('worklist')), h('p.lead', tw('worklist_intro')));
  if (!app.isStaff() && !(app.me && app.me.role === 'auditor')) {
    add(page, alertBox('info', t('no_pages_role')));
    return;
  }
  const kept = app.kept || {prompt: true, type: '', status: ''};
  app.keep = () => ({prompt: prompt.checked, type: type.value, status: status.value});
  const prompt = h('input', {type: 'checkbox', id: 'w-prompt', checked: kept.prompt});
  const opts = (values, now) => [h('option', {value: ''}, tw('any'))].concat(values.map((v) => h('option', {value: v, selected: v === now}, lb(v))));
  const type = h('select', {id: 'w-type'}, opts(['annual_report', 'change_report', 'recheck', 'operating_year', 'refund'], kept.type));
  const status = h('select', {id: 'w-status'}, opts(['due', 'overdue', 'reminded', 'missed', 'filed', 'rectifying', 'failed', 'met', 'paid'], kept.status));
  const out = h('div.worklist', {role: 'region', 'aria-live': 'polite'});
  const form = h('form.inline', {novalidate: true},
    h('div.field.check', prompt, h('label', {for: 'w-prompt'}, tw('only_prompts'))),
    h('div.field', h('label', {for: 'w-type'}, tw('d_type')), type),
    h('div.field', h('label', {for: 'w-status'}, tw('d_status')), status),
    h('button', {type: 'submit'}, tw('filter')));
  let cursor = null;
  const load = async (more) => {
    const q = new URLSearchParams({limit: '50'});
    if (prompt.checked) q.set('prompt', 'open');
    if (type.value) q.set('type', type.value);
    if (status.value) q.set('status', status.value);
    if (more && cursor) q.set('cursor', cursor);
    try {
      const r = await get(`/v1/duties?${q}`);
      cursor = r.next_cursor;
      const table = r.items.length ? dutyTable(r.items, true) : h('p.empty', tw('duties_none'));
      if (more) add(out, table);
      else put(out, table);
      if (cursor) add(out, h('p', h('button', {type: 'button', onclick: (e) => { e.currentTarget.parentNode.remove(); load(true); }}, tw('more'))));
    } catch (e) {
      put(out, alertBox('error', problemText(e)));
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); load(false); });
  add(page, form, out);
  await load(false);
  if (app.isStaff()) add(page, await surrenders());
}

// Requests to give up a certification waiting for this reviewer.
async function surrenders() {
  const sec = h('section', h('h2', tw('surrenders')));
  const want = app.me.role === 'district_reviewer' ? 'requested' : 'forwarded';
  const kinds = (await cached('/v1/kinds')).items.filter((k) => k.surrender);
  const found = [];
  for (const k of kinds) {
    let cursor = null;
    do {
      const q = `/v1/applications?kind=${k.name}&status=approved&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const r = await get(q).catch(() => ({items: [], next_cursor: null}));
      found.push(...r.items.filter((a) => a.surrender && a.surrender.state === want));
      cursor = r.next_cursor;
    } while (cursor);
  }
  if (!found.length) add(sec, h('p.empty', tw('surrenders_none')));
  for (const a of found) {
    add(sec, h('article.card', h('h3', h('a', {href: `#/app/${a.id}`}, `#${a.id} ${a.applicant.name}`)),
      h('p.meta', `${kindLabel(a.kind)} · ${tw('surrender_pending', tw(a.surrender.state))} · ${fmtTime(a.surrender.requested_at)}`),
      surrenderDecision(a)));
  }
  return sec;
}

// #/lists: the kinds whose holders are published.
export async function lists(page) {
  add(page, h('h1', tw('lists')));
  const kinds = (await cached('/v1/kinds')).items.filter((k) => k.public_list);
  add(page, kinds.length
    ? h('ul.tiles', kinds.map((k) => h('li', h('a.tile', {href: `#/list/${k.name}`},
      h('strong', lang === 'en' ? k.title_en : k.title_zh), h('span', lang === 'en' ? k.authority_en : k.authority_zh)))))
    : h('p.empty', tw('list_none')));
}

// #/list/{kind}: the published list of a kind that has one.
export async function publicList(page, name) {
  const kind = await kindOf(name);
  add(page, h('h1', `${tw('list')}${C()}${lang === 'en' ? kind.title_en : kind.title_zh}`), h('p.lead', tw('list_intro')));
  if (!kind.public_list) {
    add(page, alertBox('info', t('not_found')));
    return;
  }
  const r = await get(kind.public_list);
  if (!r.items.length) {
    add(page, h('p.empty', tw('list_none')));
    return;
  }
  const announce = (e) => {
    const v = e.revocation;
    if (!v) return null;
    return h('p.small', v.no_application_before
      ? tw('announcement', v.revoked_on, lb(v.ground), v.no_application_before)
      : tw('announcement_nobar', v.revoked_on, lb(v.ground)));
  };
  add(page, h('table.publist',
    h('thead', h('tr', ['base', 'theme', 'district', 'operator', 'certified_on', 'd_status'].map((k) => h('th', {scope: 'col'}, tw(k))))),
    h('tbody', r.items.map((e) => h('tr',
      h('td', h('strong', e.name), h('br'), h('span.small', e.address)),
      h('td', lang === 'en' ? e.theme : e.theme_zh, e.theme_description ? paren(e.theme_description) : ''),
      h('td', e.district),
      h('td', e.operator.name, h('br'), h('code.small', e.operator.uscc)),
      h('td', e.certified_on),
      h('td', h(`span.badge.d-${e.status}`, lb(e.status)), e.annual_report_overdue ? [h('br'), h('span.small', tw('overdue_note'))] : null, announce(e)))))));
}

