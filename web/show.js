// Display pieces shared by the pages: status, checks, award, history,
// certificate, problem messages.

import {h, own, formatFen, formatWan, fmtTime} from './util.js';
import {t, lang, enumLabel, statusLabel, actionLabel, amountLabel, checkLabel, C, paren} from './i18n.js';
import {kindInfo, kindLabel} from './kinds.js';

// An amount as the page's language writes it: "420 万元" in Chinese, yuan in
// English.
export const money = (fen) => (lang === 'en' ? t('yuan', formatFen(fen)) : formatWan(fen));

export function badge(status) {
  return h(`span.badge.s-${status}`, statusLabel(status));
}

export function statusLine(app) {
  const n = app.notice;
  return h('p.status', badge(app.status),
    app.status === 'public_notice' && n ? ` ${t('notice_dates', n.starts_on, n.ends_on)}` : null);
}

// The checks; with failedFirst, those not met first and the others folded.
// Check ids (English codes) are shown on the English pages only.
export function checksView(elig, {failedFirst = false} = {}) {
  if (!elig) return null;
  const checks = elig.checks || [];
  const item = (c) => h(`li.${c.passed ? 'pass' : 'fail'}`,
    h('span.mark', {'aria-hidden': 'true'}, c.passed ? '✓' : '✗'),
    h('span.vh', c.passed ? t('yes') : t('no')),
    h('strong', checkLabel(c.id)), lang === 'en' ? [' ', h('code', c.id)] : null,
    h('div.detail', localDetail(c)));
  if (failedFirst) {
    const failed = checks.filter((c) => !c.passed), passed = checks.filter((c) => c.passed);
    return h(`section.checks.failed-first${failed.length ? '.some' : ''}`, {'aria-label': t('failed_first')},
      h('h2', failed.length ? `${t('failed_first')}（${failed.length}）` : t('checks')),
      failed.length ? h('ul.checklist', failed.map(item)) : h('p.good', t('all_passed')),
      passed.length ? h('details', h('summary', t('other_checks', passed.length)),
        h('ul.checklist', passed.map(item))) : null);
  }
  return h('section.checks', {'aria-label': t('checks')},
    h('h3', t('checks')),
    h(`p.${elig.eligible ? 'good' : 'warn'}`, elig.eligible ? t('eligible_yes') : t('eligible_no')),
    h('ul.checklist', checks.map(item)));
}

/* The server's Chinese wording of a check or an award item when the page is
 * in Chinese and it has one; else its English. */
function localDetail(x) {
  return lang === 'zh' && x.detail_zh ? x.detail_zh : x.detail;
}

// What would be or was granted: the proposal (拟支持金额, 拟奖励金额 for
// awards), and what the decision granted once it did.  A kind that issues
// a certificate valid for years grants no money, and says so instead of a
// total of zero.
export function awardView(award, kind, a) {
  if (!award) return null;
  const issues = (kindInfo(kind) || {}).issues || {};
  if ((issues.valid_years || issues.certification) && !award.total_fen) {
    return h('section.award', h('h3', t('amount')),
      h('p', issues.valid_years ? t('award_none', issues.valid_years) : t('award_none_certified')));
  }
  const heading = amountLabel(kindInfo(kind), true);
  return h('section.award', h('h3', heading),
    h('p.total', t('total'), C(), h('strong', money(award.total_fen)),
      paren(`${t('basis')}${C()}${enumLabel(award.basis)}`)),
    a && a.granted_fen != null ? h('p.total', t('amount_granted'), C(), h('strong', money(a.granted_fen)),
      a.grant_reason ? paren(a.grant_reason) : null) : null,
    a && a.refund_fen != null ? h('p', t('amount_refund'), C(), money(a.refund_fen)) : null,
    award.items && award.items.length ? h('ul', award.items.map((i) => h('li',
      h('strong', enumLabel(i.item)), C(), money(i.amount_fen),
      i.rank ? ` · #${i.rank}` : '', i.count ? ` · ×${i.count}` : '',
      i.detail ? h('div.detail', localDetail(i)) : null))) : null);
}

// The stage records, override, grant and decisions an event carries, in
// words: records are named by the kind's schemas (GET /v1/kinds).
export function detailsView(ev, k) {
  const d = ev.details || {};
  const props = {
    ...((k && k.district_records && k.district_records.properties) || {}),
    ...((k && k.municipal_records && k.municipal_records.properties) || {}),
  };
  const out = [];
  const title = (s, k) => (s && s.title ? s.title.split(' / ')[lang === 'en' ? 1 : 0].replace('（分）', '') : k);
  for (const [k, s] of Object.entries(props)) {
    const v = d[k];
    if (v === undefined) continue;
    let text;
    if (k === 'store_decisions' && Array.isArray(v)) {
      text = v.map((x, i) => t('store_n', i + 1, `${x.included ? t('included') : t('no')}${x.reason ? paren(x.reason) : ''}`)).join('；');
    } else if (v && typeof v === 'object') {
      text = [v.firm, v.date, v.passed === true ? t('yes') : v.passed === false ? t('no') : null,
        v.score != null ? String(v.score) : null, v.summary].filter((x) => x != null && x !== '').join(' · ');
    } else if (/_fen$/.test(k)) {
      text = money(v);
    } else if (typeof v === 'boolean') {
      text = v ? t('yes') : t('no');
    } else {
      text = String(v);
    }
    out.push(h('li', h('strong', `${title(s, k)}${C()}`), text));
  }
  if (d.override_reason) out.push(h('li.override', h('strong', `${t('override')}${C()}`), d.override_reason));
  if (d.granted_fen != null) out.push(h('li', h('strong', `${t('amount_granted')}${C()}`), money(d.granted_fen)));
  if (d.grant_reason) out.push(h('li', h('strong', `${t('grant_reason')}${C()}`), d.grant_reason));
  if (d.basis && d.basis.failed_checks && d.basis.failed_checks.length) {
    out.push(h('li', h('strong', `${t('failed_first')}${C()}`), d.basis.failed_checks.map(checkLabel).join('、')));
  }
  return out.length ? h('ul.records', out) : null;
}

export function historyView(events, k) {
  return h('div.scroll', {tabindex: 0, role: 'region', 'aria-label': t('history')},
    h('table.grid.history',
      h('thead', h('tr', h('th', t('time')), h('th', t('action')), h('th', t('status')), h('th', t('who')), h('th', t('opinion')))),
      h('tbody', events.map((e) => h('tr',
        h('td', fmtTime(e.at)),
        h('td', actionLabel(e.action, k)),
        h('td', e.to ? statusLabel(e.to) : ''),
        h('td', e.actor_name || [enumLabel(e.actor && e.actor.role),
          e.actor && e.actor.account ? ` #${e.actor.account}` : ''].join('')),
        h('td.pre', e.opinion || '', detailsView(e, k)))))));
}

// The certificate document ({kind, serial, holder, …}) as a readable card.
export function certView(doc, status) {
  if (!doc) return null;
  const tt = lang === 'en' ? doc.title_en : doc.title_zh;
  const issuer = doc.issuer ? (lang === 'en' ? doc.issuer.name_en : doc.issuer.name_zh) : '';
  const row = (k, v) => (v == null || v === '' ? null : h('div', h('dt', t(k)), h('dd', v)));
  return h('article.cert',
    h('h3', tt || kindLabel(doc.kind)),
    status ? h('p', h(`span.badge.c-${status}`, `${t('cert_status')}${C()}${enumLabel(status)}`)) : null,
    h('dl.view',
      row('serial', h('code', doc.serial)),
      row('holder', doc.holder ? `${doc.holder.name}${paren(doc.holder.uscc)}` : ''),
      row('measure', doc.measure),
      row('brand', own(doc.brand)),
      row('store', doc.store ? own(doc.store.name) : null),
      row('round', doc.round),
      row('issuer', issuer),
      doc.subject ? row('base_name', doc.subject.name) : null,
      doc.subject ? row('base_address', doc.subject.address) : null,
      doc.subject && doc.subject.theme ? row('theme', `${enumLabel(doc.subject.theme)}${doc.subject.theme_description ? paren(doc.subject.theme_description) : ''}`) : null,
      row('issued_on', doc.issued_on),
      row('valid_until', doc.valid_until),
      doc.amount_fen != null ? row('amount', h('strong', money(doc.amount_fen))) : null,
      doc.items && doc.items.length ? row('items', h('ul', doc.items.map((i) =>
        h('li', enumLabel(i.item), C(), money(i.amount_fen), i.rank ? ` · #${i.rank}` : ''))))
        : null));
}

// A one-line message for a failed request.
export function problemText(e) {
  if (!e || e.status === 0) return t('net_error');
  if (e.status === 401) return t('need_signin');
  if (e.status === 429) {
    const s = e.headers && e.headers.get('Retry-After');
    return s ? t('too_many_s', s) : t('too_many');
  }
  const d = e.doc || {};
  return [d.title, d.detail].filter(Boolean).join(' — ') || `${t('error')} (HTTP ${e.status})`;
}

export function alertBox(kind, ...kids) {
  return h(`div.alert.${kind}`, {role: kind === 'error' ? 'alert' : 'status'}, ...kids);
}
