// Sign in (organisations with e-mail and password, staff with a token) and
// sign up of an organisation.

import {h, add, put, usccProblem} from './util.js';
import {t} from './i18n.js';
import {api, setCsrf} from './api.js';
import {app} from './state.js';
import {plainField, fieldsRoot, placeErrors, clearErrors, showSummary, attachUscc, failInto} from './form.js';

function signedIn(data) {
  setCsrf(data.csrf_token);
  app.me = data.account;
  location.hash = app.isStaff() ? '#/queue' : app.me.role === 'applicant' ? '#/apps' : '#/';
}

function showPw(...inputs) {
  return plainField(t('show_password'), {type: 'checkbox', onchange: (e) => {
    for (const i of inputs) i.type = e.target.checked ? 'text' : 'password';
  }});
}

// Runs a form's request with its button disabled; errors go to the summary
// and, by JSON Pointer, next to the fields.
async function run(form, root, summary, fn, messages = {}) {
  const btn = form.querySelector('button[type=submit]');
  clearErrors(root);
  summary.hidden = true;
  btn.disabled = true;
  try {
    await fn();
  } catch (e) {
    failInto(summary, root, e, messages[e.status]);
  } finally {
    btn.disabled = false;
  }
}

const summaryBox = () => h('div.alert.error', {role: 'alert', tabindex: -1, hidden: true});

export function signin(page) {
  add(page, h('h1', t('signin')));

  const email = plainField(t('email'), {type: 'email', autocomplete: 'username', required: true});
  const pw = plainField(t('password'), {type: 'password', autocomplete: 'current-password', required: true});
  const sum1 = summaryBox();
  const f1 = h('form.stack', {novalidate: true}, sum1, email.el, pw.el, showPw(pw.input).el,
    h('button.primary', {type: 'submit'}, t('signin')));
  const r1 = fieldsRoot(f1, {email, password: pw});
  f1.addEventListener('submit', (e) => {
    e.preventDefault();
    run(f1, r1, sum1, async () => {
      const r = await api('POST', '/v1/session', {email: email.input.value.trim(), password: pw.input.value});
      signedIn(r.data);
    }, {401: t('bad_login'), 429: t('too_many')});
  });

  const token = plainField(t('token'), {type: 'password', autocomplete: 'off', spellcheck: 'false', required: true}, t('staff_help'));
  const sum2 = summaryBox();
  const f2 = h('form.stack', {novalidate: true}, sum2, token.el, h('button.primary', {type: 'submit'}, t('signin')));
  const r2 = fieldsRoot(f2, {token});
  f2.addEventListener('submit', (e) => {
    e.preventDefault();
    run(f2, r2, sum2, async () => {
      const r = await api('POST', '/v1/session', {token: token.input.value.trim()});
      signedIn(r.data);
    }, {401: t('bad_token'), 429: t('too_many')});
  });

  add(page, h('div.two',
    h('section.panel', h('h2', t('applicant_signin')), f1,
      h('p', t('no_account'), ' ', h('a', {href: '#/signup'}, t('signup'))),
      h('p.help', t('forgot_password'))),
    h('section.panel', h('h2', t('staff_signin')), f2)));
}

function strength(pw) {
  const n = [...pw].length;
  if (n < 12) return ['pw_short', 'warn'];
  const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z\d]/].filter((re) => re.test(pw)).length;
  return n >= 16 || kinds >= 3 ? ['pw_strong', 'ok'] : ['pw_ok', 'ok'];
}

export function signup(page) {
  add(page, h('h1', t('signup')));
  const name = plainField(t('org_name'), {autocomplete: 'organization', maxlength: 200, required: true});
  const uscc = plainField(t('uscc'), {class: 'code', maxlength: 18, autocomplete: 'off', spellcheck: 'false', required: true}, t('uscc_help'));
  const usccLive = h('p.live', {id: uscc.input.id + 'l', 'aria-live': 'polite'});
  uscc.input.after(usccLive);
  uscc.input.setAttribute('aria-describedby', `${uscc.input.id}h ${usccLive.id}`);
  attachUscc(uscc.input, usccLive);
  const email = plainField(t('email'), {type: 'email', autocomplete: 'email', required: true});
  const pw = plainField(t('password'), {type: 'password', autocomplete: 'new-password', required: true}, t('pw_help'));
  const meter = h('p.live', {id: pw.input.id + 'l', 'aria-live': 'polite'});
  pw.input.after(meter);
  pw.input.setAttribute('aria-describedby', `${pw.input.id}h ${meter.id}`);
  pw.input.addEventListener('input', () => {
    const v = pw.input.value;
    const [key, cls] = strength(v);
    meter.textContent = v ? t(key, [...v].length) : '';
    meter.className = `live ${cls}`;
  });
  const sum = summaryBox();
  const form = h('form.stack', {novalidate: true}, sum, name.el, uscc.el, email.el, pw.el, showPw(pw.input).el,
    h('button.primary', {type: 'submit'}, t('signup')));
  const root = fieldsRoot(form, {name, uscc, email, password: pw});
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = {
      name: name.input.value.trim(),
      uscc: uscc.input.value.trim(),
      email: email.input.value.trim(),
      password: pw.input.value,
    };
    const local = [];
    const p = usccProblem(body.uscc);
    if (!body.name) local.push({pointer: '/name', detail: t('required')});
    if (p) local.push({pointer: '/uscc', detail: t(...p)});
    if (!/^[^@\s]+@[^@\s]+$/.test(body.email)) local.push({pointer: '/email', detail: t('email_bad')});
    if ([...body.password].length < 12) local.push({pointer: '/password', detail: t('pw_short', [...body.password].length)});
    if (local.length) {
      clearErrors(root);
      showSummary(sum, placeErrors(root, local), t('fix_first'));
      // The error next to a field says what its live line said: once.
      if (p) usccLive.textContent = '';
      if (local.some((x) => x.pointer === '/password')) meter.textContent = '';
      return;
    }
    run(form, root, sum, async () => {
      const r = await api('POST', '/v1/signup', body);
      signedIn(r.data);
    }, {429: t('too_many')});
  });
  add(page, h('section.panel.narrow', form,
    h('p', t('have_account'), ' ', h('a', {href: '#/signin'}, t('signin')))));
}


// #/reset/{code}: the one-time link an administrator gave sets a new
// password (every session of the account ends); then sign in with it.
export function reset(page, code) {
  add(page, h('h1', t('reset_title')), h('p.lead', t('reset_intro')));
  const pw = plainField(t('new_password'), {type: 'password', autocomplete: 'new-password', required: true}, t('pw_help'));
  const again = plainField(t('new_password_again'), {type: 'password', autocomplete: 'new-password', required: true});
  const sum = summaryBox();
  const form = h('form.stack', {novalidate: true}, sum, pw.el, again.el, showPw(pw.input, again.input).el,
    h('button.primary', {type: 'submit'}, t('reset_do')));
  const root = fieldsRoot(form, {password: pw, password_again: again});
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const local = [];
    const v = pw.input.value;
    if ([...v].length < 12) local.push({pointer: '/password', detail: t('pw_short', [...v].length)});
    else if (again.input.value !== v) local.push({pointer: '/password_again', detail: t('pw_differ')});
    clearErrors(root);
    if (local.length) {
      showSummary(sum, placeErrors(root, local), t('fix_first'));
      return;
    }
    run(form, root, sum, async () => {
      await api('POST', '/v1/password-reset', {code, password: v});
      app.me = null;
      app.flash = {kind: 'ok', text: t('reset_ok')};
      location.hash = '#/signin';
    }, {429: t('too_many')});
  });
  add(page, h('section.panel.narrow', form));
}

// The signed-in account's password, changed (its other sessions end).
export function passwordSection() {
  const cur = plainField(t('current_password'), {type: 'password', autocomplete: 'current-password', required: true});
  const pw = plainField(t('new_password'), {type: 'password', autocomplete: 'new-password', required: true}, t('pw_help'));
  const sum = summaryBox();
  const said = h('div', {role: 'status'});
  const form = h('form.stack', {novalidate: true}, sum, cur.el, pw.el, showPw(cur.input, pw.input).el,
    h('button.primary', {type: 'submit'}, t('change_password')));
  const root = fieldsRoot(form, {current_password: cur, password: pw});
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    put(said);
    run(form, root, sum, async () => {
      const r = await api('POST', '/v1/account/password', {current_password: cur.input.value, password: pw.input.value});
      cur.input.value = '';
      pw.input.value = '';
      put(said, h('div.alert.ok', t('password_changed', r.data.sessions_ended)));
    }, {429: t('too_many')});
  });
  return h('section', h('h2', t('change_password')), form, said);
}
