// The shell: header, language switch, session, hash routes.

import {h, add, put} from './util.js';
import {t, lang, setLang, enumLabel} from './i18n.js';
import {api, Problem} from './api.js';
import {app} from './state.js';
import {alertBox, problemText} from './show.js';
import {loadKinds, kinds, kindLabel, authorityLabel} from './kinds.js';
import * as auth from './auth.js';
import * as apps from './apps.js';
import * as submitting from './submit.js';
import * as tokens from './tokens.js';
import * as pub from './public.js';
import * as review from './review.js';
import * as duties from './duties.js';
import * as apiref from './apiref.js';

// A kind's name is checked against the server's kinds by the page.
const routes = [
  [/^\/$/, home],
  [/^\/signin$/, auth.signin],
  [/^\/signup$/, auth.signup],
  [/^\/apps$/, apps.list],
  [/^\/new\/([a-z][a-z0-9_]*)$/, (p, kind) => apps.edit(p, kind, null)],
  [/^\/edit\/(\d+)$/, (p, id) => apps.edit(p, null, id)],
  [/^\/app\/(\d+)$/, apps.detail],
  [/^\/submit\/(\d+)$/, submitting.confirmPage],
  [/^\/receipt\/(\d+)$/, submitting.receiptPage],
  [/^\/tokens$/, tokens.page],
  [/^\/reset\/([\w-]{1,200})$/, auth.reset],
  [/^\/notices$/, pub.notices],
  [/^\/check(?:\/([^/]+))?$/, pub.check],
  [/^\/queue$/, review.queue],
  [/^\/review\/(\d+)$/, review.reviewPage],
  [/^\/decision\/(\d+)$/, review.decisionPage],
  [/^\/duties$/, duties.worklist],
  [/^\/lists$/, duties.lists],
  [/^\/list\/([a-z][a-z0-9_]*)$/, duties.publicList],
  [/^\/api(?:\/([\w.-]+))?$/, apiref.page],
];

const header = document.getElementById('top');
const main = document.getElementById('main');
const footer = document.querySelector('footer.foot');
const live = document.getElementById('say');
let lastPath = null;

app.say = (msg) => {
  live.textContent = '';
  setTimeout(() => { live.textContent = msg; }, 50);
};

function renderHeader(path) {
  const me = app.me;
  const link = (href, key) => h('a', {href, 'aria-current': path === href.slice(1) ? 'page' : null}, t(key));
  const links = [link('#/notices', 'notices'), link('#/lists', 'lists'), link('#/check', 'check'), link('#/api', 'api_ref')];
  if (!me) links.push(link('#/signin', 'signin'), link('#/signup', 'signup'));
  else if (me.role === 'applicant') links.unshift(link('#/apps', 'my_apps'));
  else if (app.isStaff()) links.unshift(link('#/queue', 'queue'), link('#/duties', 'duties_view'));
  else if (me.role === 'auditor') links.unshift(link('#/duties', 'duties_view'));
  const who = me ? h('span.who', t('signed_in_as', me.name), ` · ${enumLabel(me.role)}`) : null;
  put(header, 
    h('div.bar',
      h('a.brand', {href: '#/'}, h('span.logo', {'aria-hidden': 'true'}, '申'), t('app')),
      h('button.lang', {type: 'button', lang: lang === 'en' ? 'zh-CN' : 'en', 'aria-label': t('other_lang_name'), onclick: switchLang}, t('other_lang'))),
    h('nav', {'aria-label': t('nav')}, h('ul', links.map((a) => h('li', a))),
      me ? h('div.session', who, ' · ', link('#/tokens', 'tokens_page'), ' ', h('button.link', {type: 'button', onclick: signOut}, t('signout'))) : null));
  document.querySelector('.skip').textContent = t('skip');
  // The authorities whose programmes this server takes.
  const names = [...new Set(kinds().map((k) => authorityLabel(k.authority)))];
  put(footer, names.length ? h('p', names.map((n, i) => [i ? ' · ' : '', h('span.nobr', n)])) : null);
}

function switchLang() {
  app.kept = app.keep ? app.keep() : null;
  setLang(lang === 'en' ? 'zh' : 'en');
  render(true);
  header.querySelector('.lang').focus();
}

async function signOut() {
  try { await api('DELETE', '/v1/session'); } catch { /* signed out anyway */ }
  // What this browser kept of unsaved forms goes too: a shared office
  // computer keeps nothing of the account (the drafts are on the server).
  apps.dropLocalDrafts();
  app.me = null;
  app.flash = null;
  if (location.hash === '#/') render();
  else location.hash = '#/';
}

function home(page) {
  if (app.me && app.me.role === 'applicant') return location.replace('#/apps');
  if (app.isStaff()) return location.replace('#/queue');
  add(page,
    h('h1', t('app')),
    h('p.lead', t('intro')),
    app.me ? alertBox('info', t('no_pages_role')) : null,
    h('ul.tiles',
      app.me ? null : h('li', h('a.tile', {href: '#/signin'}, h('strong', `${t('signin')} / ${t('signup')}`), h('span', t('intro_apply')))),
      h('li', h('a.tile', {href: '#/notices'}, h('strong', t('notices')), h('span', t('intro_public')))),
      h('li', h('a.tile', {href: '#/check'}, h('strong', t('check')), h('span', t('check_intro'))))),
    kinds().length ? h('section', h('h2', t('programmes')), h('ul.programmes', kinds().map((k) => h('li',
      h('strong', kindLabel(k.name)), ' ', h('span.meta', authorityLabel(k.authority)))))) : null);
}

// sameRoute: a language switch (keeps focus and what the page kept).
async function render(sameRoute) {
  const path = location.hash.replace(/^#/, '') || '/';
  if (!path.startsWith('/')) return;
  if (path !== lastPath && sameRoute !== true) app.kept = null;
  const moved = lastPath !== null && path !== lastPath;
  lastPath = path;
  app.keep = null;
  // The kinds, asked once (a page that needs them and did not get them
  // asks again and says why); once known, the page renders at once.
  if (!kinds().length) await loadKinds().catch(() => null);
  renderHeader(path);
  const page = h('div.page');
  put(main, page);
  if (app.flash) {
    add(page, alertBox(app.flash.kind || 'info', app.flash.text));
    app.flash = null;
  }
  const route = routes.find(([re]) => re.test(path));
  try {
    if (!route) add(page, h('h1', t('not_found')));
    else await route[1](page, ...path.match(route[0]).slice(1));
  } catch (e) {
    if (!(e instanceof Problem)) console.warn(e);
    if (e.status === 401) {
      app.me = null;
      renderHeader(path);
      add(page, alertBox('error', t('need_signin'), ' ', h('a', {href: '#/signin'}, t('signin'))));
    } else {
      add(page, alertBox('error', problemText(e)));
    }
  }
  app.kept = null;
  const h1 = page.querySelector('h1');
  // The page's own heading first; the start page's is the site's name, said once.
  document.title = h1 && h1.textContent !== t('app') ? `${h1.textContent} · ${t('app')}` : t('app');
  if (moved && sameRoute !== true && h1) {
    h1.tabIndex = -1;
    h1.focus();
  }
}
app.refresh = render;

async function boot() {
  setLang(lang);
  document.querySelector('.skip').addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });
  // Without the readable CSRF cookie there is no session: do not ask (a
  // 401 would show up in the console).
  if (/(?:^|;\s*)sb_csrf=/.test(document.cookie)) {
    try {
      app.me = (await api('GET', '/v1/account')).data;
    } catch {
      app.me = null;
    }
  }
  window.addEventListener('hashchange', () => render());
  render();
}

boot();
