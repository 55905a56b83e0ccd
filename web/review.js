// The reviewer's desk (RULES.md §5, CONTRACT.md "The reviewer's desk"): a
// worklist to work through all day — to do and done, filtered, sorted,
// paged, counted, exported — with batch approval of what passes every
// check; one review page per application with everything on it and the
// decision form; the tourism ranking; objections under notice; and the
// decisions printed as a bureau issues them.
//
// Which kinds this reviewer sees, what each kind's stages record, what a
// decision says and what it issues come from GET /v1/kinds: no kind is
// named here.

import {h, add, put, own, fmtTime, parseYuan, uid} from './util.js';
import {t, lang, enumLabel, actionLabel, statusLabel, decisionLabel, roundLabel, amountLabel, C, paren} from './i18n.js';
import {api, get, cached} from './api.js';
import {app} from './state.js';
import {build, view, placeErrors, clearErrors, showSummary, failInto, plainField} from './form.js';
import {statusLine, checksView, awardView, historyView, certView, problemText, alertBox, money, badge} from './show.js';
import {unitsMap, unitLabel, unitTakes, layoutCtx, signedIn} from './apps.js';
import {loadKinds, kindInfo, kindLabel, issuedLabel, authorityLabel, hasStage} from './kinds.js';
import {materialsSection} from './materials.js';

// ---- who and what ----

const stageOf = (me) => (me.role === 'municipal_reviewer' ? 'municipal' : 'district');

// The statuses of each list, by stage: waiting for this stage, and past it.
const TODO = {district: ['district_review'], municipal: ['municipal_review']};
const DONE = {
  district: ['municipal_review', 'public_notice', 'approved', 'returned', 'rejected', 'revoked'],
  municipal: ['public_notice', 'approved', 'returned', 'rejected', 'revoked'],
};

// The kinds that come to this reviewer, as the server runs them: the
// authority's own with a municipal stage; those with a district stage that
// this unit takes (an enterprise unit only where the kind takes enterprise
// units), of its bureau's authority when the account names one.
async function myKinds(me, units) {
  const all = await loadKinds();
  if (me.role === 'municipal_reviewer') return all.filter((k) => hasStage(k, 'municipal') && k.authority === me.authority);
  const unit = units.get(me.unit);
  return all.filter((k) => hasStage(k, 'district') && (!unit || unitTakes(k, unit))
    && (!me.authority || k.authority === me.authority));
}

const infoOf = async (name) => (await loadKinds(), kindInfo(name) || {name});

// The records an approval of this application at `stage` carries: the
// kind's (GET /v1/kinds); at the municipal stage those the application's
// project asks for (its review.municipal_records names them, all required).
function recordsSchema(info, stage, a) {
  const s = stage === 'municipal' ? info.municipal_records : info.district_records;
  if (!s) return null;
  const out = structuredClone(s);
  // A record that belongs to some applications only (`x-when-data`: the
  // member of the application's data that must be true, a unit submitting
  // directly) is asked of those alone, and of them it is required.
  const applies = (v) => !v['x-when-data'] || (a && a.data && a.data[v['x-when-data']] === true);
  if (out.properties) {
    for (const [k, v] of Object.entries(out.properties)) if (!applies(v)) delete out.properties[k];
    const when = Object.entries(out.properties).filter(([, v]) => v['x-when-data']).map(([k]) => k);
    out.required = [...new Set([...(out.required || []).filter((k) => out.properties[k]), ...when])];
  }
  const names = stage === 'municipal' && a && a.review && a.review.municipal_records;
  if (names && out.properties) {
    for (const k of Object.keys(out.properties)) if (!names.includes(k)) delete out.properties[k];
    out.required = names.filter((k) => out.properties[k]);
  }
  return out.properties && Object.keys(out.properties).length ? out : null;
}

const listQuery = (f, statuses) => {
  const q = new URLSearchParams();
  q.set('status', statuses.join(','));
  for (const k of ['kind', 'round', 'q', 'sort']) if (f[k]) q.set(k, f[k]);
  if (f.from) q.set('submitted_from', f.from);
  if (f.to) q.set('submitted_to', f.to);
  return q;
};

// ---- the worklist ----

export async function queue(page) {
  signedIn();
  const me = app.me;
  add(page, h('h1', t('queue')));
  if (!app.isStaff()) {
    add(page, alertBox('info', t('no_pages_role')));
    return;
  }
  const stage = stageOf(me);
  const units = await unitsMap();
  const kinds = await myKinds(me, units);
  add(page, h('p.lead', t('queue_intro'), ' ',
    h('strong', stage === 'municipal' ? authorityLabel(me.authority) : unitLabel(units, me.unit)),
    me.role === 'district_reviewer' && me.authority ? paren(authorityLabel(me.authority)) : null));
  if (!kinds.length) {
    add(page, alertBox('info', t(stage === 'municipal' ? 'no_kinds_municipal' : 'no_kinds_district')));
    return;
  }
  add(page, h('p.meta.stagekinds', `${t('stage_kinds')}${C()}${kinds.map((k) => kindLabel(k.name)).join(lang === 'en' ? ', ' : '、')}`));

  const kept = (app.kept && app.kept.desk) || {};
  const state = {
    tab: kept.tab || 'todo',
    f: kept.f || {sort: 'waiting'},
    limit: kept.limit || 20,
    cursors: [null],
    page: 0,
  };
  app.keep = () => ({desk: {tab: state.tab, f: state.f, limit: state.limit}});

  // Tabs: to do and done, each with its count.
  // (One text node each: the count is part of the tab's name.)
  const tabBtn = (key) => h('button.tab', {type: 'button', role: 'tab', id: `tab-${key}`,
    'aria-controls': 'worklist', onclick: () => switchTab(key)}, t(`tab_${key}`));
  const tabs = {todo: tabBtn('todo'), done: tabBtn('done')};
  const tablist = h('div.tabs', {role: 'tablist', 'aria-label': t('tabs')}, tabs.todo, tabs.done);

  // Filters.
  const kindSel = h('select', {id: uid()}, h('option', {value: ''}, t('any')),
    kinds.map((k) => h('option', {value: k.name}, kindLabel(k.name))));
  const roundIn = h('input.num', {id: uid(), inputmode: 'numeric', maxlength: 4, autocomplete: 'off'});
  const qIn = h('input', {id: uid(), type: 'search', maxlength: 100, autocomplete: 'off'});
  const fromIn = h('input', {id: uid(), type: 'date'});
  const toIn = h('input', {id: uid(), type: 'date'});
  const sortSel = h('select', {id: uid()},
    h('option', {value: 'waiting'}, t('sort_waiting')),
    h('option', {value: '-submitted_at'}, t('sort_new')),
    h('option', {value: 'submitted_at'}, t('sort_old')));
  const sizeSel = h('select', {id: uid()}, [20, 50, 100].map((n) => h('option', {value: String(n)}, String(n))));
  const lab = (input, key) => h('div.field', h('label', {for: input.id}, t(key)), input);
  // The search always at hand; the other filters folded on a phone.
  const more = h('details.morefilters', {open: window.matchMedia('(min-width: 48rem)').matches},
    h('summary', t('more_filters')),
    h('div.filtergrid', lab(kindSel, 'f_kind'), lab(roundIn, 'f_round'), lab(fromIn, 'f_from'),
      lab(toIn, 'f_to'), lab(sortSel, 'f_sort'), lab(sizeSel, 'f_size')));
  const filters = h('form.filters', {role: 'search', 'aria-label': t('filters'), novalidate: true},
    h('div.searchrow', lab(qIn, 'f_q'),
      h('div.field.buttons', h('button.primary', {type: 'submit'}, t('f_apply')),
        h('button', {type: 'button', onclick: () => { state.f = {sort: state.tab === 'todo' ? 'waiting' : '-submitted_at'}; showFilters(); reload(); }}, t('f_clear')))),
    more);
  const showFilters = () => {
    kindSel.value = state.f.kind || '';
    roundIn.value = state.f.round || '';
    qIn.value = state.f.q || '';
    fromIn.value = state.f.from || '';
    toIn.value = state.f.to || '';
    sortSel.value = state.f.sort || 'waiting';
    sizeSel.value = String(state.limit);
  };
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    state.f = {kind: kindSel.value, round: roundIn.value.trim(), q: qIn.value.trim(),
      from: fromIn.value, to: toIn.value, sort: sortSel.value};
    state.limit = Number(sizeSel.value);
    reload();
  });

  const msg = h('div', {role: 'status'});
  const total = h('p.total');
  const exportLink = h('a.button', {download: 'applications.csv'}, t('export_csv'));
  const tableBox = h('div.worklist', {id: 'worklist', role: 'tabpanel'});
  const pager = h('nav.pager', {'aria-label': t('page_n', '')});
  const batchBar = h('div.batchbar', {hidden: true});
  add(page, tablist, filters, h('div.listhead', total, exportLink), batchBar, msg, tableBox, pager);
  const stats = h('section.stats');
  add(page, stats);
  if (stage === 'municipal') {
    for (const k of kinds.filter((x) => x.ranked)) add(page, await rankingPanel(k, () => reload()));
    const noticed = kinds.filter((k) => hasStage(k, 'notice'));
    if (noticed.length) add(page, await objectionsSection(noticed));
  }

  const selected = new Map();   // id -> application (to do, passing every check)

  function switchTab(key) {
    if (state.tab === key) return;
    state.tab = key;
    state.f.sort = key === 'todo' ? 'waiting' : '-submitted_at';
    showFilters();
    reload();
    tabs[key].focus();
  }

  async function counted() {
    for (const key of ['todo', 'done']) {
      const q = listQuery({...state.f, sort: ''}, (key === 'todo' ? TODO : DONE)[stage]);
      q.set('limit', '1');
      q.set('count', 'true');
      get(`/v1/applications?${q}`).then((r) => { tabs[key].textContent = `${t(`tab_${key}`)}${paren(String(r.total))}`; }, () => {});
    }
  }

  async function reload() {
    state.cursors = [null];
    state.page = 0;
    selected.clear();
    await load();
    counted();
    loadStats();
  }

  async function load() {
    for (const key of ['todo', 'done']) {
      tabs[key].setAttribute('aria-selected', state.tab === key ? 'true' : 'false');
      tabs[key].tabIndex = state.tab === key ? 0 : -1;
    }
    tableBox.setAttribute('aria-labelledby', `tab-${state.tab}`);
    const statuses = (state.tab === 'todo' ? TODO : DONE)[stage];
    const q = listQuery(state.f, statuses);
    exportLink.href = `/v1/exports/applications.csv?${q}`;
    q.set('limit', String(state.limit));
    q.set('count', 'true');
    const cursor = state.cursors[state.page];
    if (cursor) q.set('cursor', cursor);
    put(msg);
    let r;
    try {
      r = await get(`/v1/applications?${q}`);
    } catch (e) {
      put(msg, alertBox('error', problemText(e)));
      return;
    }
    state.cursors[state.page + 1] = r.next_cursor;
    put(total, t('total_n', r.total));
    put(tableBox, r.items.length ? table(r.items) : h('p.empty', state.tab === 'todo' ? t('queue_empty') : t('list_empty')));
    put(pager,
      h('button', {type: 'button', disabled: state.page === 0, onclick: () => { state.page--; load(); }}, t('prev')),
      h('span', t('page_n', state.page + 1)),
      h('button', {type: 'button', disabled: !r.next_cursor, onclick: () => { state.page++; load(); }}, t('next')));
    showBatch();
  }

  function table(items) {
    const todo = state.tab === 'todo';
    const th = (key) => h('th', {scope: 'col'}, t(key));
    return h('table.grid.worklist',
      h('thead', h('tr', todo ? th('col_pick') : null, th('col_no'), th('col_org'), th('col_kind'),
        th('col_unit'), th('col_round'), todo ? th('col_wait') : th('col_status'), th('col_returns'),
        th('col_failed'), th('col_amount'))),
      h('tbody', items.map((a) => row(a, todo))));
  }

  function row(a, todo) {
    const r = a.review || {};
    const flags = [];
    if (r.overdue) flags.push(h('span.flag.bad', t('flag_overdue', r.due_on)));
    else if (r.due_on) flags.push(h('span.flag', t('flag_due', r.due_on)));
    if (r.notice_held) flags.push(h('span.flag.bad', t('flag_held')));
    if (r.submissions > 1) flags.push(h('span.flag', t('flag_nth', r.submissions)));
    if ((r.notes || []).some((n) => n.id === 'registered_elsewhere')) flags.push(h('span.flag', t('flag_elsewhere')));
    const td = (key, ...kids) => h(`td.${key.slice(4)}`, {'data-label': t(key)}, ...kids);
    let pick = null;
    if (todo) {
      const ok = r.failed_checks === 0 && batchable(a);
      const cb = h('input', {type: 'checkbox', disabled: !ok, 'aria-label': t('select_row', a.id),
        onchange: () => { if (cb.checked) selected.set(a.id, a); else selected.delete(a.id); showBatch(); }});
      cb.checked = selected.has(a.id);
      pick = h('td.pick', {'data-label': t('col_pick')}, cb);
    }
    return h(`tr${r.overdue || r.notice_held ? '.late' : ''}`,
      pick,
      td('col_no', h('a', {href: `#/review/${a.id}`}, `#${a.id}`)),
      td('col_org', h('span', a.applicant.name), flags.length ? h('div.flags', flags) : null),
      td('col_kind', kindLabel(a.kind)),
      td('col_unit', unitLabel(units, a.review_unit)),
      td('col_round', String(a.round)),
      todo ? td('col_wait', t('days_n', r.days_waiting || 0)) : td('col_status', badge(a.status)),
      td('col_returns', String(r.times_returned || 0)),
      td('col_failed', r.failed_checks ? h('strong.warn', String(r.failed_checks)) : '0'),
      td('col_amount', amountless(a.kind) ? '—' : money(a.award ? a.award.total_fen : 0)));
  }

  // What may be approved with others: an application passing every check
  // whose approval records nothing of its own (a panel's dates may be
  // shared; an audited amount or a decision per store may not).
  function batchable(a) {
    const rs = recordsSchema(kindInfo(a.kind) || {}, stage, a);
    return !rs || Object.entries(rs.properties).every(([k, v]) => !/_fen$/.test(k) && v.type !== 'array');
  }

  // Batch approval: each selected application its own review, transaction
  // and event; all of one kind so that one set of stage records fits.
  function showBatch() {
    batchBar.hidden = !(state.tab === 'todo' && selected.size > 0);
    if (batchBar.hidden) return put(batchBar);
    const sameKind = new Set([...selected.values()].map((a) => a.kind)).size === 1;
    const btn = h('button.primary', {type: 'button', disabled: !sameKind, onclick: () => openBatch()}, t('batch_n', selected.size));
    put(batchBar, btn, sameKind ? null : h('p.help', t('batch_same_kind')));
  }

  async function openBatch() {
    const list = [...selected.values()];
    const info = await infoOf(list[0].kind);
    const form = await decisionForm({stage, info, a: list[0], batch: true});
    const out = h('ol.batchresults', {'aria-live': 'polite'});
    const run = h('button.primary', {type: 'button'}, t('batch_run'));
    const panel = h('section.panel.batch', h('h2', t('batch_title')), h('p.help', t('batch_help')),
      h('p', list.map((a) => `#${a.id} ${a.applicant.name}`).join('；')), form.el, h('p.actions', run,
        h('button', {type: 'button', onclick: () => { panel.remove(); btnFocus(); }}, t('cancel'))), out);
    const btnFocus = () => batchBar.querySelector('button') && batchBar.querySelector('button').focus();
    put(batchBar, panel);
    run.addEventListener('click', async () => {
      const body = form.value('approve');
      if (!body) return;
      run.disabled = true;
      let ok = 0, bad = 0;
      for (const a of list) {
        try {
          await api('POST', `/v1/applications/${a.id}/reviews`, {stage, ...body}, {ifMatch: a.version});
          add(out, h('li.ok', t('batch_ok', a.id)));
          ok++;
        } catch (e) {
          add(out, h('li.bad', `#${a.id}${C()}${problemText(e)}`));
          bad++;
        }
      }
      app.say(t('batch_done', ok, bad));
      add(out, h('li', h('strong', t('batch_done', ok, bad))));
      selected.clear();
      await load();
      counted();
      put(batchBar, alertBox(bad ? 'warn' : 'ok', t('batch_done', ok, bad)), out);
      batchBar.hidden = false;
    });
  }

  async function loadStats() {
    const q = new URLSearchParams();
    if (state.f.kind) q.set('kind', state.f.kind);
    if (state.f.round) q.set('round', state.f.round);
    try {
      const s = await get(`/v1/statistics?${q}`);
      put(stats, h('h2', t('stats')), h('dl.view.stats',
        Object.entries(s.by_status).map(([st, n]) => h('div', h('dt', statusLabel(st)), h('dd', String(n)))),
        h('div', h('dt', t('proposed_sum')), h('dd', money(s.proposed_fen))),
        h('div', h('dt', t('granted_sum')), h('dd', money(s.granted_fen))),
        h('div', h('dt', t('refund_sum')), h('dd', money(s.refund_fen)))));
    } catch {
      put(stats);
    }
  }

  showFilters();
  await load();
  counted();
  loadStats();
}

// ---- the decision form (one application, or a batch of one kind) ----

// A form for stage's decision on `a` (the first of a batch): the decision,
// the opinion with the account's templates, the override reason, the
// kind's stage records pre-filled from this reviewer's last approval, and
// at the municipal stage what is granted.  value(decision?) returns the
// review body or null (after showing what is wrong).
async function decisionForm({stage, info, a, batch}) {
  const kind = a.kind;
  const failing = !batch && a.eligibility && !a.eligibility.eligible;
  const decisions = batch ? ['approve'] : ['approve', 'return', 'reject'];
  const name = uid('d');
  const radios = decisions.map((d) => {
    const id = uid();
    const input = h('input', {type: 'radio', name, id, value: d});
    return {d, input, el: h('div.field.check', input, h('label', {for: id}, decisionLabel(stage, d, info)))};
  });
  if (batch) radios[0].input.checked = true;
  const decisionBox = h('fieldset.decision', h('legend', t('decision_kind')), radios.map((r) => r.el));
  const chosen = () => (radios.find((r) => r.input.checked) || {}).d;

  // The opinion and the templates.
  const opinion = plainField(t('opinion'), {maxlength: 4000, rows: 4}, t('opinion_help'), 'textarea');
  const tplSel = h('select', {id: uid()}, h('option', {value: ''}, `— ${t('use_template')} —`));
  const tplBox = h('div.field', h('label', {for: tplSel.id}, t('templates')), tplSel);
  const tplMsg = h('p.live', {'aria-live': 'polite'});
  let templates = [];
  const loadTemplates = async () => {
    try {
      templates = (await get('/v1/opinion-templates')).items;
    } catch {
      templates = [];
    }
    put(tplSel, h('option', {value: ''}, `— ${t('use_template')} —`), templates.map((x) => h('option', {value: String(x.id)}, x.title)));
  };
  tplSel.addEventListener('change', () => {
    const x = templates.find((y) => String(y.id) === tplSel.value);
    if (x) opinion.input.value = x.text;
    tplSel.value = '';
    opinion.input.focus();
  });
  const saveTpl = h('button', {type: 'button', onclick: async () => {
    const text = opinion.input.value.trim();
    if (!text) return opinion.focus();
    try {
      await api('POST', '/v1/opinion-templates', {title: text.slice(0, 20).trim(), text});
      tplMsg.textContent = t('template_saved');
      await loadTemplates();
    } catch (e) {
      tplMsg.textContent = problemText(e);
    }
  }}, t('save_template'));
  await loadTemplates();

  const override = plainField(t('override'), {maxlength: 4000, rows: 3}, t('override_help'), 'textarea');
  override.el.hidden = true;

  // The stage records and what is granted (approvals only).
  const rs = recordsSchema(info, stage, a);
  const records = rs ? build(rs, {}, '') : null;
  let prefill = null;
  if (records && rs.properties) {
    // A decision per store introduced, one row each, counted in by default.
    if (records.child('store_decisions') && a.data && Array.isArray(a.data.stores)) {
      records.set({store_decisions: a.data.stores.map(() => ({included: true}))});
    }
    try {
      const last = await get(`/v1/account/last-review?kind=${encodeURIComponent(kind)}`);
      const keep = {};
      for (const [k, v] of Object.entries(last.records || {})) {
        if (k === 'store_decisions' || k === 'audited_amount_fen') continue;   // of that application
        keep[k] = v;
      }
      if (last.application_id && Object.keys(keep).length) {
        records.set({...records.get([], ''), ...keep});
        prefill = alertBox('info', t('prefilled', last.application_id));
      }
    } catch { /* none yet */ }
  }
  const granted = stage === 'municipal' && !batch && a.award && a.award.total_fen > 0
    ? plainField(t('granted'), {inputmode: 'decimal', autocomplete: 'off', class: 'num'}, t('grant_help', money(a.award.total_fen))) : null;
  const grantReason = granted ? plainField(t('grant_reason'), {maxlength: 4000, rows: 2}, null, 'textarea') : null;
  const approveOnly = h('div.approve-only', prefill, records ? records.el : null, granted ? granted.el : null,
    grantReason ? grantReason.el : null);
  const summary = h('div.alert.error', {role: 'alert', tabindex: -1, hidden: true});
  const el = h('div.decisionform', summary, decisionBox, tplBox, opinion.el, h('p.actions.small', saveTpl, tplMsg),
    override.el, approveOnly);
  const sync = () => {
    const d = chosen();
    approveOnly.hidden = d !== 'approve';
    override.el.hidden = !(d === 'approve' && failing);
    opinion.el.classList.toggle('req', d === 'return' || d === 'reject');
  };
  decisionBox.addEventListener('change', sync);
  sync();
  const root = {
    el,
    child: (seg) => ({opinion, override_reason: override, granted_fen: granted, grant_reason: grantReason}[seg]
      || (records && records.child(seg)) || (seg === 'decision' ? {el: decisionBox, label: t('decision_kind'), focus: () => radios[0].input.focus(), showErr: () => {}} : null)),
  };
  return {
    el,
    root,
    summary,
    value(forced) {
      clearErrors(root);
      if (records) clearErrors(records);
      summary.hidden = true;
      const d = forced || chosen();
      const errs = [];
      if (!d) errs.push({pointer: '/decision', detail: t('required')});
      const body = {decision: d};
      const op = opinion.input.value.trim();
      if (op) body.opinion = op;
      if (d === 'approve') {
        const ov = override.input.value.trim();
        if (failing && ov) body.override_reason = ov;
        if (records) Object.assign(body, records.get(errs, ''));
        if (granted && granted.input.value.trim()) {
          const g = parseYuan(granted.input.value);
          if (g.error) errs.push({pointer: '/granted_fen', detail: t(g.error)});
          else body.granted_fen = g.fen;
        }
        if (grantReason && grantReason.input.value.trim()) body.grant_reason = grantReason.input.value.trim();
      }
      if (errs.length) {
        showSummary(summary, placeErrors(root, errs), t('fix_first'));
        return null;
      }
      return body;
    },
    fail(e) {
      failInto(summary, root, e, e.status === 412 ? t('stale') : undefined);
    },
  };
}

// ---- one review page ----

export async function reviewPage(page, id) {
  signedIn();
  const me = app.me;
  if (!app.isStaff()) {
    add(page, h('h1', t('review_n', id)), alertBox('info', t('no_pages_role')));
    return;
  }
  const [{data: a}, events, units] = await Promise.all([
    api('GET', `/v1/applications/${id}`),
    get(`/v1/applications/${id}/events`).then((r) => r.items, () => []),
    unitsMap(),
  ]);
  const [info, schema] = await Promise.all([infoOf(a.kind), cached(`/v1/schemas/${a.kind}`).catch(() => null)]);
  const stage = stageOf(me);
  const mine = a.status === `${stage}_review`;
  const r = a.review || {};

  const top = page;
  add(top, h('h1', `#${a.id} ${a.applicant.name}`),
    h('p.meta', `${kindLabel(a.kind)} · ${roundLabel(info)} ${a.round} · ${t('review_unit')}${C()}${unitLabel(units, a.review_unit)} · ${t('submitted')} ${fmtTime(a.submitted_at)}`),
    statusLine(a));
  const flags = [];
  if (r.days_waiting != null && mine) flags.push(h('li', `${t('col_wait')}${C()}${t('days_n', r.days_waiting)}`));
  if (r.submissions > 1) flags.push(h('li', t('flag_nth', r.submissions)));
  if (r.overdue) flags.push(h('li.bad', t('flag_overdue', r.due_on)));
  if (r.notice_held) flags.push(h('li.bad', t('flag_held')));
  for (const n of r.notes || []) flags.push(h('li.bad', lang === 'zh' && n.detail_zh ? n.detail_zh : n.detail));
  if (flags.length) add(page, h('section.notes', {'aria-label': t('notes_title')}, h('ul', flags)));
  // Two columns on a wide screen: what is read, and the decision beside it.
  const body = h('div.reviewmain');
  const side = h('aside.reviewside');
  add(page, h('div.reviewgrid', body, side));
  page = body;
  const actions = h('p.actions',
    mine ? h('a.button.primary', {href: '#decision', onclick: (e) => { e.preventDefault(); document.getElementById('decision').scrollIntoView(); document.getElementById('decision').focus(); }}, t('jump_decide')) : null,
    h('a.button', {href: '#/queue'}, t('queue')));
  top.insertBefore(actions, top.querySelector('.reviewgrid'));

  // What was issued, once it was.
  if (a.certificate_serial) add(page, await issuedView(a, info));
  // What is wrong first, naming the rows at fault (the checks' details).
  add(page, checksView(a.eligibility, {failedFirst: true}));
  add(page, awardView(a.award, a.kind, a));

  // Earlier returns, and what changed since.
  const returns = events.filter((e) => /_return$/.test(e.action));
  if (returns.length) {
    const sec = h('section.returns', h('h2', t('returns_title')),
      h('h3', t('earlier_returns')),
      h('ol', returns.map((e) => h('li', h('strong', `${actionLabel(e.action, info)} · ${fmtTime(e.at)}`),
        h('div.pre', e.opinion || '')))));
    const changed = await changesSince(a, events, schema);
    if (changed) add(sec, changed);
    add(page, sec);
  }

  // The data, with its rows numbered as the checks name them.
  if (schema) {
    const data = view(schema.properties.data, a.data, layoutCtx(a.kind, units, a.round), 'data');
    markRowsAtFault(data, a.eligibility);
    add(page, h('section', h('h2', t('data')), data));
  }
  // The documents that came with it, to open.
  add(page, materialsSection(a).el);

  // The whole history: every decision with its records, opinion, override.
  add(page, h('section', h('h2', t('history')), historyView(events, info)));

  // The decision, on the same page.
  const sec = h('section.panel.decide', {id: 'decision', tabindex: -1}, h('h2', t('decide')));
  add(side, sec);
  if (!mine) {
    add(sec, h('p', t('not_your_stage', statusLabel(a.status))));
    return;
  }
  const form = await decisionForm({stage, info, a});
  const btn = h('button.primary', {type: 'submit'}, t('send_review'));
  const f = h('form', {novalidate: true}, form.el, h('p.actions', btn));
  add(sec, f);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const review = form.value();
    if (!review) return;
    btn.disabled = true;
    try {
      const done = (await api('POST', `/v1/applications/${a.id}/reviews`, {stage, ...review}, {ifMatch: a.version})).data;
      const said = t('reviewed', stage === 'district' ? `${t('review')}${C()}${decisionLabel(stage, review.decision, info)}` : actionLabel(`${stage}_${review.decision}`, info));
      // A kind without a public notice is approved, and what it issues
      // signed, by the municipal approval itself.
      const text = done && done.certificate_serial ? `${said}${lang === 'en' ? ' ' : ''}${t('issued_now', issuedLabel(info))}` : said;
      app.flash = {kind: 'ok', text};
      app.say(text);
      if (done && done.id) app.refresh();
    } catch (err) {
      form.fail(err);
      btn.disabled = false;
    }
  });
}

// Marks the rows of the data's tables that a failed check names ("第 7 家",
// "第 3、12 家", "第 2 家（…）"): the reviewer sees which ones.
function markRowsAtFault(el, elig) {
  const rows = new Set();
  for (const c of (elig && elig.checks) || []) {
    if (c.passed || !c.detail_zh) continue;
    for (const m of c.detail_zh.matchAll(/第 ([\d、]+) 家/g)) for (const n of m[1].split('、')) rows.add(Number(n));
  }
  if (!rows.size) return;
  for (const tr of el.querySelectorAll('table.grid tbody tr')) {
    const n = Number(tr.firstElementChild && tr.firstElementChild.textContent);
    if (rows.has(n)) {
      tr.classList.add('at-fault');
      tr.firstElementChild.append(h('span.vh', t('row_at_fault')));
    }
  }
}

// What changed between the submission before the last return and the last
// one, field by field, where the server keeps the versions (GET
// /v1/applications/{id}/versions/{n}); nothing where it does not.
async function changesSince(a, events, schema) {
  let lastReturn = -1;
  events.forEach((e, i) => { if (/_return$/.test(e.action)) lastReturn = i; });
  const before = events.slice(0, lastReturn).filter((e) => e.action === 'submit').pop();
  const after = events.slice(lastReturn).filter((e) => e.action === 'submit').pop();
  const v = (e) => e && e.details && (e.details.version || (e.details.versions && e.details.versions.to));
  if (!v(before) || !v(after)) return null;
  try {
    const [x, y] = await Promise.all([get(`/v1/applications/${a.id}/versions/${v(before)}`), get(`/v1/applications/${a.id}/versions/${v(after)}`)]);
    const flat = (o, p = '', out = {}) => {
      if (o && typeof o === 'object') for (const [k, w] of Object.entries(o)) flat(w, `${p}/${k}`, out);
      else out[p] = o;
      return out;
    };
    const fx = flat(x.data || {}), fy = flat(y.data || {});
    const keys = [...new Set([...Object.keys(fx), ...Object.keys(fy)])].filter((k) => fx[k] !== fy[k]);
    if (!keys.length) return null;
    return h('div', h('h3', t('changed_since')), h('ul', keys.slice(0, 50).map((k) =>
      h('li', h('code', k), C(), `${fx[k] ?? '—'} → ${fy[k] ?? '—'}`))));
  } catch {
    return null;
  }
}

// ---- the printable decision ----

export async function decisionPage(page, id) {
  signedIn();
  const [{data: a}, c] = await Promise.all([api('GET', `/v1/applications/${id}`),
    get(`/v1/applications/${id}/certificate`)]);
  const doc = c.certificate;
  const k = await infoOf(doc.kind);
  const holder = `${doc.holder.name}`;
  const issuer = doc.issuer ? (lang === 'en' ? doc.issuer.name_en : doc.issuer.name_zh) : '';
  const title = issuedLabel(k) || (lang === 'en' ? doc.title_en : doc.title_zh) || kindLabel(doc.kind);
  const verb = lang === 'en' ? k.decides_en : k.decides_zh;
  const measure = doc.measure || k.source || kindLabel(doc.kind);
  const line = (key, v) => (v == null || v === '' ? null : h('div', h('dt', key), h('dd', v)));
  // A certificate certifies; a decision with an amount grants it (for the
  // award year where the round is one).
  const body = h('p.decree', doc.amount_fen == null
    ? t('doc_certify_text', holder, measure, verb)
    : t(k.round_is_award_year ? 'doc_grant_year_text' : 'doc_grant_text', holder, measure, verb, doc.round));
  const sheet = h('article.decisiondoc',
    h('p.docno', `${t('doc_no')}${C()}${doc.serial}`),
    h('h1', title),
    body,
    h('dl.view',
      line(t('holder'), `${doc.holder.name}${paren(doc.holder.uscc)}`),
      line(roundLabel(k), String(doc.round)),
      line(t('brand'), own(doc.brand)),
      line(t('store'), doc.store ? own(`${doc.store.name}${doc.store.address ? paren(doc.store.address) : ''}`) : null),
      line(t('f_category'), doc.category ? enumLabel(doc.category) : null),
      line(t('brands'), doc.brands ? own(doc.brands.join('、')) : null),
      line(t('event'), doc.event ? `${doc.event.name}（${doc.event.held_on}）` : null),
      doc.amount_fen != null ? line(amountLabel(k, false), h('strong', money(doc.amount_fen))) : null,
      doc.proposed_fen != null ? line(t('amount_computed'), money(doc.proposed_fen)) : null,
      line(t('grant_reason'), doc.grant_reason),
      doc.items && doc.items.length ? line(t('items'), h('ul', doc.items.map((i) =>
        h('li', enumLabel(i.item), C(), money(i.amount_fen), i.rank ? ` · #${i.rank}` : ''))))
        : null,
      line(t('valid_until'), doc.valid_until)),
    h('p.issuer', issuer),
    h('p.issued', doc.issued_on),
    c.status !== 'active' ? h('p.void', `${t('cert_status')}${C()}${enumLabel(c.status)}`) : null);
  add(page, h('p.actions.noprint', h('button.primary', {type: 'button', onclick: () => window.print()}, t('print')),
    h('a.button', {href: app.isStaff() ? `#/review/${a.id}` : `#/app/${a.id}`}, t('back'))), sheet);
  document.title = `${title} · ${doc.serial}`;
}

// What an approval issued: the signed decision or certificate, to open,
// check and print.
async function issuedView(a, k) {
  const serial = a.certificate_serial;
  const links = h('p.actions',
    h('a.button', {href: `#/decision/${a.id}`}, t('print_decision')),
    h('a.button', {href: `#/check/${encodeURIComponent(serial)}`}, t('check')));
  try {
    const c = await get(`/v1/applications/${a.id}/certificate`);
    return h('section.issued', h('h2', issuedLabel(k)), certView(c.certificate, c.status), links);
  } catch (e) {
    return h('section.issued', alertBox('ok', issuedLabel(k), ' ', h('code', serial)), links);
  }
}

// Whether the kind grants no amount (a certificate valid for years).
const amountless = (name) => {
  const k = kindInfo(name);
  return !!k && !(k.issues && k.issues.amount_zh);
};

// ---- the year's ranking of a ranked kind ----

async function rankingPanel(k, reload) {
  // The round in review: the year most applications in municipal review
  // belong to (else last year where the round is the award year).
  const thisYear = new Date().getFullYear();
  let year = k.round_is_award_year ? thisYear - 1 : thisYear;
  try {
    const r = await get(`/v1/applications?kind=${encodeURIComponent(k.name)}&status=municipal_review&limit=100`);
    const n = {};
    for (const a of r.items) n[a.round] = (n[a.round] || 0) + 1;
    const best = Object.entries(n).sort((x, y) => y[1] - x[1] || y[0] - x[0])[0];
    if (best) year = Number(best[0]);
  } catch { /* the default stands */ }
  const id = uid('rank');
  const yearIn = h('input.num', {id, inputmode: 'numeric', value: String(year), maxlength: 4});
  const out = h('div', {role: 'status'});
  const btn = h('button', {type: 'submit'}, t('compute'));
  const form = h('form.inline', {novalidate: true},
    h('div.field', h('label', {for: id}, roundLabel(k)), yearIn), btn);
  const compute = async (confirm) => {
    btn.disabled = true;
    const y = encodeURIComponent(yearIn.value.trim());
    try {
      const r = (await api('POST', `/v1/rounds/${encodeURIComponent(k.name)}/${y}/ranking`, confirm == null ? undefined : {confirm})).data;
      const entries = r.entries || [];
      put(out, alertBox('ok', t('ranking_done', r.year, entries.length)),
        entries.length ? h('ol.ranking', entries.map((x) => h('li', `${x.applicant.name} · #${x.application_id} · ${money(x.total_fen)}`))) : null,
        (r.left_out || []).length ? h('p', t('ranking_left_out', r.left_out.length), ' ',
          r.left_out.map((x) => `#${x.application_id} ${x.applicant}（${statusLabel(x.status)}）`).join('；')) : null);
      await reload();
    } catch (err) {
      const d = err.doc || {};
      if (err.status === 409 && d.count != null) {
        // The ranking is final: show who would be left out, and ask.
        put(out, alertBox('warn',
          d.round_closed === false ? h('p', t('ranking_round_open', d.closes_on)) : null,
          d.count ? h('p', t('ranking_left_out', d.count)) : h('p', t('ranking_none_left')),
          d.count ? h('ul', d.left_out.map((x) => h('li', h('a', {href: `#/review/${x.application_id}`}, `#${x.application_id}`), ` ${x.applicant}（${statusLabel(x.status)}）`))) : null,
          h('p', h('button.primary', {type: 'button', onclick: () => compute(d.count)}, t('confirm_rank', d.count)))));
      } else {
        put(out, alertBox('error', problemText(err)));
      }
    } finally {
      btn.disabled = false;
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    compute(null);
  });
  return h('section.panel.ranking', h('h2', `${t('ranking')} · ${kindLabel(k.name)}`), h('p.help', t('ranking_help'), ' ', t('ranking_in_review')), form, out);
}

// ---- objections under notice ----

const RESOLUTION = {
  type: 'object', required: ['outcome', 'opinion'],
  properties: {
    outcome: {type: 'string', enum: ['dismissed', 'upheld'], title: '处理结果 / Outcome'},
    opinion: {type: 'string', maxLength: 4000, title: '处理意见 / Opinion'},
  },
};

// The applications under public notice, of the kinds that have one, with
// their objections.
async function objectionsSection(noticed) {
  const sec = h('section', h('h2', t('under_notice')));
  const apps = [];
  for (const k of noticed) {
    apps.push(...(await get(`/v1/applications?status=public_notice&kind=${encodeURIComponent(k.name)}&limit=100`)).items);
  }
  if (!apps.length) add(sec, h('p.empty', t('no_objections')));
  for (const a of apps) {
    const objs = (await get(`/v1/applications/${a.id}/objections`).catch(() => ({items: []}))).items;
    add(sec, h('article.card',
      h('h3', h('a', {href: `#/review/${a.id}`}, `#${a.id} ${a.applicant.name}`)),
      h('p.meta', kindLabel(a.kind)),
      statusLine(a),
      a.review && a.review.notice_held ? h('p.flag.bad', t('flag_held')) : null,
      objs.length ? h('ul.objections', objs.map((o) => h('li', objection(a, o)))) : h('p', t('no_objections'))));
  }
  return sec;
}

function objection(a, o) {
  const mark = h('span.badge', enumLabel(o.status));
  const head = [h('p', h('strong', own(o.name)), ' · ', own(o.contact), ` · ${fmtTime(o.filed_at)} · `, mark),
    h('p.pre', o.reason), o.opinion ? h('p', `${t('opinion')}${C()}${o.opinion}`) : null];
  if (o.status !== 'open') return head;
  const root = build(RESOLUTION, {}, '');
  const out = h('div', {role: 'status'});
  const btn = h('button.primary', {type: 'submit'}, t('resolve'));
  const form = h('form', {novalidate: true}, root.el, btn, out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(root);
    btn.disabled = true;
    try {
      const body = root.get([], '');
      await api('POST', `/v1/applications/${a.id}/objections/${o.id}/resolution`, body);
      mark.textContent = enumLabel(body.outcome);
      form.replaceWith(alertBox('ok', actionLabel(`objection_${body.outcome}`)));
    } catch (err) {
      if (err.status === 422 && err.errors.length) placeErrors(root, err.errors);
      else put(out, alertBox('error', problemText(err)));
    } finally {
      btn.disabled = false;
    }
  });
  return [...head, form];
}
