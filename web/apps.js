// The applicant's pages: the list, the form of each kind, one application.

import {dutiesSection, dutyLabel} from './duties.js';
import {h, add, put, own, fmtTime, dayCount, download} from './util.js';
import {t, lang, actionLabel, statusLabel, roundLabel, amountLabel, LAYOUT, C, paren} from './i18n.js';
import {api, get, cached, Problem} from './api.js';
import {app} from './state.js';
import {build, view, placeErrors, clearErrors, showSummary, unitName, failInto} from './form.js';
import {badge, statusLine, checksView, awardView, historyView, certView, problemText, alertBox, money} from './show.js';
import {loadKinds, kinds, kindInfo, kindLabel, issuedLabel, authorityLabel} from './kinds.js';
import {materialsSection, materialsPlaceholder, materialWords} from './materials.js';

const EDITABLE = ['draft', 'returned'];
const WITHDRAWABLE = ['draft', 'returned', 'district_review', 'municipal_review', 'public_notice'];

export async function unitsMap() {
  try {
    const r = await cached('/v1/review-units');
    return new Map(r.items.map((u) => [u.id, u]));
  } catch {
    return new Map();
  }
}

// Pages for an account: a Problem 401 makes the shell offer the sign-in.
export const signedIn = () => {
  if (!app.me) throw new Problem(401);
};

export const unitLabel = (units, id) => (units.get(id) ? unitName(units.get(id)) : id);

// How a kind's fields are grouped on the page (a kind without a layout
// shows them in the schema's order).
export function layoutCtx(kind, units, round) {
  return {units, round, layout: {'': ['applicant', ['g_envelope', ['round', 'review_unit']], 'data'], data: LAYOUT[kind]}};
}

// What a kind issues, and for how long: "批准后颁发：…证书（有效期 3 年）".
export function issuesLine(k) {
  const i = k.issues || {};
  return `${t('on_approval')}${C()}${issuedLabel(k)}${i.valid_years ? paren(t('valid_years', i.valid_years)) : ''}`;
}

// A review unit may take a kind's applications: enterprise units (a
// state-owned group, a headquarters) only where the kind allows them.
export const unitTakes = (k, u) => (k && k.enterprise_units) || (u.kind !== 'soe' && u.kind !== 'hq');

// The flash message after a submission: where the application went.
export const submittedText = (status) => (status === 'district_review' ? t('submitted_ok')
  : status ? t('submitted_to', statusLabel(status)) : t('submitted_ok'));

// ---- My applications ----

export async function list(page) {
  signedIn();
  add(page, h('h1', t('my_apps')));
  await loadKinds();
  add(page, h('section', h('h2', t('new_app')),
    h('ul.tiles', kinds().map((k) => h('li', h('a.tile', {href: `#/new/${k.name}`},
      h('strong', `＋ ${kindLabel(k.name)}`),
      h('span', authorityLabel(k.authority)), h('span', issuesLine(k))))))));
  const kept = localDrafts(app.me.id);
  if (kept.new.length) {
    add(page, alertBox('info', h('p', t('local_drafts')), h('ul', kept.new.map((d) =>
      h('li', h('a', {href: `#/new/${d.kind}`}, kindLabel(d.kind)), ` · ${fmtTime(d.at)}`)))));
  }
  const tbody = h('tbody');
  const th = (key) => h('th', {scope: 'col'}, t(key));
  const table = h('table.grid.worklist.mine',
    h('thead', h('tr', th('col_no'), th('col_project'), th('col_kind'), th('col_round'),
      th('col_status'), th('col_next'), th('col_verdict'), th('col_amounts'))), tbody);
  const empty = h('p.empty', {hidden: true}, t('none_yet'));
  const more = h('button', {type: 'button', hidden: true}, t('more'));
  const section = h('section', h('h2', t('my_apps')), h('div.worklist', table), empty, more);
  add(page, section);
  let cursor = null;
  async function load() {
    const q = `/v1/applications?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await get(q);
    for (const a of r.items) add(tbody, appRow(a, kept.apps.has(a.id)));
    cursor = r.next_cursor;
    more.hidden = !cursor;
    table.hidden = !tbody.children.length;
    empty.hidden = !table.hidden;
  }
  more.addEventListener('click', () => load().catch((e) => add(section, alertBox('error', problemText(e)))));
  await load();
}

// What the application is about, as the applicant would name it: the brand
// and store of a first store, the base of an experience base, else the
// organisation itself.
function projectName(a) {
  const d = a.data || {};
  if (d.brand || (d.store && d.store.name)) return [d.brand, d.store && d.store.name].filter(Boolean).join(' · ');
  if (d.base && d.base.name) return d.base.name;
  return a.applicant && a.applicant.name;
}

// ✓/✗ by the server's checks; a draft still being filled in is not judged.
function eligibilityMark(a) {
  if (a.completeness && !a.completeness.complete) return h('span.elig.incomplete', t('elig_incomplete'));
  if (!a.eligibility) return null;
  return a.eligibility.eligible ? h('span.elig.ok', `✓ ${t('elig_ok')}`) : h('span.elig.no', `✗ ${t('elig_no')}`);
}

// What happens next to an application, and by when.
function nextStep(a) {
  const r = a.review || {};
  switch (a.status) {
    case 'draft': return h('span', t('next_draft'));
    case 'district_review':
    case 'municipal_review': return h('span', t('next_waiting', r.days_waiting || 0));
    case 'returned': return r.due_on
      ? h(r.overdue ? 'strong.warn' : 'span', t('next_returned', r.due_on)) : h('span', t('next_returned_nodate'));
    case 'public_notice': return a.notice ? h('span', t('next_notice', a.notice.ends_on)) : null;
    case 'approved': {
      // The next duty, if any, filled in when the server answers.
      const out = h('span', h('a', {href: a.certificate_serial ? `#/app/${a.id}` : `#/decision/${a.id}`},
        t(a.certificate_serial ? 'next_cert' : 'next_decision')));
      get(`/v1/applications/${a.id}/duties`).then((d) => {
        const due = (d.items || []).find((x) => ['due', 'overdue', 'reminded', 'missed'].includes(x.status));
        if (due) add(out, h('br'), h(due.status === 'due' ? 'span' : 'strong.warn', t('next_duty', dutyLabel(due.type), due.due_on)));
      }, () => {});
      return out;
    }
    default: return h('span', '—');
  }
}

// One row of the applicant's own list.
function appRow(a, localChanges) {
  const editable = EDITABLE.includes(a.status);
  const k = kindInfo(a.kind);
  const td = (key, ...kids) => h(`td.${key.slice(4)}`, {'data-label': t(key)}, ...kids);
  const proposed = a.award && a.award.total_fen ? `${amountLabel(k, true)}${C()}${money(a.award.total_fen)}` : null;
  const granted = a.granted_fen != null && a.granted_fen > 0 ? `${t('amount_granted')}${C()}${money(a.granted_fen)}` : null;
  return h('tr', {'data-id': a.id},
    td('col_no', h('a', {href: `#/app/${a.id}`, 'aria-label': t('app_n', a.id)}, `#${a.id}`)),
    td('col_project', h('a.project', {href: `#/app/${a.id}`}, own(projectName(a))),
      localChanges && editable ? h('div.keptnote', t('local_changes')) : null,
      editable ? h('div', h('a.button.small', {href: `#/edit/${a.id}`}, t('edit'))) : null),
    td('col_kind', kindLabel(a.kind)),
    td('col_round', `${roundLabel(k)} ${a.round}`),
    td('col_status', badge(a.status)),
    td('col_next', nextStep(a)),
    td('col_verdict', eligibilityMark(a) || '—'),
    td('col_amounts', proposed || granted ? [proposed, proposed && granted ? h('br') : null, granted] : '—'));
}

// ---- The form of one kind ----

export async function edit(page, kind, id) {
  signedIn();
  let cur = null;
  if (id) {
    cur = (await api('GET', `/v1/applications/${id}`)).data;
    if (!EDITABLE.includes(cur.status)) {
      location.replace(`#/app/${id}`);
      return;
    }
    kind = cur.kind;
  }
  await loadKinds();
  const k = kindInfo(kind);
  if (!k) {
    add(page, h('h1', t('not_found')));
    return;
  }
  const [schema, units, rounds] = await Promise.all([cached(k.schema), unitsMap(),
    cached('/v1/rounds').then((r) => r.items || [], () => [])]);
  const env = structuredClone(schema);
  delete env.properties.kind;
  env.properties.review_unit.enum = [...units.values()].filter((u) => unitTakes(k, u)).map((u) => u.id);

  const me = app.me || {};
  const division = (me.uscc || '').slice(2, 8);
  const year = new Date().getFullYear();
  const kept = app.kept && app.kept.value;
  const fresh = () => (cur
    ? {applicant: cur.applicant, round: cur.round, review_unit: cur.review_unit, data: cur.data}
    : {applicant: {name: me.name, uscc: me.uscc}, round: defaultRound(k, year, env.properties.round, rounds),
      review_unit: units.has(division) ? division : undefined, data: {}});
  const local = localDraft(me.id, kind, cur && cur.id);
  let stored = kept ? null : local.load();

  const ctx = layoutCtx(kind, units, (kept || (stored && stored.value) || fresh()).round);
  ctx.say = app.say;
  ctx.paste = true;
  const root = build(env, ctx, '');
  const usccNode = root.child('applicant').child('uscc');
  usccNode.input.readOnly = true;
  const roundInput = root.child('round').input;
  const relabel = () => {
    ctx.round = Number(roundInput.value) || null;
    (ctx.onRound || []).forEach((f) => f());
  };
  roundInput.addEventListener('input', relabel);
  // What the server has (or an empty form), as the form reads it back.
  root.set(fresh());
  let savedJson = cur ? JSON.stringify(root.get([], '')) : null;
  const blankJson = JSON.stringify(root.get([], ''));
  if (kept) {
    root.set(kept);
  } else if (stored) {
    root.set(stored.value);
    if (JSON.stringify(root.get([], '')) === (savedJson || blankJson)) {
      local.clear();
      stored = null;
      root.set(fresh());
    }
  }
  relabel();
  if (isGroupList(env.properties.data.properties.groups)) groupTotals(root.child('data').child('groups'));

  const h1 = h('h1', cur ? `${t('app_n', cur.id)} · ${kindLabel(kind)}` : `${t('new_app')}${C()}${kindLabel(kind)}`);
  const summary = h('div.alert.error', {role: 'alert', tabindex: -1, hidden: true});
  // What the draft on the server still lacks (CONTRACT.md "Lenient drafts").
  const missing = h('div.alert.warn.missing', {role: 'status', tabindex: -1, hidden: true});
  const note = h('div', {role: 'status'});
  const results = h('div.results');
  // Where the form stands, in the sticky bar (not a live region: it changes
  // as one types; the messages below are announced).
  const localLine = h('p.keptnote');
  const saveBtn = h('button.primary', {type: 'submit'}, t('save'));
  const submitBtn = h('button', {type: 'button', onclick: () => submit()}, t('submit'));
  const withdrawBtn = h('button.danger', {type: 'button', hidden: !cur, onclick: () => withdraw()}, t('withdraw'));
  const form = h('form', {novalidate: true}, root.el,
    h('div.actions.sticky', saveBtn, submitBtn, withdrawBtn, h('a.button', {href: cur ? `#/app/${cur.id}` : '#/apps'}, t('back')), localLine));
  const restoredBox = stored ? alertBox('info', h('p', t('restored', fmtTime(stored.at))),
    cur && stored.base != null && stored.base !== cur.version ? h('p', t('restored_stale', cur.version)) : null,
    h('p', h('button', {type: 'button', onclick: discard}, t(cur ? 'discard_local' : 'discard_new')))) : null;
  add(page, h1, cur ? statusLine(cur) : null, restoredBox, summary, missing);
  if (cur && cur.status === 'returned') add(page, await returnNote(cur.id));
  add(page, form, note, results);
  // The materials: once the application is saved (they belong to it).
  let mats = cur ? materialsSection(cur, {editable: true}) : null;
  const matsEl = mats ? mats.el : materialsPlaceholder();
  form.after(matsEl);
  // A field that gets the focus scrolls into view above the sticky buttons
  // (the page scrolls with a padding as tall as they are).
  const bar = form.querySelector('.actions.sticky');
  new ResizeObserver(() => {
    document.documentElement.style.scrollPaddingBottom = bar.isConnected ? `${bar.offsetHeight + 16}px` : '';
  }).observe(bar);
  if (cur) {
    showResults();
    if (!restoredBox) showMissing(false);
  }
  app.keep = () => ({value: root.get([], '')});

  // The form's state is kept in this browser as it is typed, until the
  // server has it: the server takes only a complete, valid envelope.
  let timer = null;
  function keepLocal(afterSave) {
    clearTimeout(timer);
    timer = null;
    const json = JSON.stringify(root.get([], ''));
    if (json === (savedJson || blankJson)) {
      local.clear();
      if (!afterSave) localLine.textContent = '';
    } else if (local.save(JSON.parse(json), cur ? cur.version : null) && !blocked) {
      // (A conflict stays said: the copy here is kept all the same.)
      localLine.textContent = t('kept_at', fmtTime(new Date().toISOString()));
    }
  }
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(keepLocal, 300);
  };
  form.addEventListener('input', soon);
  form.addEventListener('change', soon);
  form.addEventListener('click', (e) => { if (e.target.closest('button.add, button.rm')) soon(); });
  flushLocal = () => { if (timer) keepLocal(); };
  cancelLocal = () => { clearTimeout(timer); timer = null; };
  if (stored) localLine.textContent = t('kept_at', fmtTime(stored.at));

  function discard() {
    local.clear();
    root.set(fresh());
    relabel();
    localLine.textContent = '';
    if (restoredBox) restoredBox.remove();
    root.focus();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });

  function showResults() {
    put(results, checksView(cur.eligibility), awardView(cur.award, kind));
  }

  // The server keeps a draft as far as it is filled in and says what is
  // still missing or inconsistent: marked at the fields, listed at the top.
  function incomplete() {
    return !!(cur && cur.completeness && !cur.completeness.complete);
  }
  function showMissing(focus) {
    if (!incomplete()) {
      missing.hidden = true;
      return false;
    }
    const errs = cur.completeness.errors.map((e) => ({pointer: e.pointer, detail: lang === 'en' ? e.detail : e.detail_zh || e.detail}));
    const placed = placeErrors(root, errs);
    put(missing, h('p', h('strong', t('draft_missing', cur.version, placed.length))),
      h('ul', placed.map((e) => h('li',
        e.node && e.node.focus ? h('button.link', {type: 'button', onclick: () => e.node.focus()}, e.where || t('data')) : e.where,
        C(), e.detail))));
    missing.hidden = false;
    if (focus) missing.focus();
    return true;
  }

  function busy(on) {
    for (const b of [saveBtn, submitBtn, withdrawBtn]) b.disabled = on;
    form.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  const fail = (e) => {
    if (e.status === 412) return failInto(summary, root, e, t('stale'), h('button', {type: 'button', onclick: () => app.refresh()}, t('reload')));
    if (e.status === 422 && e.errors.length) return failInto(summary, root, e, t('kept_locally'));
    if (e.status === 0) return failInto(summary, root, e, `${t('net_error')} ${t('kept_net')}`);
    return failInto(summary, root, e);
  };

  // One request at a time: a save waits for the one under way (the first
  // creates the draft; what follows updates it with its version).
  let inflight = null;
  async function settled() {
    while (inflight) await inflight.catch(() => {});
  }
  // Stored as far as it is filled in (Prefer: handling=lenient): a
  // colleague can continue it from another computer.
  async function send(value, {keepalive} = {}) {
    const body = {kind, ...value};
    const req = cur
      ? api('PUT', `/v1/applications/${cur.id}`, body, {ifMatch: cur.version, prefer: 'handling=lenient', keepalive})
      : api('POST', '/v1/applications', body, {prefer: 'handling=lenient', keepalive});
    inflight = req;
    let r;
    try {
      r = await req;
    } finally {
      if (inflight === req) inflight = null;
    }
    const created = !cur;
    cur = r.data;
    savedJson = JSON.stringify(value);
    local.clear();
    if (created) {
      mats = materialsSection(cur, {editable: true});
      matsEl.replaceWith(mats.el);
      local.setId(cur.id);
      local.clear();
      // The address becomes the draft's, unless the page was left meanwhile.
      if (location.hash === `#/new/${kind}`) history.replaceState(null, '', `#/edit/${cur.id}`);
      h1.textContent = `${t('app_n', cur.id)} · ${kindLabel(kind)}`;
      withdrawBtn.hidden = false;
    }
    if (restoredBox) restoredBox.remove();
    showResults();
  }

  // Saved by itself (issue: the form saves from the first field): a moment
  // after typing stops, and at once when the page is hidden or left. A
  // version changed elsewhere (409/412) is shown and never overwritten:
  // nothing more is saved by itself on this page.
  let autoTimer = null;
  let blocked = false;
  function autoSoon() {
    if (blocked) return;
    clearTimeout(autoTimer);
    autoTimer = setTimeout(() => autoSave(), autosaveDelay());
  }
  async function autoSave(leaving) {
    clearTimeout(autoTimer);
    autoTimer = null;
    if (blocked || !form.isConnected) return;
    if (inflight && !leaving) {
      autoSoon();
      return;
    }
    const errs = [];
    const value = root.get(errs, '');
    if (JSON.stringify(value) === (savedJson || blankJson)) return;
    if (errs.length) {
      localLine.textContent = t('auto_failed', t('auto_malformed', errs.length));
      return;
    }
    localLine.textContent = t('auto_saving');
    try {
      await settled();
      if (JSON.stringify(value) === savedJson) return;
      await send(value, {keepalive: !!leaving});
      localLine.textContent = t('auto_saved', fmtTime(new Date().toISOString()));
      // The list of what is missing, when shown, follows.
      if (!missing.hidden) {
        clearErrors(root);
        showMissing(false);
      }
      keepLocal(true);
    } catch (e) {
      if (e.status === 409 || e.status === 412) {
        blocked = true;
        localLine.textContent = t('auto_failed', t('auto_conflict'));
        fail(e);
      } else {
        localLine.textContent = t('auto_failed', e.status === 0 ? t('auto_offline') : problemText(e));
      }
    }
  }
  const leave = () => { if (autoTimer) autoSave(true); };
  flushAuto = leave;
  cancelAuto = () => { clearTimeout(autoTimer); autoTimer = null; blocked = true; };
  form.addEventListener('input', autoSoon);
  form.addEventListener('change', autoSoon);
  form.addEventListener('click', (e) => { if (e.target.closest('button.add, button.rm')) autoSoon(); });
  // Back from a language switch with changes not yet saved: saved soon.
  if (kept && JSON.stringify(root.get([], '')) !== (savedJson || blankJson)) autoSoon();

  async function save(quiet) {
    clearErrors(root);
    summary.hidden = true;
    put(note, );
    keepLocal();
    clearTimeout(autoTimer);
    autoTimer = null;
    const errs = [];
    const value = root.get(errs, '');
    if (errs.length) {
      showSummary(summary, placeErrors(root, errs), t('fix_first'));
      return false;
    }
    busy(true);
    try {
      await settled();
      if (cur && JSON.stringify(value) === savedJson && quiet) return true;
      await send(value);
      blocked = false;
      put(note, alertBox('ok', t('saved', cur.version)));
      showMissing(!quiet);
      keepLocal(true);
      localLine.textContent = t('saved_bar', cur.version);
      return true;
    } catch (e) {
      fail(e);
      return false;
    } finally {
      busy(false);
    }
  }

  // Submission needs every required material: the missing ones listed,
  // each a button to its upload control.
  function missingInto(list) {
    put(summary, h('p', h('strong', materialWords.missing())), h('ul', list.map((m) =>
      h('li', h('button.link', {type: 'button', onclick: () => mats.focus(m.type)}, m.title)))));
    summary.hidden = false;
    summary.focus();
  }

  async function submit() {
    if (!(await save(true))) return;
    // Everything still missing, before the confirmation page.
    if (showMissing(true)) return;
    if (mats) {
      await mats.ready;
      if (mats.missing().length) return missingInto(mats.missing());
    }
    // The confirmation page: the summary, the 承诺书 and its acceptance.
    location.hash = `#/submit/${cur.id}`;
  }

  async function withdraw() {
    if (!withdrawBtn.classList.contains('confirm')) {
      withdrawBtn.classList.add('confirm');
      withdrawBtn.textContent = t('withdraw_confirm');
      return;
    }
    busy(true);
    clearTimeout(autoTimer);
    autoTimer = null;
    try {
      await settled();
      await api('POST', `/v1/applications/${cur.id}/withdraw`, undefined, {ifMatch: cur.version});
      local.clear();
      app.flash = {kind: 'ok', text: t('withdrawn_ok')};
      location.hash = `#/app/${cur.id}`;
    } catch (e) {
      fail(e);
    } finally {
      busy(false);
    }
  }
}

// The round a new application belongs to: the kind's round whose window the
// server says is open (GET /v1/rounds), the latest if several; else this
// year, or where the kind's round is an award year (awards are applied for
// after it ends, RULES.md §5) last year.
function defaultRound(k, year, s, rounds = []) {
  const open = rounds.filter((r) => r.kind === k.name && r.open).map((r) => r.round);
  const y = open.length ? Math.max(...open) : k.round_is_award_year ? year - 1 : year;
  return Math.max(s.minimum || y, Math.min(y, s.maximum || y));
}

// A form's state kept in this browser (localStorage), per account and per
// application (or per kind for a new one), until the server has it.
const DRAFT_PREFIX = 'shenbao.draft.';
let flushLocal = null;
let cancelLocal = null;
let flushAuto = null;
let cancelAuto = null;

// How long after the last keystroke a form saves itself; a test may ask
// for longer (sessionStorage) to look at the browser's own copy.
const AUTOSAVE_MS = 1500;
function autosaveDelay() {
  try {
    return Number(sessionStorage.getItem('shenbao.autosave_ms')) || AUTOSAVE_MS;
  } catch {
    return AUTOSAVE_MS;
  }
}

// At sign-out: nothing of the account stays in this browser (a shared
// office computer); a copy about to be written is not written.
export function dropLocalDrafts() {
  if (cancelLocal) cancelLocal();
  if (cancelAuto) cancelAuto();
  cancelLocal = null;
  flushLocal = null;
  cancelAuto = null;
  flushAuto = null;
  try {
    for (const k of Object.keys(localStorage)) if (k.startsWith(DRAFT_PREFIX)) localStorage.removeItem(k);
  } catch { /* nothing kept */ }
}
// Leaving the form (another page, closing the tab, hiding it): what is
// typed is kept here and sent to the server at once.
window.addEventListener('pagehide', () => { if (flushLocal) flushLocal(); if (flushAuto) flushAuto(); });
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden' && flushAuto) flushAuto();
});
window.addEventListener('hashchange', () => {
  if (flushLocal) flushLocal();
  if (flushAuto) flushAuto();
  flushLocal = null;
  flushAuto = null;
});

function localDraft(account, kind, id) {
  const key = () => `${DRAFT_PREFIX}${account}.${id ? `app.${id}` : `new.${kind}`}`;
  return {
    setId(n) { id = n; },
    load() {
      try {
        const o = JSON.parse(localStorage.getItem(key()));
        return o && typeof o === 'object' && o.value ? o : null;
      } catch {
        return null;
      }
    },
    save(value, base) {
      try {
        localStorage.setItem(key(), JSON.stringify({at: new Date().toISOString(), base, value}));
        return true;
      } catch {
        return false;   // storage full or disabled: nothing to promise
      }
    },
    clear() {
      try { localStorage.removeItem(key()); } catch { /* nothing kept */ }
    },
  };
}

// What this browser keeps for the account: {new: [{kind, at}], apps: Set(id)}.
function localDrafts(account) {
  const out = {new: [], apps: new Set()};
  try {
    const pre = `${DRAFT_PREFIX}${account}.`;
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (!k || !k.startsWith(pre)) continue;
      const rest = k.slice(pre.length);
      if (rest.startsWith('new.')) {
        const o = JSON.parse(localStorage.getItem(k) || 'null');
        if (o && kindInfo(rest.slice(4))) out.new.push({kind: rest.slice(4), at: o.at});
      } else if (rest.startsWith('app.')) {
        out.apps.add(Number(rest.slice(4)));
      }
    }
  } catch { /* nothing kept */ }
  return out;
}

// The opinion of the review that returned the application.
async function returnNote(id) {
  try {
    const ev = (await get(`/v1/applications/${id}/events`)).items;
    const last = ev.filter((e) => /_return$/.test(e.action)).pop();
    return last ? alertBox('warn', h('strong', `${t('return_opinion')}${paren(`${actionLabel(last.action)} ${fmtTime(last.at)}`)}${C()}`), h('span.pre', last.opinion || '')) : null;
  } catch {
    return null;
  }
}

// A list of tourist groups (type, tourists, first and last day): the form
// adds up the person-days they make as they are typed.
function isGroupList(s) {
  const p = s && s.type === 'array' && s.items && s.items.properties;
  return !!p && ['type', 'tourists', 'start_on', 'end_on'].every((m) => p[m]);
}

function groupTotals(node) {
  const out = h('p.note', {'aria-live': 'polite'});
  add(node.el, out);
  const upd = () => {
    let outbound = 0, reception = 0;
    const groups = node.get([], '');
    for (const g of groups) {
      if (!g.tourists || !g.start_on || !g.end_on) continue;
      const pd = dayCount(g.start_on, g.end_on) * g.tourists;
      reception += pd;
      if (g.type === 'organised') outbound += pd;
    }
    out.textContent = groups.length ? t('groups_sum', outbound, reception) : '';
  };
  node.el.addEventListener('change', upd);
  upd();
}

// ---- One application ----

export async function detail(page, id) {
  signedIn();
  const [{data: a}, events] = await Promise.all([
    api('GET', `/v1/applications/${id}`),
    get(`/v1/applications/${id}/events`).then((r) => r.items, () => []),
  ]);
  const [schema, units] = await Promise.all([cached(`/v1/schemas/${a.kind}`).catch(() => null), unitsMap()]);
  const owner = app.me && app.me.role === 'applicant';
  add(page, h('h1', `${t('app_n', a.id)} · ${kindLabel(a.kind)}`), statusLine(a));
  const msg = h('div', {role: 'status'});
  const dl = (k, v) => h('div', h('dt', t(k)), h('dd', v || '—'));
  // 持有单位 once what it applied for was issued; 申报单位 before.
  const holds = ['approved', 'revoked'].includes(a.status);
  add(page, h('dl.view.meta',
    dl(holds ? 'holder' : 'applicant_org', `${a.applicant.name}${paren(a.applicant.uscc)}`),
    h('div', h('dt', roundLabel(kindInfo(a.kind))), h('dd', String(a.round))),
    dl('review_unit', unitLabel(units, a.review_unit)),
    dl('submitted', fmtTime(a.submitted_at)),
    dl('updated', fmtTime(a.updated_at))));

  const act = async (path, okText, btn) => {
    if (btn.classList.contains('danger') && !btn.classList.contains('confirm')) {
      btn.classList.add('confirm');
      btn.textContent = t('withdraw_confirm');
      return;
    }
    btn.disabled = true;
    try {
      const r = await api('POST', path, undefined, {ifMatch: a.version});
      app.flash = {kind: 'ok', text: typeof okText === 'function' ? okText(r.data && r.data.status) : okText};
      app.refresh();
    } catch (e) {
      put(msg, alertBox('error', e.status === 412 ? t('stale') : problemText(e)));
      btn.disabled = false;
    }
  };
  if (owner) {
    const bar = h('p.actions');
    if (EDITABLE.includes(a.status)) {
      add(bar, h('a.button.primary', {href: `#/edit/${a.id}`}, t('edit')),
        h('a.button', {href: `#/submit/${a.id}`}, t('submit')));
    }
    if (events.some((e) => e.action === 'submit')) add(bar, h('a.button', {href: `#/receipt/${a.id}`}, t('view_receipt')));
    if (WITHDRAWABLE.includes(a.status)) {
      add(bar, h('button.danger', {type: 'button', onclick: (e) => act(`/v1/applications/${a.id}/withdraw`, t('withdrawn_ok'), e.currentTarget)}, t('withdraw')));
    }
    add(page, bar, msg);
  } else if (app.isStaff()) {
    add(page, h('p.actions', h('a.button.primary', {href: `#/review/${a.id}`}, t('open_review')),
      h('a.button', {href: '#/queue'}, t('queue'))));
  }

  if (a.certificate_serial) add(page, await certSection(a));
  add(page, await dutiesSection(a));
  add(page, h('section', checksView(a.eligibility), awardView(a.award, a.kind, a)));
  add(page, materialsSection(a).el);
  if (schema) {
    add(page, h('section', h('details.data', h('summary', t('data')),
      view(schema.properties.data, a.data, layoutCtx(a.kind, units, a.round), 'data'))));
  }
  add(page, h('section', h('h2', t('history')), historyView(events, kindInfo(a.kind))));
}

async function certSection(a) {
  const sec = h('section.certsec', h('h2', t('certificate')));
  try {
    const c = await get(`/v1/applications/${a.id}/certificate`);
    const serial = c.certificate.serial || a.certificate_serial;
    add(sec, certView(c.certificate, c.status),
      h('p.actions.noprint',
        h('a.button', {href: `#/decision/${a.id}`}, t('print_decision')),
        h('button', {type: 'button', onclick: () => download(`${serial}.json`, {certificate: c.certificate, jws: c.jws})}, t('download')),
        h('a.button', {href: `#/check/${encodeURIComponent(serial)}`}, t('check'))),
      h('details.noprint', h('summary', t('jws')), h('pre.jws', c.jws)));
  } catch (e) {
    add(sec, alertBox('error', problemText(e)));
  }
  return sec;
}


