// The reviewer queue: district and municipal reviewers decide; municipal
// reviewers also compute the tourism ranking and resolve objections.

import {h, add, put, formatFen, fmtTime} from './util.js';
import {t, enumLabel, actionLabel, statusLabel, C} from './i18n.js';
import {api, get, cached} from './api.js';
import {app} from './state.js';
import {build, view, placeErrors, clearErrors, showSummary, failInto} from './form.js';
import {statusLine, checksView, awardView, problemText, alertBox} from './show.js';
import {unitsMap, unitLabel, layoutCtx, signedIn} from './apps.js';

const text = (zh, en, description) => ({type: 'string', maxLength: 4000, title: `${zh} / ${en}`, description});
const finding = (zh, en) => ({
  type: 'object', title: `${zh} / ${en}`, required: ['date', 'passed', 'summary'],
  properties: {
    date: {type: 'string', format: 'date', title: '日期 / Date'},
    passed: {type: 'boolean', title: '通过 / Passed'},
    summary: text('意见摘要', 'Summary'),
  },
});

// What a municipal approval must record, per kind (stage records).
const RECORDS = {
  incubator: {expert_review: finding('专家评审', 'Expert review'), site_inspection: finding('实地核查', 'On-site inspection')},
  first_store: {
    audited_amount_fen: {type: 'integer', title: '审定投资额（分） / Audited investment (fen)',
      description: 'audited_help'},
  },
  tourism_award: {
    audit: {...finding('会计师事务所审核', 'Accounting firm audit'), required: ['firm', 'date', 'passed', 'summary']},
    expert_panel: finding('专家评审组评审', 'Expert panel review'),
    funded_charters: {type: 'integer', title: '予以奖励的包机架次 / Charters funded', description: 'charters_help'},
    special_award: {type: 'boolean', title: '授予特别奖 / Grant the special award', description: 'special_help'},
  },
};
RECORDS.tourism_award.audit.properties = {firm: {type: 'string', maxLength: 200, title: '会计师事务所 / Accounting firm'}, ...RECORDS.tourism_award.audit.properties};

function reviewSchema(stage, kind, eligible) {
  const records = stage === 'municipal' ? RECORDS[kind] || {} : {};
  const props = {
    decision: {type: 'string', enum: ['approve', 'return', 'reject'], title: '审核决定 / Decision'},
    opinion: text('审核意见', 'Opinion', t('opinion_help')),
  };
  const onApprove = Object.keys(records).filter((k) => records[k].type === 'object' || k === 'audited_amount_fen');
  if (stage === 'municipal' && !eligible) {
    props.override_reason = text('不符合条件仍予通过的理由', 'Reason to approve despite failed checks', t('override_help'));
    onApprove.push('override_reason');
  }
  for (const [k, v] of Object.entries(records)) props[k] = v.description ? {...v, description: t(v.description)} : v;
  const off = Object.fromEntries(Object.keys(records).concat(props.override_reason ? ['override_reason'] : []).map((k) => [k, false]));
  const when = (d) => ({properties: {decision: {const: d}}, required: ['decision']});
  return {
    type: 'object', required: ['decision'], properties: props,
    allOf: [
      {if: when('approve'), then: {required: onApprove, properties: Object.fromEntries(Object.keys(off).map((k) => [k, true]))}},
      {if: when('return'), then: {required: ['opinion'], properties: off}},
      {if: when('reject'), then: {required: ['opinion'], properties: off}},
    ],
  };
}

export async function queue(page) {
  signedIn();
  const me = app.me;
  add(page, h('h1', t('queue')));
  if (!app.isStaff()) {
    add(page, alertBox('info', t('no_pages_role')));
    return;
  }
  const municipal = me.role === 'municipal_reviewer';
  const stage = municipal ? 'municipal' : 'district';
  const units = await unitsMap();
  add(page, h('p.lead', t('queue_intro'), ' ',
    h('strong', municipal ? enumLabel(me.authority) : unitLabel(units, me.unit))));

  const list = h('div.queue');
  const load = async () => {
    put(list, h('p', t('loading')));
    const r = await get(`/v1/applications?status=${stage}_review&limit=100`);
    put(list, );
    if (!r.items.length) add(list, h('p.empty', t('queue_empty')));
    for (const a of r.items.reverse()) add(list, await reviewCard(a, stage, units));
  };
  if (municipal && me.authority === 'culture_tourism') add(page, rankingPanel(load));
  add(page, h('section', h('h2', `${statusLabel(`${stage}_review`)}`), list));
  await load();
  if (municipal) add(page, await objectionsSection());
}

async function reviewCard(a, stage, units) {
  const schema = await cached(`/v1/schemas/${a.kind}`).catch(() => null);
  const card = h('article.card.review');
  const root = build(reviewSchema(stage, a.kind, a.eligibility && a.eligibility.eligible), {units}, '');
  const summary = h('div.alert.error', {role: 'alert', tabindex: -1, hidden: true});
  const btn = h('button.primary', {type: 'submit'}, t('send_review'));
  const form = h('form.reviewform', {novalidate: true}, h('h3', t('review')), summary, root.el, btn);
  add(card, 
    h('h3', h('a', {href: `#/app/${a.id}`}, `#${a.id} ${a.applicant.name}`)),
    h('p.meta', `${enumLabel(a.kind)} · ${t('round')} ${a.round} · ${t('review_unit')}${C()}${unitLabel(units, a.review_unit)} · ${t('submitted')} ${fmtTime(a.submitted_at)}`),
    statusLine(a),
    checksView(a.eligibility),
    awardView(a.award, a.kind),
    schema ? h('details.data', h('summary', t('data')), view(schema.properties.data, a.data, layoutCtx(a.kind, units, a.round), 'data')) : null,
    form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(root);
    summary.hidden = true;
    const errs = [];
    const v = root.get(errs, '');
    if (errs.length) return showSummary(summary, placeErrors(root, errs), t('fix_first'));
    btn.disabled = true;
    try {
      const r = await api('POST', `/v1/applications/${a.id}/reviews`, {stage, ...v}, {ifMatch: a.version});
      const done = r.data || {};
      put(card, h('h3', `#${a.id} ${a.applicant.name}`),
        alertBox('ok', t('reviewed', actionLabel(`${stage}_${v.decision}`))),
        done.status ? statusLine(done) : null);
      app.say(t('reviewed', actionLabel(`${stage}_${v.decision}`)));
    } catch (err) {
      failInto(summary, root, err, err.status === 412 ? t('stale') : undefined);
    } finally {
      btn.disabled = false;
    }
  });
  return card;
}

function rankingPanel(reload) {
  const year = h('input.num', {id: 'rank-year', inputmode: 'numeric', value: String(new Date().getFullYear() - 1), maxlength: 4});
  const out = h('div', {role: 'status'});
  const btn = h('button', {type: 'submit'}, t('compute'));
  const form = h('form.inline', {novalidate: true},
    h('div.field', h('label', {for: 'rank-year'}, t('ranking_year')), year), btn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    btn.disabled = true;
    try {
      const r = (await api('POST', `/v1/rounds/tourism_award/${encodeURIComponent(year.value.trim())}/ranking`)).data;
      const entries = r.entries || [];
      put(out, alertBox('ok', t('ranking_done', r.year, entries.length)),
        entries.length ? h('ol.ranking', entries.map((x) => h('li', `${x.applicant.name} · #${x.application_id} · ${t('yuan', formatFen(x.total_fen))}`))) : null);
      await reload();
    } catch (err) {
      put(out, alertBox('error', problemText(err)));
    } finally {
      btn.disabled = false;
    }
  });
  return h('section.panel', h('h2', t('ranking')), h('p.help', t('ranking_help')), form, out);
}

const RESOLUTION = {
  type: 'object', required: ['outcome', 'opinion'],
  properties: {
    outcome: {type: 'string', enum: ['dismissed', 'upheld'], title: '处理结果 / Outcome'},
    opinion: text('处理意见', 'Opinion'),
  },
};

async function objectionsSection() {
  const sec = h('section', h('h2', t('under_notice')));
  const apps = (await get('/v1/applications?status=public_notice&limit=100')).items;
  if (!apps.length) add(sec, h('p.empty', t('no_objections')));
  for (const a of apps) {
    const objs = (await get(`/v1/applications/${a.id}/objections`).catch(() => ({items: []}))).items;
    add(sec, h('article.card',
      h('h3', h('a', {href: `#/app/${a.id}`}, `#${a.id} ${a.applicant.name}`)),
      statusLine(a),
      objs.length ? h('ul.objections', objs.map((o) => h('li', objection(a, o)))) : h('p', t('no_objections'))));
  }
  return sec;
}

function objection(a, o) {
  const badge = h('span.badge', enumLabel(o.status));
  const head = [h('p', h('strong', `${o.name}`), ` · ${o.contact} · ${fmtTime(o.filed_at)} · `, badge),
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
      badge.textContent = enumLabel(body.outcome);
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
