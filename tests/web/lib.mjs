// What the browser tests share: Chromium, one browser context per person,
// and the checks every page shown must pass.
//
// Each page is watched from its creation: a console error or warning, an
// uncaught exception, or a "Failed to load resource" line is a problem,
// except the last for a 4xx answer the test declared it expects
// (Person.expect(status, method, path)).  Person.look(name) takes the
// screenshots at 1280 and 375 px and checks that every form control has a
// label and that nothing scrolls sideways at 375 px.  Person.clean()
// throws with everything found so far.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {it} from 'node:test';

import {chromium} from 'playwright-core';

export const WIDE = {width: 1280, height: 900};
export const NARROW = {width: 375, height: 812};

// What the brief for this machine's Chromium asks for; headless comes from
// the launch option.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launch(executablePath) {
  // launch() gives the browser a fresh temporary profile (user data dir).
  return chromium.launch({executablePath, headless: true, args: ARGS, timeout: 60000});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let shotSeq = 0;
export function clearScreenshots(dir) {
  fs.mkdirSync(dir, {recursive: true});
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.png')) fs.rmSync(path.join(dir, f));
}

// One person with a browser context (own cookies and localStorage) and a page.
export class Person {
  constructor(name, env, browser) {
    this.name = name;
    this.env = env;
    this.browser = browser;
    this.base = env.server.base;
    this.problems = [];
    this.allowed = [];   // [{status, method, path: RegExp}]
    this.answers = [];   // 4xx/5xx responses seen: {status, method, path}
    this.inflight = 0;
  }

  async open() {
    this.context = await this.browser.newContext({
      viewport: WIDE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true,
    });
    // The page's clock says what the server's says, so defaults such as the
    // round are those of the test's day (timers keep running).
    await this.context.clock.setFixedTime(new Date(this.env.clock));
    this.context.setDefaultTimeout(15000);
    this.page = await this.context.newPage();
    const page = this.page;
    page.on('console', (m) => this.onConsole(m));
    page.on('pageerror', (e) => this.problems.push(`uncaught exception: ${e.message}`));
    page.on('request', () => { this.inflight++; });
    const done = () => { this.inflight = Math.max(0, this.inflight - 1); };
    page.on('requestfinished', done);
    page.on('requestfailed', async (r) => {
      done();
      const why = r.failure()?.errorText;
      // Chromium ends a fetch answered "204 No Content" as net::ERR_ABORTED
      // after its response (the page's fetch resolves normally); a blob
      // handed to a download is not a request that can fail.
      if (r.url().startsWith('blob:')) return;
      if (why === 'net::ERR_ABORTED') {
        const res = await r.response().catch(() => null);
        if (res && res.status() === 204) return;
      }
      this.problems.push(`request failed: ${r.method()} ${r.url()} ${why}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) this.answers.push({status: r.status(), method: r.request().method(), path: new URL(r.url()).pathname});
    });
    return this;
  }

  onConsole(m) {
    const type = m.type();
    if (type !== 'error' && type !== 'warning' && type !== 'assert') return;
    const text = m.text();
    const url = m.location()?.url || '';
    const failed = text.match(/^Failed to load resource: the server responded with a status of (\d{3})\b/);
    if (failed && url.startsWith(this.base)) {
      const status = Number(failed[1]);
      const p = new URL(url).pathname;
      if (status >= 400 && status < 500 && this.allowed.some((a) => a.status === status && a.path.test(p))) return;
    }
    this.problems.push(`console ${type}: ${text}${url ? ` (${url})` : ''}`);
  }

  // The test expects this 4xx answer: its "Failed to load resource" line is
  // not a problem.  The method is checked against the responses seen.
  expect(status, method, pathRe) {
    assert.ok(status >= 400 && status < 500, 'only 4xx answers can be expected');
    this.allowed.push({status, method, path: pathRe});
  }

  // Asserts that the expected 4xx came, with that method.
  sawAnswer(status, method, pathRe) {
    assert.ok(this.answers.some((a) => a.status === status && a.method === method && pathRe.test(a.path)),
      `expected a ${status} answer to ${method} ${pathRe}; saw ${JSON.stringify(this.answers)}`);
  }

  // Throws with every problem seen since the last call; forgets the
  // expected answers.
  clean() {
    const p = this.problems.splice(0);
    this.allowed = [];
    this.answers = [];
    assert.deepEqual(p, [], `${this.name}: problems in the browser`);
  }

  // Waits until no request is in flight for a while and the page has its h1.
  async settle() {
    const page = this.page;
    await page.locator('main .page h1').first().waitFor({state: 'attached'});
    let quiet = 0;
    const deadline = Date.now() + 15000;
    while (quiet < 3 && Date.now() < deadline) {
      await sleep(60);
      quiet = this.inflight === 0 ? quiet + 1 : 0;
    }
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }

  // Opens a route: a new hash on the loaded app (the old page must go), the
  // same hash again by reloading, else by loading the page.
  async go(hash) {
    const page = this.page;
    if (page.url().startsWith(this.base) && hash.startsWith('#')) {
      const same = await page.evaluate((h) => {
        if (location.hash === h) return true;
        const old = document.querySelector('main .page');
        if (old) old.dataset.old = '1';
        location.hash = h;
        return false;
      }, hash);
      if (same) await page.reload();
      else await page.waitForFunction(() => !document.querySelector('main .page[data-old]'));
    } else {
      await page.goto(`${this.base}/${hash}`);
    }
    await this.settle();
  }

  // Screenshots at 1280 and 375 px, and the checks of a shown page.
  async look(name) {
    const page = this.page;
    await this.settle();
    const n = String(++shotSeq).padStart(2, '0');
    const slug = `${n}-${name}`;
    const missing = await unlabelled(page);
    assert.deepEqual(missing, [], `${name}: form controls without a label`);
    const latin = await latinWords(page);
    if (latin.length) fs.appendFileSync(path.join(this.env.screenshots, 'latin.txt'), `${slug}: ${latin.join(' ')}\n`);
    assert.deepEqual(latin, [], `${name}: English words on a Chinese page`);
    await page.screenshot({path: path.join(this.env.screenshots, `${slug}-1280.png`), fullPage: true});
    await page.setViewportSize(NARROW);
    try {
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const o = await overflow(page, NARROW.width);
      assert.ok(o.scrollWidth <= NARROW.width,
        `${name}: scrolls sideways at ${NARROW.width} px (scrollWidth ${o.scrollWidth}); sticking out: ${o.culprits.join('; ')}`);
      await page.screenshot({path: path.join(this.env.screenshots, `${slug}-375.png`), fullPage: true});
    } finally {
      await page.setViewportSize(WIDE);
    }
  }

  async close() {
    if (this.context) await this.context.close().catch(() => {});
    this.context = null;
  }
}

// The Latin words a Chinese page shows: in its visible text and its
// placeholders, titles and labels for assistive technology, outside code,
// what is marked translate="no" (what people typed: names, brands, file
// names) and what is in another language (the switch to English).  A token
// with a digit, a dot, an @ or a hyphen is a code, a file or an address, not
// a word; LATIN_OK are the codes and units a Chinese page may show.
export const LATIN_OK = new Set(['API', 'CSV', 'Excel', 'WPS', 'PDF', 'OFD', 'JPEG', 'PNG', 'MiB', 'KiB',
  'GB', 'SHA', 'JSON', 'JWS', 'Authorization', 'Bearer', 'curl', 'USCC', 'HTTP', 'URL',
  // the names of the standards the API reference is written in
  'OpenAPI', 'Schema', 'Prometheus', 'RFC']);
export function latinWords(page) {
  return page.evaluate((ok) => {
    if (document.documentElement.lang !== 'zh-CN') return [];
    const skip = 'code, pre, kbd, samp, script, style, [translate="no"], [lang]:not([lang^="zh"]), [hidden]';
    const out = new Set();
    const words = (text) => {
      for (const tok of text.split(/[\s\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef()（）“”"'‘’,;:!?、·|›—–→✓✗＋✕]+/)) {
        if (/^[A-Za-z]{2,}$/.test(tok) && !ok.includes(tok)) out.add(tok);
      }
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
      acceptNode(n) {
        const p = n.parentElement;
        if (!p || p.closest(skip)) return NodeFilter.FILTER_REJECT;
        return p.getClientRects().length ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
      },
    });
    while (walker.nextNode()) words(walker.currentNode.textContent);
    for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
      if (el.closest(skip)) continue;
      for (const a of ['placeholder', 'title', 'aria-label']) words(el.getAttribute(a) || '');
    }
    return [...out].sort();
  }, [...LATIN_OK]);
}

// Form controls with no label: no <label> with text, no aria-label, no
// aria-labelledby naming an element with text.
export function unlabelled(page) {
  return page.evaluate(() => {
    const skip = new Set(['hidden', 'submit', 'button', 'reset', 'image']);
    const text = (el) => (el ? el.textContent.trim() : '');
    return [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => !skip.has((el.getAttribute('type') || '').toLowerCase()))
      .filter((el) => {
        if ([...(el.labels || [])].some((l) => text(l))) return false;
        if ((el.getAttribute('aria-label') || '').trim()) return false;
        const by = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
        return !by.some((id) => text(document.getElementById(id)));
      })
      .map((el) => el.outerHTML.slice(0, 160));
  });
}

// The document's scroll width and, when it is too wide, the elements that
// stick out.
function overflow(page, width) {
  return page.evaluate((w) => {
    const sw = document.documentElement.scrollWidth;
    if (sw <= w) return {scrollWidth: sw, culprits: []};
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > w + 0.5 && ![...el.children].some((c) => c.getBoundingClientRect().right > w + 0.5)) {
        out.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).replace(/\s+/g, '.') : ''} right=${Math.round(r.right)} "${el.textContent.trim().slice(0, 40)}"`);
      }
      if (out.length >= 8) break;
    }
    return {scrollWidth: sw, culprits: out};
  }, width);
}

// ---- filling forms by their labels ----

// A fieldset (or row) found by its legend's text, inside scope.
export function group(scope, legend) {
  return scope.locator('fieldset').filter({has: scope.page().locator(':scope > legend', {hasText: exactText(legend)})}).first();
}

// One row of a repeated item: the n-th (from 1) li.row of the array whose
// legend is `legend`.
export function row(scope, legend, n) {
  return group(scope, legend).locator(':scope > ol.rows > li.row').nth(n - 1);
}

export const exactText = (s) => new RegExp(`^\\s*${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);

// The control labelled exactly `label` inside scope.
export const field = (scope, label) => scope.getByLabel(label, {exact: true});

// Fills the controls named by their labels: strings into text inputs,
// textareas and dates, booleans into checkboxes, {option} into selects.
export async function fill(scope, values) {
  for (const [label, v] of Object.entries(values)) {
    const c = field(scope, label);
    if (typeof v === 'boolean') await c.setChecked(v);
    else if (v && typeof v === 'object' && 'option' in v) await c.selectOption({label: v.option});
    else await c.fill(String(v));
  }
}

// The value (fen) typed as yuan, the way a clerk writes it: "1,234,567.89".
export function yuan(fen) {
  const y = BigInt(fen) / 100n, f = BigInt(fen) % 100n;
  const s = y.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return f ? `${s}.${f.toString().padStart(2, '0')}` : s;
}

// A valid USCC from its first 17 characters (GB 32100-2015).
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export function uscc(first17) {
  let sum = 0, w = 1;
  for (const c of first17) {
    sum += CHARSET.indexOf(c) * w;
    w = (w * 3) % 31;
  }
  return first17 + CHARSET[(31 - (sum % 31)) % 31];
}
export const flipCheck = (code) => code.slice(0, 17) + CHARSET[(CHARSET.indexOf(code[17]) + 1) % 31];

// ---- helpers over a person's page ----

export const main = (p) => p.page.locator('main');
export const h1 = (p) => p.page.locator('main h1').first();

// The visible text of the error shown next to the control labelled `label`.
export async function errorNextTo(scope, label) {
  const box = field(scope, label).locator('xpath=ancestor::div[contains(@class,"field")][1]');
  const err = box.locator(':scope > p.err');
  await err.waitFor({state: 'visible'});
  assert.equal(await field(scope, label).getAttribute('aria-invalid'), 'true', `${label}: aria-invalid`);
  return (await err.textContent()).trim();
}

// The error shown for a group of controls (a fieldset) by its legend.
export async function errorOfGroup(scope, legend) {
  const err = group(scope, legend).locator(':scope > p.err');
  await err.waitFor({state: 'visible'});
  return (await err.textContent()).trim();
}

// GET of the API with the page's session (a GET needs no CSRF token).
export function apiGet(p, path) {
  return p.page.evaluate(async (u) => {
    const r = await fetch(u, {credentials: 'same-origin'});
    return {status: r.status, body: await r.json()};
  }, path);
}

// A POST of the API with the page's session and its CSRF token (the
// `sb_csrf` cookie), as the pages send it.
export function apiPost(p, path, body) {
  return p.page.evaluate(async ([u, b]) => {
    const m = document.cookie.match(/(?:^|;\s*)sb_csrf=([^;]*)/);
    const headers = {'Content-Type': 'application/json'};
    if (m) headers['X-CSRF-Token'] = decodeURIComponent(m[1]);
    const r = await fetch(u, {method: 'POST', credentials: 'same-origin', headers, body: JSON.stringify(b)});
    return {status: r.status, body: await r.json().catch(() => null)};
  }, [path, body]);
}

// Uploads a small PDF for every material type application `id` still needs
// (the API the form's materials section uses), as the signed-in person;
// returns the types uploaded.
export function attachMaterials(p, id) {
  return p.page.evaluate(async (appId) => {
    const m = document.cookie.match(/(?:^|;\s*)sb_csrf=([^;]*)/);
    const csrf = m ? {'X-CSRF-Token': decodeURIComponent(m[1])} : {};
    const path = `/v1/applications/${appId}/materials`;
    const list = await (await fetch(path, {credentials: 'same-origin'})).json();
    for (const type of list.missing) {
      const r = await fetch(`${path}?type=${type}`, {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/pdf', ...csrf}, body: `%PDF-1.4\n% ${type}\n`});
      const text = await r.text(); // read whole: an unread answer is aborted by the next page
      if (r.status !== 201) throw new Error(`upload of ${type}: ${r.status} ${text}`);
    }
    return list.missing;
  }, id);
}

export const appIdFromHash = (p) => {
  const m = new URL(p.page.url()).hash.match(/^#\/(?:edit|app)\/(\d+)$/);
  assert.ok(m, `no application id in ${p.page.url()}`);
  return Number(m[1]);
};

// The form saves itself 1.5 s after typing stops; held (for a day) where a
// test looks at the explicit button or at the browser's own copy.  Per tab
// (sessionStorage): a new context saves by itself.
export async function holdAutosave(p, on = true) {
  await p.page.evaluate((hold) => {
    if (hold) sessionStorage.setItem('shenbao.autosave_ms', String(864e5));
    else sessionStorage.removeItem('shenbao.autosave_ms');
  }, on);
}

export async function saveDraft(p) {
  await p.page.getByRole('button', {name: '保存草稿', exact: true}).click();
  await p.settle();
}

// On the confirmation page a submission goes to (#/submit/N): the kind's
// 承诺书 is shown with its version, the box is ticked, and it is sent;
// lands on the application's page.  Returns the version shown.
export async function confirmSubmission(p, {look} = {}) {
  const page = p.page;
  await page.waitForURL(/#\/submit\/\d+$/);
  await p.settle();
  const m = main(p);
  await m.locator('.decl-text').getByText('承诺', {exact: false}).first().waitFor();
  const version = (await m.locator('form.declaration p.meta').textContent()).replace(/^版本：/, '').trim();
  if (look) await p.look(look);
  await m.getByLabel('本单位已阅读并同意上述承诺书', {exact: false}).check();
  await m.getByRole('button', {name: '确认并提交', exact: true}).click();
  await page.waitForURL(/#\/app\/\d+$/);
  await p.settle();
  return version;
}

// Signs a member of staff in with an access token; lands on the queue.
export async function staffSignIn(p, token) {
  await p.go('#/signin');
  const staff = main(p).locator('section.panel').filter({hasText: '审核人员登录'});
  await field(staff, '访问令牌').fill(token);
  await staff.getByRole('button', {name: '登录', exact: true}).click();
  await p.page.waitForURL(/#\/queue$/);
  await p.settle();
}

// ---- steps that build on each other ----

// step(name, fn) registers a test that is skipped once an earlier step of
// the same set failed (the failure already fails the run); person(name)
// opens a browser context of its own; hooks start and stop the browser.
export function steps(env, {failed}) {
  let browser = null;
  const people = [];
  let broken = null;

  async function person(name) {
    const p = await new Person(name, env, browser).open();
    people.push(p);
    return p;
  }

  function step(name, fn) {
    it(name, async (t) => {
      if (broken) {
        t.skip(`an earlier step failed: ${broken}`);
        return;
      }
      try {
        await fn(t);
        for (const p of people) p.clean();
      } catch (e) {
        broken = name;
        failed();
        for (const p of people) p.problems.splice(0);
        throw e;
      }
    });
  }

  const hooks = {
    broken(what) { broken = broken || what; },
    async start() {
      browser = await launch(env.chromium);
    },
    async stop() {
      for (const p of people.splice(0)) await p.close();
      if (browser) await browser.close().catch(() => {});
      browser = null;
    },
  };
  return {step, person, hooks};
}
