// The reviewer queue: district and municipal reviewers decide on the
// applications at their stage, of the kinds that have that stage on this
// server (GET /v1/kinds); municipal reviewers also compute the ranking of a
// ranked kind and resolve objections to kinds that have a public notice.

import {h, add, put, uid, formatFen, fmtTime} from './util.js';
import {t, lang, enumLabel, actionLabel, statusLabel, C} from './i18n.js';
import {api, get, cached} from './api.js';
import {app} from './state.js';
import {build, view, placeErrors, clearErrors, showSummary, failInto} from './form.js';
import {statusLine, checksView, awardView, certView, problemText, alertBox} from './show.js';
import {unitsMap, unitLabel, unitTakes, layoutCtx, signedIn} from './apps.js';
import {loadKinds, kindLabel, issuedLabel, authorityLabel, hasStage} from './kinds.js';

const text = (zh, en, description) => ({type: 'string', maxLength: 4000, title: `${zh} / ${en}`, description});

// The form of a review at `stage` of an application of kind k: the
// decision and the opinion, and on approval what the kind's stage must
// record (its `district_records` or `municipal_records`, a JSON Schema
// object) and, at the municipal stage of an application that fails a
// check, the reason to approve it all the same.  A record that belongs to
// some applications only (`x-when-data`: the member of the application's
// data that must be true, a unit submitting directly) is asked of those
// alone, and of them it is required.
function reviewSchema(stage, k, eligible, data) {
  const all0 = (k && k[`${stage}_records`]) || {};
  const applies = (v) => !v['x-when-data'] || (data && data[v['x-when-data']] === true);
  const kept = Object.entries(all0.properties || {}).filter(([, v]) => applies(v));
  const records = {...all0, properties: Object.fromEntries(kept),
    required: [...(all0.required || []), ...kept.filter(([, v]) => v['x-when-data']).map(([n]) => n)]};
  const props = {
    decision: {type: 'string', enum: ['approve', 'return', 'reject'], title: '审核决定 / Decision'},
    opinion: text('审核意见', 'Opinion', t('opinion_help')),
  };
  const onApprove = [...(records.required || [])];
  if (stage === 'municipal' && !eligible) {
    props.override_reason = text('不符合条件仍予通过的理由', 'Reason to approve despite failed checks', t('override_help'));
    onApprove.push('override_reason');
  }
  Object.assign(props, records.properties || {});
  const approveOnly = Object.keys(props).filter((p) => p !== 'decision' && p !== 'opinion');
  const all = (on) => Object.fromEntries(approveOnly.map((p) => [p, on]));
  const when = (d) => ({properties: {decision: {const: d}}, required: ['decision']});
  return {
    type: 'object', required: ['decision'], properties: props,
    allOf: [
      {if: when('approve'), then: {required: onApprove, properties: all(true)}},
      {if: when('return'), then: {required: ['opinion'], properties: all(false)}},
      {if: when('reject'), then: {required: ['opinion'], properties: all(false)}},
      ...(records.allOf || []),
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
  const [all, units] = await Promise.all([loadKinds(), unitsMap()]);
  const unit = units.get(me.unit);
  // The kinds that come to this reviewer: the authority's own, or those
  // with a district stage here (to an enterprise unit only where the kind
  // takes enterprise units).
  const mine = all.filter((k) => hasStage(k, stage)
    && (municipal ? k.authority === me.authority : !unit || unitTakes(k, unit)));
  add(page, h('p.lead', t('queue_intro'), ' ',
    h('strong', municipal ? authorityLabel(me.authority) : unitLabel(units, me.unit))));
  if (!mine.length) {
    add(page, alertBox('info', t(municipal ? 'no_kinds_municipal' : 'no_kinds_district')));
    return;
  }
  add(page, h('p.meta.stagekinds', `${t('stage_kinds')}${C()}${mine.map((k) => kindLabel(k.name)).join(lang === 'en' ? ', ' : '、')}`));

  for (const k of mine) {
    const list = h('div.queue');
    const load = async () => {
      put(list, h('p', t('loading')));
      const r = await get(`/v1/applications?status=${stage}_review&kind=${encodeURIComponent(k.name)}&limit=100`);
      put(list);
      if (!r.items.length) add(list, h('p.empty', t('queue_empty')));
      for (const a of r.items.reverse()) add(list, await reviewCard(a, stage, units, k));
    };
    add(page, h('section.kindqueue', h('h2', kindLabel(k.name), h('span.stage', ` · ${statusLabel(`${stage}_review`)}`)),
      municipal && k.ranked ? rankingPanel(k, load) : null, list));
    await load();
  }
  const noticed = municipal ? mine.filter((k) => hasStage(k, 'notice')) : [];
  if (noticed.length) add(page, await objectionsSection(noticed));
}

async function reviewCard(a, stage, units, k) {
  const schema = await cached(k.schema).catch(() => null);
  const card = h('article.card.review');
  const root = build(reviewSchema(stage, k, a.eligibility && a.eligibility.eligible, a.data), {units}, '');
  const summary = h('div.alert.error', {role: 'alert', tabindex: -1, hidden: true});
  const btn = h('button.primary', {type: 'submit'}, t('send_review'));
  const form = h('form.reviewform', {novalidate: true}, h('h3', t('review')), summary, root.el, btn);
  add(card,
    h('h3', h('a', {href: `#/app/${a.id}`}, `#${a.id} ${a.applicant.name}`)),
    h('p.meta', `${kindLabel(a.kind)} · ${t('round')} ${a.round} · ${t('review_unit')}${C()}${unitLabel(units, a.review_unit)} · ${t('submitted')} ${fmtTime(a.submitted_at)}`),
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
      const said = t('reviewed', actionLabel(`${stage}_${v.decision}`));
      put(card, h('h3', h('a', {href: `#/app/${a.id}`}, `#${a.id} ${a.applicant.name}`)),
        alertBox('ok', said), done.status ? statusLine(done) : null);
      // A kind without a public notice is approved, and what it issues
      // signed, by the municipal approval itself.
      if (done.certificate_serial) add(card, await issuedView(done, k));
      app.say(done.certificate_serial ? `${said} ${t('issued_now', issuedLabel(k))}` : said);
    } catch (err) {
      failInto(summary, root, err, err.status === 412 ? t('stale') : undefined);
    } finally {
      btn.disabled = false;
    }
  });
  return card;
}

// What an approval issued at once: the signed decision or certificate.
async function issuedView(a, k) {
  const serial = a.certificate_serial;
  const links = h('p.actions',
    h('a.button', {href: `#/app/${a.id}`}, t('open')),
    h('a.button', {href: `#/check/${encodeURIComponent(serial)}`}, t('check')));
  try {
    const c = await get(`/v1/applications/${a.id}/certificate`);
    return h('section.issued', h('p', h('strong', t('issued_now', issuedLabel(k)))), certView(c.certificate, c.status), links);
  } catch (e) {
    return h('section.issued', alertBox('ok', t('issued_now', issuedLabel(k)), ' ', h('code', serial)), links);
  }
}

// The ranking of a ranked kind's award year, which its municipal approvals
// wait for.
function rankingPanel(k, reload) {
  const id = uid('rank');
  const thisYear = new Date().getFullYear();
  const year = h('input.num', {id, inputmode: 'numeric', maxlength: 4,
    value: String(k.round_is_award_year ? thisYear - 1 : thisYear)});
  const out = h('div', {role: 'status'});
  const btn = h('button', {type: 'submit'}, t('compute'));
  const form = h('form.inline', {novalidate: true},
    h('div.field', h('label', {for: id}, t(k.round_is_award_year ? 'ranking_year' : 'round')), year), btn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    btn.disabled = true;
    try {
      const r = (await api('POST', `/v1/rounds/${encodeURIComponent(k.name)}/${encodeURIComponent(year.value.trim())}/ranking`)).data;
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
  return h('section.panel', h('h3', t('ranking')), h('p.help', t('ranking_help')), form, out);
}

const RESOLUTION = {
  type: 'object', required: ['outcome', 'opinion'],
  properties: {
    outcome: {type: 'string', enum: ['dismissed', 'upheld'], title: '处理结果 / Outcome'},
    opinion: text('处理意见', 'Opinion'),
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
      h('h3', h('a', {href: `#/app/${a.id}`}, `#${a.id} ${a.applicant.name}`)),
      h('p.meta', kindLabel(a.kind)),
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
