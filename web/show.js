// Display pieces shared by the pages: status, checks, award, history,
// certificate, problem messages.

import {h, formatFen, fmtTime} from './util.js';
import {t, lang, enumLabel, statusLabel, actionLabel, checkLabel, C, paren} from './i18n.js';
import {kindInfo, kindLabel} from './kinds.js';

export function badge(status) {
  return h(`span.badge.s-${status}`, statusLabel(status));
}

export function statusLine(app) {
  const n = app.notice;
  return h('p.status', badge(app.status),
    app.status === 'public_notice' && n ? ` ${t('notice_dates', n.starts_on, n.ends_on)}` : null);
}

export function checksView(elig) {
  if (!elig) return null;
  const checks = elig.checks || [];
  return h('section.checks', {'aria-label': t('checks')},
    h('h3', t('checks')),
    h(`p.${elig.eligible ? 'good' : 'warn'}`, elig.eligible ? t('eligible_yes') : t('eligible_no')),
    h('ul.checklist', checks.map((c) => h(`li.${c.passed ? 'pass' : 'fail'}`,
      h('span.mark', {'aria-hidden': 'true'}, c.passed ? '✓' : '✗'),
      h('span.vh', c.passed ? t('yes') : t('no')),
      h('strong', checkLabel(c.id)), ' ', h('code', c.id),
      h('div.detail', localDetail(c))))));
}

/* The server's Chinese wording of a check or an award item when the page is
 * in Chinese and it has one; else its English. */
function localDetail(x) {
  return lang === 'zh' && x.detail_zh ? x.detail_zh : x.detail;
}

// kind: the application's kind; one that issues a certificate valid for
// years grants no money, and says so instead of a total of zero.
export function awardView(award, kind) {
  if (!award) return null;
  const issues = (kindInfo(kind) || {}).issues || {};
  if ((issues.valid_years || issues.certification) && !award.total_fen) {
    return h('section.award', h('h3', t('award')),
      h('p', issues.valid_years ? t('award_none', issues.valid_years) : t('award_none_certified')));
  }
  return h('section.award', h('h3', t('award')),
    h('p.total', t('total'), C(), h('strong', t('yuan', formatFen(award.total_fen))),
      paren(`${t('basis')}${C()}${enumLabel(award.basis)}`)),
    award.items && award.items.length ? h('ul', award.items.map((i) => h('li',
      h('strong', enumLabel(i.item)), C(), t('yuan', formatFen(i.amount_fen)),
      i.rank ? ` · #${i.rank}` : '', i.count ? ` · ×${i.count}` : '',
      i.detail ? h('div.detail', localDetail(i)) : null))) : null);
}

export function historyView(events) {
  return h('div.scroll', {tabindex: 0, role: 'region', 'aria-label': t('history')},
    h('table.grid.history',
      h('thead', h('tr', h('th', t('time')), h('th', t('action')), h('th', t('status')), h('th', t('who')), h('th', t('opinion')))),
      h('tbody', events.map((e) => h('tr',
        h('td', fmtTime(e.at)),
        h('td', actionLabel(e.action)),
        h('td', e.to ? statusLabel(e.to) : ''),
        h('td', e.actor_name || [enumLabel(e.actor && e.actor.role),
          e.actor && e.actor.account ? ` #${e.actor.account}` : ''].join('')),
        h('td.pre', e.opinion || ''))))));
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
      row('round', doc.round),
      row('issuer', issuer),
      doc.subject ? row('base_name', doc.subject.name) : null,
      doc.subject ? row('base_address', doc.subject.address) : null,
      doc.subject && doc.subject.theme ? row('theme', `${enumLabel(doc.subject.theme)}${doc.subject.theme_description ? paren(doc.subject.theme_description) : ''}`) : null,
      row('issued_on', doc.issued_on),
      row('valid_until', doc.valid_until),
      doc.amount_fen != null ? row('amount', h('strong', t('yuan', formatFen(doc.amount_fen)))) : null,
      doc.items && doc.items.length ? row('items', h('ul', doc.items.map((i) =>
        h('li', enumLabel(i.item), C(), t('yuan', formatFen(i.amount_fen)), i.rank ? ` · #${i.rank}` : ''))))
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
