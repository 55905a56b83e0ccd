// The browser tests: one organisation's way from sign-up to a checked
// certificate, and the people it meets on the way.  The steps run in order
// and build on each other; after a failed step the later ones are skipped
// (the failure already fails the run).
//
// People (each with a browser context of their own): the clerk of an
// incubator that signs up, the district reviewer of Haidian (110108), the
// municipal reviewer of the science and technology commission, and a
// member of the public.  The server's clock stands at 2020-09-29 10:00
// Beijing time (run.mjs) and so does each page's.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {NARROW, WIDE, group, row, field, fill, yuan, uscc, flipCheck,
  steps, main, h1, errorNextTo, errorOfGroup, apiGet, appIdFromHash, saveDraft, holdAutosave, staffSignIn, confirmSubmission, latinWords} from './lib.mjs';

// ---- the organisation and what it declares ----

const ORG = {
  name: '北京海淀星火科技孵化器有限公司',
  uscc: uscc('91110108MA01W7XK3'),
  email: 'clerk@xinghuo-incubator.example.cn',
  password: 'Xinghuo-Apply-2020',
};

const DIVISIONS = ['110108', '110105', '110102', '110114', '110106'];
// Twenty-two incubatees registered in Beijing: small, hard-tech, some
// invested (two by the incubator), most with IP.
const INCUBATEES = Array.from({length: 22}, (_, i) => ({
  name: `北京星火第${i + 1}号科技有限公司`,
  uscc: uscc(`91${DIVISIONS[i % 5]}MA01${'ABCDEFGHJKLMNPQRTUWXY0'[i]}${i % 10}XKY`),
  employees: 12 + 3 * i,
  revenue_fen: (150 + 20 * i) * 1000000,
  hard_tech: true,
  prohibited_catalogue: false,
  invested: i < 10,
  invested_by_incubator: i < 2,
  ip_applied: i < 16,
  ip_valid: i % 3 === 0,
}));

const INCUBATOR = {
  registered_on: '2016-05-18',
  field: '人工智能',
  services: ['专业平台服务', '资源对接服务'],
  total_revenue_fen: 1000000000,
  service_revenue_fen: [300000000, 360000000, 420000000],
  mentor_sessions: 68,
  team: '运营团队共 12 人，负责人曾任人工智能企业技术总监，具有十年早期项目投资经验。',
  incubatee_revenue_fen: [8000000000, 9600000000, 11040000000],
};

// Tourism groups of the award year 2019 (awards are applied for after the
// year): outbound (organised) 2,000 + 3,000 = 5,000 person-days; reception
// 5,000 + 3,000 = 8,000.
const GROUPS = [
  {type: '自组外联', tourists: 200, start: '2019-04-06', end: '2019-04-15'},
  {type: '自组外联', tourists: 300, start: '2019-09-01', end: '2019-09-10'},
  {type: '受托接待', tourists: 150, start: '2019-10-01', end: '2019-10-20'},
];

const APP = /^\/v1\/applications(?:\/\d+)?$/;

// ---- the day's work at Haidian's desk, put there through the API ----

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'api', 'examples');
const example = (kind) => JSON.parse(fs.readFileSync(path.join(EXAMPLES, `${kind}.json`), 'utf8'));

// One request of the API as `token` (node:http: Node's fetch still warns).
// A Buffer body is sent as it is, as a PDF (a material).
function call(env, token, method, p, body) {
  const raw = Buffer.isBuffer(body);
  const data = body === undefined ? null : raw ? body : Buffer.from(JSON.stringify(body));
  const type = raw ? 'application/pdf' : 'application/json';
  return new Promise((resolve, reject) => {
    const req = http.request(`${env.server.base}${p}`, {
      method,
      headers: {Authorization: `Bearer ${token}`, ...(data ? {'Content-Type': type, 'Content-Length': data.length} : {})},
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({status: res.statusCode, body: json});
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

async function must(env, token, method, p, body, status = 200) {
  const r = await call(env, token, method, p, body);
  assert.equal(r.status, status, `${method} ${p}: ${JSON.stringify(r.body)}`);
  return r.body;
}

// A small PDF for every material type application `id` still needs.
async function attach(env, token, id) {
  const list = await must(env, token, 'GET', `/v1/applications/${id}/materials`);
  for (const type of list.missing) {
    await must(env, token, 'POST', `/v1/applications/${id}/materials?type=${type}`, Buffer.from(`%PDF-1.4\n% ${type}\n`), 201);
  }
}

// An applicant organisation of Haidian: its token.
function organisation(env, name, code17) {
  const out = env.server.cli(['account', 'add', '--config', env.server.config, '--role', 'applicant',
    '--name', name, '--uscc', uscc(code17)]);
  return out.trim().split('\n').pop().trim();
}

// The oldest in the district's worklist: an incubator whose 7th incubatee
// has 120 employees, so only 19 qualify (the check names row 7).
const FAILING = {name: '北京海淀最早孵化器有限公司', code: '91110108MA01ADLT1'};

// ---- helpers over a person's page ----

// Polls the server until the application satisfies pred (the form saves
// itself a moment after typing stops); returns it.
async function serverHas(p, id, pred, what = pred.toString()) {
  let last = null;
  for (let i = 0; i < 100; i++) {
    last = (await apiGet(p, `/v1/applications/${id}`)).body;
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`application ${id} never came to ${what}: ${JSON.stringify(last).slice(0, 400)}`);
}

async function localDraftKeys(p) {
  return p.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('shenbao.draft.')));
}

async function tuple(scope, legend, fens, round = 2020) {
  const g = group(scope, legend);
  for (let i = 0; i < fens.length; i++) await field(g, `${round - fens.length + i} 年`).fill(yuan(fens[i]));
}

// ---- the tests ----

export function register(env, {failed}) {
  const {step, person, hooks} = steps(env, {failed});
  const s = {};   // what the steps hand on: ids, serial, the downloaded file

  step('public pages: start page, notices and check work signed out, in both languages, keyboard first', async () => {
    const pub = s.pub = await person('public');
    await pub.go('#/');
    assert.equal(await h1(pub).textContent(), '北京市项目申报');
    assert.equal(await pub.page.title(), '北京市项目申报', 'the site\'s name once');
    await pub.look('start');
    // Every look() scans a Chinese page for English words: the scan finds
    // one put there, in the text and in a label, and not in a code or in what
    // people typed.
    const planted = await pub.page.evaluate(() => {
      const h1 = document.querySelector('main h1');
      const add = (html) => { const x = document.createElement('span'); x.innerHTML = html; h1.append(x); return x; };
      return [add(' Draft <code>incubator</code> <span translate="no">Maison Exemple</span> 91110108MA01W7XK3R a.pdf'),
        add('<button type="button" aria-label="删除 Remove">×</button>')].length;
    });
    assert.equal(planted, 2);
    assert.deepEqual(await latinWords(pub.page), ['Draft', 'Remove']);
    await pub.page.reload();
    await pub.settle();
    // The first Tab reaches the skip link, which moves to the content.
    await pub.page.keyboard.press('Tab');
    assert.equal(await pub.page.evaluate(() => document.activeElement.className), 'skip');
    await pub.page.keyboard.press('Enter');
    assert.equal(await pub.page.evaluate(() => document.activeElement.id), 'main');

    await pub.go('#/notices');
    assert.equal(await h1(pub).textContent(), '公示');
    await main(pub).getByText('目前没有公示。').waitFor();
    await pub.look('notices-empty');

    await pub.go('#/check');
    assert.equal(await h1(pub).textContent(), '证书查验');
    // The language switch: English and back, on the same page, focus kept.
    await pub.page.getByRole('button', {name: 'Switch to English'}).click();
    await pub.settle();
    assert.equal(await h1(pub).textContent(), 'Check a certificate');
    assert.equal(await pub.page.evaluate(() => document.documentElement.lang), 'en');
    assert.equal(await pub.page.evaluate(() => document.activeElement.className), 'lang');
    await main(pub).getByLabel('Serial', {exact: true}).waitFor();
    await pub.look('check-english');
    await pub.page.getByRole('button', {name: '切换到中文'}).click();
    await pub.settle();
    assert.equal(await h1(pub).textContent(), '证书查验');
    assert.equal(await pub.page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await pub.look('check');
  });

  step('sign-up: the USCC check character is checked as it is typed; the organisation signs up and in', async () => {
    const clerk = s.clerk = await person('applicant');
    const page = clerk.page;
    await clerk.go('#/signup');
    // The forms of the next steps are saved with the button (and versions
    // counted); the form saving itself is tested on its own below.
    await holdAutosave(clerk);
    await clerk.look('signup');
    let posted = 0;
    page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/v1/signup')) posted++; });
    const m = main(clerk);
    await field(m, '单位名称（与营业执照一致）').fill(ORG.name);
    const code = field(m, '统一社会信用代码');
    const wrong = flipCheck(ORG.uscc);
    await code.pressSequentially(wrong.toLowerCase(), {delay: 5});
    assert.equal(await code.inputValue(), wrong, 'typed in lower case, shown in upper case');
    const live = m.locator(`#${await code.getAttribute('id')}l`);
    assert.equal((await live.textContent()).trim(), `校验码不符：按前 17 位，最后一位应为 ${ORG.uscc[17]}。请核对。`);
    assert.match(await live.getAttribute('class'), /\bwarn\b/);
    // A password too short is said once, next to the field, not again in its meter.
    await fill(m, {联系邮箱: ORG.email, 密码: 'short'});
    await page.getByRole('button', {name: '注册', exact: true}).click();
    assert.equal(await errorNextTo(m, '密码'), '太短：5/12 个字符。');
    const meter = m.locator(`#${await field(m, '密码').getAttribute('id')}l`);
    assert.equal((await meter.textContent()).trim(), '', 'the password\'s problem said once');
    await fill(m, {密码: ORG.password});
    await page.getByRole('button', {name: '注册', exact: true}).click();
    assert.match(await errorNextTo(m, '统一社会信用代码'), /校验码不符/);
    assert.equal((await live.textContent()).trim(), '', 'said once, next to the field');
    assert.equal(posted, 0, 'a code with a wrong check character is not sent');
    await clerk.look('signup-uscc-error');

    await code.fill('');
    await code.pressSequentially(ORG.uscc, {delay: 5});
    assert.equal((await live.textContent()).trim(), '校验码正确。');
    await page.getByRole('button', {name: '注册', exact: true}).click();
    await page.waitForURL(/#\/apps$/);
    await clerk.settle();
    assert.equal(posted, 1);
    assert.equal(await h1(clerk).textContent(), '我的申报');
    await m.getByText('还没有申报。').waitFor();
    await clerk.look('my-applications-empty');

    // Signing out and in again; a wrong password is told plainly.
    await page.getByRole('button', {name: '退出'}).click();
    await clerk.settle();
    await clerk.go('#/signin');
    const org = m.locator('section.panel').filter({hasText: '申报单位登录'});
    await fill(org, {联系邮箱: ORG.email, 密码: 'not-the-password'});
    clerk.expect(401, 'POST', /^\/v1\/session$/);
    await org.getByRole('button', {name: '登录', exact: true}).click();
    await org.getByText('邮箱或密码不正确。').waitFor();
    clerk.sawAnswer(401, 'POST', /^\/v1\/session$/);
    await clerk.look('signin-wrong-password');
    await field(org, '密码').fill(ORG.password);
    await org.getByRole('button', {name: '登录', exact: true}).click();
    await page.waitForURL(/#\/apps$/);
    await clerk.settle();
    await page.locator('header .who').getByText(`已登录：${ORG.name}`).waitFor();
  });

  step('incubator: every field filled through the form, money in yuan, 22 incubatee rows; saved as a draft', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    await clerk.go('#/apps');
    await page.getByRole('link', {name: /科技企业孵化器认定/}).first().click();
    await page.waitForURL(/#\/new\/incubator$/);
    await clerk.settle();
    const m = main(clerk);
    assert.equal(await h1(clerk).textContent(), '新建申报：北京市科技企业孵化器认定');
    // Filled in from the account and the day: name, code, round, district.
    const applicant = group(m, '申报单位');
    assert.equal(await field(applicant, '申报单位名称').inputValue(), ORG.name);
    assert.equal(await field(applicant, '统一社会信用代码').inputValue(), ORG.uscc);
    assert.equal(await field(applicant, '统一社会信用代码').getAttribute('readonly'), '');
    assert.equal(await field(m, '申报年度').inputValue(), '2020');
    assert.equal(await field(m, '初审单位').inputValue(), '110108');

    await fill(m, {
      注册登记日期: INCUBATOR.registered_on,
      具有良好的诚信记录: true,
      孵化服务领域: {option: INCUBATOR.field},
      '上年度总收入（元）': yuan(INCUBATOR.total_revenue_fen),
      导师服务人次: String(INCUBATOR.mentor_sessions),
      设立天使或创业投资基金或以自有资金投资: true,
      '专业化、职业化的运营团队': true,
      运营团队情况: INCUBATOR.team,
    });
    const hint = m.locator(`#${await field(m, '上年度总收入（元）').getAttribute('id')}l`);
    assert.equal((await hint.textContent()).trim(), '= 10,000,000.00 元');
    for (const sv of INCUBATOR.services) await field(group(m, '专业服务'), sv).check();
    await tuple(m, '专业服务收入（元）', INCUBATOR.service_revenue_fen);
    await tuple(m, '在孵企业营业收入（元）', INCUBATOR.incubatee_revenue_fen);

    const add = group(m, '在孵企业').getByRole('button', {name: '＋ 添加在孵企业'});
    for (let i = 0; i < INCUBATEES.length; i++) {
      const x = INCUBATEES[i];
      await add.click();
      const r = row(m, '在孵企业', i + 1);
      assert.equal(await r.locator(':scope > fieldset > legend').textContent(), `在孵企业 ${i + 1}`);
      await fill(r, {
        企业名称: x.name,
        统一社会信用代码: x.uscc,
        从业人员总数: String(x.employees),
        '上年度营业收入（元）': yuan(x.revenue_fen),
        '“硬科技”创新企业': x.hard_tech,
        主营业务属于禁止和限制目录: x.prohibited_catalogue,
        上年度获得投资: x.invested,
        孵化器投资: x.invested_by_incubator,
        已申请知识产权: x.ip_applied,
        拥有有效知识产权: x.ip_valid,
      });
    }
    // A row added by mistake is removed again.
    await add.click();
    await row(m, '在孵企业', INCUBATEES.length + 1).getByRole('button', {name: `✕ 删除第 ${INCUBATEES.length + 1} 行`}).click();
    assert.equal(await group(m, '在孵企业').locator(':scope > ol.rows > li.row').count(), INCUBATEES.length);

    await saveDraft(clerk);
    await page.waitForURL(/#\/edit\/\d+$/);
    await m.getByText('已保存（版本 1）', {exact: false}).waitFor();
    s.incubator = appIdFromHash(clerk);
    // Said in the sticky bar too, where the clerk pressed the button.
    await m.locator('.actions .keptnote').getByText('已保存到服务器（版本 1）', {exact: false}).waitFor();
    // The checks the reviewers will see, before submitting.
    await m.getByText('全部条件符合。').waitFor();
    await m.getByText('本类申报没有金额；批准后颁发证书，有效期 3 年。').waitFor();
    assert.deepEqual(await localDraftKeys(clerk), [], 'nothing left in this browser once the server has it');

    const {status, body} = await apiGet(clerk, `/v1/applications/${s.incubator}`);
    assert.equal(status, 200);
    assert.equal(body.status, 'draft');
    assert.equal(body.round, 2020);
    assert.equal(body.review_unit, '110108');
    assert.deepEqual(body.applicant, {name: ORG.name, uscc: ORG.uscc});
    assert.equal(body.data.total_revenue_fen, INCUBATOR.total_revenue_fen);
    assert.deepEqual(body.data.service_revenue_fen, INCUBATOR.service_revenue_fen);
    assert.deepEqual(body.data.incubatee_revenue_fen, INCUBATOR.incubatee_revenue_fen);
    assert.deepEqual(body.data.services, ['platform', 'resource_matching']);
    assert.equal(body.data.field, 'artificial_intelligence');
    assert.equal(body.data.mentor_sessions, INCUBATOR.mentor_sessions);
    assert.deepEqual(body.data.incubatees, INCUBATEES);
    assert.equal(body.eligibility.eligible, true, JSON.stringify(body.eligibility));
    await clerk.look('incubator-form-saved');
  });

  step('first store: the project type shows its own fields; every field filled; saved with the proposed amount', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    await clerk.go('#/new/first_store');
    const m = main(clerk);
    assert.equal(await h1(clerk).textContent(), '新建申报：鼓励发展商业品牌首店项目');
    // Before a project type is chosen, the store's fields are not shown.
    assert.equal(await m.getByLabel('门店名称', {exact: true}).count(), 1);
    assert.equal(await m.getByLabel('门店名称', {exact: true}).isVisible(), false);
    await fill(m, {项目类型: {option: '开设示范首店、旗舰店'}});
    await field(m, '门店名称').waitFor({state: 'visible'});
    await fill(m, {申报主体: {option: '国际品牌'}});
    // An international brand pays rent and fit-out: no licence fee.
    assert.equal(await m.getByLabel('海外版权代理费（元）', {exact: true}).isVisible(), false);
    await fill(m, {申报类别: {option: '北京首店'}, 品牌名称: 'Maison Exemple'});
    await fill(group(m, '门店'), {
      门店名称: 'Maison Exemple 北京首店',
      门店地址: '北京市海淀区中关村大街15号',
      所在区: {option: '海淀区'},
      营业执照注册登记日期: '2019-03-01',
      开业日期: '2019-05-01',
      '门店面积（平方米）': '620',
      超过北京市本品牌其他实体店: true,
      涵盖该品牌一级目录下所有类别: true,
    });
    await fill(m, {'连续12个月房租（元）': '800,000', '店面装修费用（元）': '500,000.00'});
    await fill(group(m, '承诺事项'), {
      项目申报单位为项目实际投资单位: true,
      '未纳入全市联合惩戒“黑名单”': true,
      '未受商务领域不良信用记录“不予支持”惩戒': true,
      不属于禁止和限制目录: true,
      未获得中央及其他市级财政资金支持: true,
    });
    await saveDraft(clerk);
    await page.waitForURL(/#\/edit\/\d+$/);
    await m.getByText('已保存（版本 1）', {exact: false}).waitFor();
    s.firstStore = appIdFromHash(clerk);
    await m.locator('section.award').getByText('拟支持金额').waitFor();
    const {body} = await apiGet(clerk, `/v1/applications/${s.firstStore}`);
    assert.equal(body.data.rent_12m_fen, 80000000);
    assert.equal(body.data.decoration_fen, 50000000);
    assert.equal(body.data.store.district, '110108');
    assert.equal(body.data.store.area_m2, 620);
    assert.equal('license_fee_fen' in body.data, false);
    assert.equal('stores' in body.data, false);
    assert.ok(body.award && body.award.total_fen > 0, JSON.stringify(body.award));
    await m.locator('section.award').getByText(`${yuan(body.award.total_fen)}`, {exact: false}).first().waitFor();
    await clerk.look('first-store-form-saved');
  });

  step('tourism award: groups that do not add up come back from the server next to the total; corrected and saved', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    await clerk.go('#/new/tourism_award');
    const m = main(clerk);
    assert.equal(await field(m, '申报年度').inputValue(), '2019', 'the award year is last year');
    await fill(m, {
      经营入境旅游业务: true,
      行政处罚: {option: '无'},
      重大安全责任事故: false,
      重大群体访事件或重大旅游投诉: false,
      入境外联人天数: '4,500',   // the groups below add up to 5,000
      上年度入境外联人天数: '4,000',
      入境接待人天数: '8,000',
      上年度入境接待人天数: '7,000',
    });
    const groups = group(m, '旅游团队');
    for (let i = 0; i < GROUPS.length; i++) {
      const g = GROUPS[i];
      await groups.getByRole('button', {name: '＋ 添加旅游团队'}).click();
      await fill(row(m, '旅游团队', i + 1), {
        团队类型: {option: g.type},
        游客人数: String(g.tourists),
        '入境（接待开始）日期': g.start,
        '离境（接待离开）日期': g.end,
      });
    }
    // The form adds the groups up as they are typed...
    await groups.getByText('按所列团队计算：外联 5000 人天，接待 8000 人天', {exact: false}).waitFor();
    await group(m, '入境包机').getByRole('button', {name: '＋ 添加入境包机'}).click();
    await fill(row(m, '入境包机', 1), {
      包机航班: 'SU 9204（俄罗斯航空包机）',
      境外旅游者人数: '180',
      固定航线: false,
      抵京日期: '2019-05-08',
      在京过夜数: '3',
    });
    await fill(m, {入境旅游特别奖申请: '在重点入境客源国举办北京旅游推介会 6 场。'});

    // ...and lets the clerk save: the server keeps the draft as it is and
    // says what is not consistent yet, and where.
    await saveDraft(clerk);
    await page.waitForURL(/#\/edit\/\d+$/);
    const summary = m.locator('div.alert.missing');
    await summary.waitFor({state: 'visible'});
    assert.match(await summary.textContent(), /草稿已保存到服务器（版本 1）.*尚有 1 项未填或需修改/s);
    assert.equal(await errorNextTo(m, '入境外联人天数'), '所列团队合计 5,000 人天，与填写的 4,500 人天不一致。');
    assert.ok(await page.evaluate(() => document.activeElement.classList.contains('missing')), 'the list takes the focus');
    s.tourism = appIdFromHash(clerk);
    const stored = (await apiGet(clerk, `/v1/applications/${s.tourism}`)).body;
    assert.equal(stored.data.outbound_person_days, 4500);
    assert.equal(stored.completeness.complete, false);
    await clerk.look('tourism-server-error');

    // The summary's link goes to the field; the language switch keeps what
    // was typed.
    await summary.getByRole('button', {name: /入境外联人天数/}).click();
    assert.equal(await page.evaluate(() => document.activeElement.labels[0].textContent), '入境外联人天数');
    await page.getByRole('button', {name: 'Switch to English'}).click();
    await clerk.settle();
    assert.equal(await field(m, 'Outbound-organised person-days').inputValue(), '4500');
    await clerk.look('tourism-form-english');
    await page.getByRole('button', {name: '切换到中文'}).click();
    await clerk.settle();

    await field(m, '入境外联人天数').fill('5000');
    await saveDraft(clerk);
    await m.getByText('已保存（版本 2）', {exact: false}).waitFor();
    assert.equal(await summary.isVisible(), false);
    const {body} = await apiGet(clerk, `/v1/applications/${s.tourism}`);
    assert.equal(body.completeness.complete, true);
    assert.equal(body.data.outbound_person_days, 5000);
    assert.equal(body.data.groups.length, 3);
    assert.equal(body.data.charters[0].scheduled_route, false);
    assert.equal(body.round, 2019);
    await clerk.look('tourism-form-saved');
  });

  step('keyboard at 375 px: Tab goes through the form top to bottom and no focused control hides behind the sticky buttons', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    await page.setViewportSize(NARROW);
    try {
      await clerk.go(`#/edit/${s.tourism}`);
      const m = main(clerk);
      // An unsaved change: the sticky bar says it is kept in this browser
      // (and so is at its tallest).
      const claim = field(m, '入境旅游特别奖申请');
      const before = await claim.inputValue();
      await claim.fill(`${before}另在东京、首尔举办推介会。`);
      await m.locator('.actions .keptnote').getByText('已暂存在本浏览器', {exact: false}).waitFor();
      await field(m, '申报单位名称').focus();
      const seen = [];
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        const f = await page.evaluate(() => {
          const el = document.activeElement;
          if (!el || el === document.body || !el.closest('main form')) return null;
          const r = el.getBoundingClientRect();
          const x = r.left + Math.min(r.width / 2, 10), y = r.top + Math.min(r.height / 2, 10);
          const top = document.elementFromPoint(x, y);
          const inBar = !!el.closest('.actions.sticky');
          return {
            what: `${el.tagName.toLowerCase()} ${(el.labels && el.labels[0] ? el.labels[0].textContent : el.textContent).trim().slice(0, 30)}`,
            y: r.top + window.scrollY, inBar,
            visible: r.bottom > 0 && r.top < innerHeight,
            covered: !inBar && !(top && (top === el || el.contains(top) || (el.labels && [...el.labels].some((l) => l.contains(top))))),
          };
        });
        if (!f) break;
        seen.push(f);
      }
      const form = seen.filter((f) => !f.inBar);
      assert.ok(form.length >= 20, `Tab went through ${form.length} controls of the form`);
      const hidden = form.filter((f) => !f.visible || f.covered).map((f) => f.what);
      assert.deepEqual(hidden, [], 'focused but out of sight or under the sticky buttons');
      const back = form.filter((f, i) => i && f.y < form[i - 1].y - 1).map((f) => f.what);
      assert.deepEqual(back, [], 'Tab went back up the page');
      // Typed back as it was, there is nothing left to keep.
      await claim.fill(before);
      await m.locator('.actions .keptnote').waitFor({state: 'hidden'});
      assert.deepEqual(await localDraftKeys(clerk), []);
      // Other pages have no sticky buttons and keep no room for them.
      await clerk.go('#/apps');
      assert.equal(await page.evaluate(() => document.documentElement.style.scrollPaddingBottom), '');
    } finally {
      await page.setViewportSize(WIDE);
    }
  });

  step('saved by itself: a half-filled form is on the server without a click; reloaded and continued in a fresh context; a version changed elsewhere is shown, not overwritten', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    await holdAutosave(clerk, false);
    await clerk.go('#/new/incubator');
    const m = main(clerk);
    const status = m.locator('.actions .keptnote');
    let posts = 0;
    const countPosts = (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/applications') posts++; };
    page.on('request', countPosts);
    await fill(m, {
      注册登记日期: '2018-03-01',
      孵化服务领域: {option: '集成电路'},
      '上年度总收入（元）': '2,500,000.50',
      导师服务人次: '55',
    });
    // A moment after typing stops the draft is made on the server (lenient):
    // its address, its number, a quiet line in the sticky bar.
    await page.waitForURL(/#\/edit\/\d+$/);
    const id = s.second = appIdFromHash(clerk);
    await status.getByText(/^已自动保存（\d{4}-\d\d-\d\d \d\d:\d\d）$/).waitFor();
    assert.equal(await h1(clerk).textContent(), `申报 #${id} · 北京市科技企业孵化器认定`);
    assert.deepEqual(await localDraftKeys(clerk), [], 'nothing left in this browser once the server has it');
    const half = await serverHas(clerk, id, (b) => b.data.mentor_sessions === 55);
    assert.equal(half.status, 'draft');
    page.off('request', countPosts);
    assert.equal(posts, 1, 'one draft made, then updated: not one per field');
    const v = half.version;
    assert.equal(half.completeness.complete, false);
    assert.equal(half.data.total_revenue_fen, 250000050);
    assert.equal(half.data.registered_on, '2018-03-01');
    assert.equal(half.data.field, 'integrated_circuits');
    assert.equal(half.data.team_description, undefined);
    await clerk.look('incubator-autosaved');
    // A change is saved too (PUT with its version), and the button still works.
    await field(m, '导师服务人次').fill('56');
    await serverHas(clerk, id, (b) => b.data.mentor_sessions === 56 && b.version === v + 1);
    await status.getByText(/^已自动保存/).waitFor();
    await field(m, '导师服务人次').fill('55');
    await saveDraft(clerk);
    await m.getByText(`已保存（版本 ${v + 2}）`, {exact: false}).waitFor();
    await serverHas(clerk, id, (b) => b.data.mentor_sessions === 55 && b.version === v + 2);

    // Reloaded: the server's draft, and what it still lacks, in Chinese (the
    // page asks for it), listed and next to the fields.
    await page.reload();
    await clerk.settle();
    const summary = m.locator('div.alert.missing');
    await summary.waitFor({state: 'visible'});
    assert.match(await summary.textContent(), new RegExp(`草稿已保存到服务器（版本 ${v + 2}），同一账号在其他电脑上也可继续填写。尚有 \\d+ 项未填或需修改`));
    assert.equal(await field(m, '上年度总收入（元）').inputValue(), '2,500,000.50');
    assert.equal(await errorNextTo(m, '运营团队情况'), '必填。');
    assert.equal(await errorOfGroup(m, '专业服务收入（元）'), '必填。');
    await clerk.look('incubator-half-saved');
    // The English page asks the server for English (Accept-Language), though
    // the browser prefers Chinese; its status line is in English.
    await page.getByRole('button', {name: 'Switch to English'}).click();
    await clerk.settle();
    assert.equal(await errorNextTo(m, 'Operating team'), 'is required');
    await page.getByRole('button', {name: '切换到中文'}).click();
    await clerk.settle();

    // A colleague on another computer (a fresh browser context) signs in as
    // the organisation, finds the draft in the list and continues it; the
    // form saves itself there too.
    const mate = await person('a colleague, on another computer');
    await mate.go('#/signin');
    const panel = main(mate).locator('section.panel').filter({hasText: '申报单位登录'});
    await field(panel, '联系邮箱').fill(ORG.email);
    await field(panel, '密码').fill(ORG.password);
    await panel.getByRole('button', {name: '登录', exact: true}).click();
    await mate.page.waitForURL(/#\/apps$/);
    await mate.settle();
    const mm = main(mate);
    const mine = mm.locator(`table.mine tr[data-id="${id}"]`);
    await mine.locator('td.next').getByText('待提交', {exact: true}).waitFor();
    await mine.locator('td.verdict').getByText('尚未填写完整').waitFor();
    await mine.getByRole('link', {name: '编辑'}).click();
    await mate.page.waitForURL(new RegExp(`#/edit/${id}$`));
    await mate.settle();
    assert.equal(await field(mm, '注册登记日期').inputValue(), '2018-03-01');
    assert.equal(await field(mm, '孵化服务领域').inputValue(), 'integrated_circuits');
    assert.equal(await field(mm, '上年度总收入（元）').inputValue(), '2,500,000.50');
    assert.equal(await field(mm, '导师服务人次').inputValue(), '55');
    await mm.locator('div.alert.missing').waitFor({state: 'visible'});
    assert.equal(await errorNextTo(mm, '运营团队情况'), '必填。');
    await mate.look('incubator-continued-elsewhere');
    // Submitting now lists everything still missing, and goes nowhere.
    await mate.page.getByRole('button', {name: '提交申报', exact: true}).click();
    await mm.locator('div.alert.missing').getByText('尚有', {exact: false}).waitFor();
    assert.match(mate.page.url(), new RegExp(`#/edit/${id}$`));
    await tuple(mm, '专业服务收入（元）', [100000000, 120000000, 150000000]);
    await tuple(mm, '在孵企业营业收入（元）', [2000000000, 2300000000, 2600000000]);
    await fill(mm, {运营团队情况: '运营团队 5 人。'});
    // Saved without a click: complete now, and the list of what was missing goes.
    const done = await serverHas(mate, id, (b) => b.completeness.complete);
    assert.equal(done.data.team_description, '运营团队 5 人。');
    await mm.locator('.actions .keptnote').getByText(/^已自动保存/).waitFor();
    await mm.locator('div.alert.missing').waitFor({state: 'hidden'});
    await mate.look('incubator-completed-elsewhere');

    // Back on the first computer, the page still shows the older version: a
    // change there is not saved over the colleague's (412), and says so.
    clerk.expect(412, 'PUT', new RegExp(`^/v1/applications/${id}$`));
    await field(m, '导师服务人次').fill('70');
    await status.getByText('未能保存（已在别处修改，请重新加载）').waitFor();
    const stale = m.locator('div.alert.error[role=alert]');
    await stale.getByRole('button', {name: '重新加载'}).waitFor();
    clerk.sawAnswer(412, 'PUT', new RegExp(`^/v1/applications/${id}$`));
    await clerk.look('incubator-changed-elsewhere');
    const kept = (await apiGet(clerk, `/v1/applications/${id}`)).body;
    assert.equal(kept.data.mentor_sessions, 55, 'the colleague\'s version stays');
    assert.equal(kept.data.team_description, '运营团队 5 人。');
    // What was typed here is still in this browser (the crash buffer), and
    // can be thrown away for the server's version.
    await page.reload();
    await clerk.settle();
    await m.getByText('已恢复您在本浏览器中填写、尚未保存到服务器的内容', {exact: false}).waitFor();
    assert.equal(await field(m, '导师服务人次').inputValue(), '70');
    await m.getByRole('button', {name: '放弃这些内容，显示服务器上的版本'}).click();
    assert.equal(await field(m, '导师服务人次').inputValue(), '55');
    assert.equal(await field(m, '运营团队情况').inputValue(), '运营团队 5 人。');
    assert.deepEqual(await localDraftKeys(clerk), []);
    await holdAutosave(clerk);

    // An unsaved change is kept in that browser until its user signs out:
    // then nothing of the account stays there (the form saving itself held
    // back, to see it kept).
    await holdAutosave(mate);
    await field(mm, '导师服务人次').fill('60');
    await mm.locator('.keptnote').getByText('已暂存在本浏览器', {exact: false}).waitFor();
    assert.equal((await localDraftKeys(mate)).length, 1);
    await mate.page.getByRole('button', {name: '退出'}).click();
    await mate.page.waitForURL(/#\/$/);
    await mate.settle();
    assert.deepEqual(await localDraftKeys(mate), []);
    await mate.close();
    assert.equal((await apiGet(clerk, `/v1/applications/${id}`)).body.data.mentor_sessions, 55);
  });

  step('paste: 25 incubatee rows copied from a spreadsheet (Chinese headers, 万 and commas, 是/否) replace the table after a preview; a CSV adds two', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    await clerk.go(`#/edit/${s.second}`);
    const m = main(clerk);
    const table = group(m, '在孵企业');
    const rowsNow = () => table.locator(':scope > ol.rows > li.row').count();
    const before = await rowsNow();
    await table.getByRole('button', {name: '从 Excel 粘贴或导入 CSV'}).click();
    const area = field(table, '粘贴区（制表符分隔，含表头）');
    // The template: a CSV with the Chinese headers, a BOM for Excel.
    const [download] = await Promise.all([page.waitForEvent('download'),
      table.getByRole('link', {name: '下载 CSV 模板'}).click()]);
    const tmpl = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(tmpl.startsWith('\uFEFF企业名称,统一社会信用代码,从业人员总数,上年度营业收入（元）,'), tmpl);
    // Mistakes are shown cell by cell (rows counted from 1) and nothing is replaced.
    const bad = ['企业名称\t统一社会信用代码\t从业人员总数\t上年度营业收入（元）\t孵化器投资',
      `北京甲公司\t${flipCheck(INCUBATEES[0].uscc)}\t十二\t12万\t是`,
      `北京乙公司\t${INCUBATEES[1].uscc}\t15\t1,2,3.456\t也许`].join('\n');
    await area.fill(bad);
    await table.getByRole('button', {name: '预览', exact: true}).click();
    const errs = table.locator('.paste-out div.alert.error');
    await errs.getByText('第 1 行 · 统一社会信用代码：校验码不符', {exact: false}).waitFor();
    await errs.getByText('第 1 行 · 从业人员总数：应为整数').waitFor();
    await errs.getByText('第 2 行 · 上年度营业收入（元）：金额格式不对', {exact: false}).waitFor();
    await errs.getByText('第 2 行 · 孵化器投资：应为“是”或“否”').waitFor();
    assert.equal(await table.locator('table.paste-preview td.bad').count(), 4);
    assert.equal(await table.getByRole('button', {name: /替换表格/}).count(), 0);
    assert.equal(await rowsNow(), before);
    await clerk.look('paste-errors');
    // The spreadsheet's rows, pasted as Excel copies them (through the clipboard).
    const tsv = fs.readFileSync(path.join(HERE, 'fixtures', 'incubatees.tsv'), 'utf8');
    await clerk.context.grantPermissions(['clipboard-read', 'clipboard-write'], {origin: clerk.base});
    await area.fill('');
    await page.evaluate((text) => navigator.clipboard.writeText(text), tsv);
    await area.focus();
    await page.keyboard.press('Control+V');
    const preview = table.locator('table.paste-preview');
    await preview.locator('caption').getByText('共 25 行，0 处错误。').waitFor();
    await table.locator('.paste-out p.meta').getByText('第 11 列“备注” → （不导入）', {exact: false}).waitFor();
    await clerk.look('paste-preview');
    await table.getByRole('button', {name: '用这 25 行替换表格'}).click();
    await table.getByText('已导入 25 行。请核对后保存。').waitFor();
    assert.equal(await rowsNow(), 25);
    const last = row(m, '在孵企业', 25);
    assert.equal(await field(last, '企业名称').inputValue(), '北京燎原第25号科技有限公司');
    assert.equal(await field(last, '上年度营业收入（元）').inputValue(), '3,600,000.00');
    assert.equal(await field(last, '从业人员总数').inputValue(), '58');
    assert.equal(await field(row(m, '在孵企业', 1), '孵化器投资').isChecked(), true);
    await clerk.look('paste-replaced');
    // A CSV file (Excel's “CSV UTF-8”; amounts in 万元 as its header says) adds rows.
    const csv = ['企业名称,统一社会信用代码,从业人员总数,上年度营业收入（万元）,“硬科技”创新企业',
      `北京燎原第26号科技有限公司,${uscc('91110108MA03A1XKY')},"1,020",88.5,是`,
      `北京燎原第27号科技有限公司,${uscc('91110108MA03B2XKY')},30,0.5,否`].join('\r\n');
    await field(table, '或选择 CSV 文件').setInputFiles({name: '在孵企业.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8')});
    await preview.locator('caption').getByText('共 2 行，0 处错误。').waitFor();
    await table.getByRole('button', {name: '追加这 2 行'}).click();
    assert.equal(await rowsNow(), 27);
    await saveDraft(clerk);
    await m.getByText(/已保存（版本 \d+）/).waitFor();
    const {body} = await apiGet(clerk, `/v1/applications/${s.second}`);
    const want = tsv.trim().split('\r\n').slice(1).map((line) => {
      const c = line.split('\t');
      const i = Number(c[0].match(/第(\d+)号/)[1]) - 1;
      return {name: c[0], uscc: c[1], employees: 10 + 2 * i, revenue_fen: (120 + 10 * i) * 1000000,
        hard_tech: true, prohibited_catalogue: false, invested: i < 8, invested_by_incubator: i < 1,
        ip_applied: i < 20, ip_valid: i % 3 === 0};
    });
    const got = body.data.incubatees;
    assert.equal(got.length, 27);
    assert.deepEqual(got.slice(0, 25), want);
    assert.equal(got[25].employees, 1020);
    assert.equal(got[25].revenue_fen, 88500000);
    assert.equal(got[26].revenue_fen, 500000);
    assert.equal(got[26].hard_tech, false);
  });

  step('seed: the day\'s applications wait at Haidian\'s desk (an incubator failing a check, the oldest, and twelve first stores)', async () => {
    const t0 = organisation(env, FAILING.name, FAILING.code);
    const inc = example('incubator');
    inc.applicant = {name: FAILING.name, uscc: uscc(FAILING.code)};
    inc.review_unit = '110108';
    inc.data.incubatees = inc.data.incubatees.slice(0, 20);
    inc.data.incubatees[6].employees = 120;
    const made = await must(env, t0, 'POST', '/v1/applications', inc, 201);
    await attach(env, t0, made.id);
    await must(env, t0, 'POST', `/v1/applications/${made.id}/submit`);
    s.failing = made.id;
    s.stores = [];
    for (let i = 0; i < 12; i++) {
      const name = `北京第${i + 1}商业管理有限公司`;
      const tok = organisation(env, name, `91110108MA01QT${String(i).padStart(3, '0')}`);
      const env1 = example('first_store');
      env1.applicant = {name, uscc: uscc(`91110108MA01QT${String(i).padStart(3, '0')}`)};
      env1.review_unit = '110108';
      env1.data.brand = `Maison ${i + 1}`;
      env1.data.store.name = `Maison ${i + 1} 北京首店`;
      const a = await must(env, tok, 'POST', '/v1/applications', env1, 201);
      await attach(env, tok, a.id);
      await must(env, tok, 'POST', `/v1/applications/${a.id}/submit`);
      s.stores.push({id: a.id, name, token: tok});
    }
  });

  step('materials: submission waits for every required document; PDFs uploaded through the form show their hash', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    await clerk.go('#/apps');
    const m = main(clerk);
    // A table: number, project, kind, round, status and what comes next,
    // the server's verdict, the amounts.
    const heads = await m.locator('table.mine thead th').allTextContents();
    assert.deepEqual(heads, ['编号', '项目名称', '类型', '年度', '状态', '下一步', '申报条件', '拟支持与核定金额']);
    const card = m.locator(`table.mine tr[data-id="${s.incubator}"]`);
    await card.locator('td.no').getByRole('link', {name: `申报 #${s.incubator}`}).waitFor();
    await card.locator('td.kind').getByText('北京市科技企业孵化器认定', {exact: true}).waitFor();
    await card.locator('td.status').getByText('草稿').waitFor();
    await card.locator('td.next').getByText('待提交', {exact: true}).waitFor();
    await card.locator('td.project').getByText(ORG.name, {exact: true}).waitFor();
    await card.locator('td.verdict').getByText('✓ 符合申报条件').waitFor();
    assert.equal((await card.locator('td.amounts').textContent()).trim(), '—', 'an incubator is granted no money');
    const second = m.locator(`table.mine tr[data-id="${s.second}"]`);
    await second.locator('.elig').waitFor();
    // The first store: brand and store, the amount proposed.
    const store = m.locator(`table.mine tr[data-id="${s.firstStore}"]`);
    await store.locator('td.project').getByText('Maison Exemple · Maison Exemple 北京首店', {exact: true}).waitFor();
    assert.equal((await store.locator('td.amounts').textContent()).trim(), '拟支持金额：50 万元');
    await clerk.look('my-applications');
    await card.getByRole('link', {name: '编辑'}).click();
    await page.waitForURL(new RegExp(`#/edit/${s.incubator}$`));
    await clerk.settle();
    await m.getByText('全部条件符合。').waitFor();
    const mats = m.locator('section.materials');
    await mats.locator('.mtype').first().waitFor();
    assert.equal(await mats.locator('.mtype').count(), 5);
    assert.equal(await mats.locator('.mtype .req').count(), 5);
    // Submitting now is stopped here, naming what is missing.
    await page.getByRole('button', {name: '提交申报', exact: true}).click();
    const summary = m.locator('div.alert.error[role=alert]');
    await summary.getByText('尚缺以下必需材料', {exact: false}).waitFor();
    for (const name of ['北京市科技企业孵化器认定申请书', '工商营业执照等注册登记证件', '财务会计报告']) {
      await summary.getByRole('button', {name}).waitFor();
    }
    assert.match(page.url(), new RegExp(`#/edit/${s.incubator}$`));
    await clerk.look('materials-missing');
    // A file of a format the type does not take is refused before it is sent.
    const form = mats.locator('.mtype[data-type=application_form]');
    await form.locator('input[type=file]').setInputFiles({name: '说明.txt', mimeType: 'text/plain', buffer: Buffer.from('not a document')});
    await mats.getByText('不是本类材料接受的格式', {exact: false}).waitFor();
    // One PDF per type, each listed with its SHA-256 once stored.
    for (const type of ['application_form', 'business_licence', 'service_description', 'audit_report', 'financial_statements']) {
      const bytes = Buffer.from(`%PDF-1.7\n% ${type} of ${ORG.name}\n${'0'.repeat(4096)}\n%%EOF\n`);
      const sha = crypto.createHash('sha256').update(bytes).digest('hex');
      const row = mats.locator(`.mtype[data-type=${type}]`);
      await row.locator('.uploader input[type=file]').first().setInputFiles({name: `${type}.pdf`, mimeType: 'application/pdf', buffer: bytes});
      await row.locator('li.file code.hash').getByText(sha, {exact: true}).waitFor();
      await row.getByRole('link', {name: `${type}.pdf`}).waitFor();
    }
    await mats.getByText('必需材料已齐全。').waitFor();
    await clerk.look('materials-complete');
  });

  step('submit: the 承诺书 is accepted on the confirmation page, then the incubator application goes to the district', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    const m = main(clerk);
    await page.getByRole('button', {name: '提交申报', exact: true}).click();
    await page.waitForURL(new RegExp(`#/submit/${s.incubator}$`));
    await clerk.settle();
    const kind = (await apiGet(clerk, '/v1/kinds/incubator')).body;
    // the summary, and the declaration as the server serves it, with its version
    await m.locator('.confirm-summary').getByText('全部条件符合').waitFor();
    await m.locator('.confirm-summary').getByText('5 个文件').waitFor();
    const firstLine = kind.declaration.text_zh.split('\n')[0];
    await m.locator('.decl-text').getByText(firstLine, {exact: true}).waitFor();
    await m.locator('form.declaration p.meta').getByText(`版本：${kind.declaration.version}`).waitFor();
    // not accepted: nothing is sent, the page says why
    await m.getByRole('button', {name: '确认并提交', exact: true}).click();
    await m.getByText('请先勾选同意承诺书。').waitFor();
    assert.match(page.url(), new RegExp(`#/submit/${s.incubator}$`));
    assert.equal((await apiGet(clerk, `/v1/applications/${s.incubator}`)).body.status, 'draft');
    await clerk.look('submit-confirmation');
    const version = await confirmSubmission(clerk);
    assert.equal(version, kind.declaration.version);
    await page.waitForURL(new RegExp(`#/app/${s.incubator}$`));
    await clerk.settle();
    await m.getByText('已提交，等待区级初审。').waitFor();
    await m.locator('p.status .badge').getByText('区级初审中').waitFor();
    await m.locator('table.history').getByText('提交申报').waitFor();
    await m.locator('details.data > summary').click();
    await m.locator('details.data table.grid').first().waitFor();
    await clerk.look('application-submitted');
  });

  step('receipt: the 受理回执 names the application, the unit, the 承诺书 accepted and every file with its hash; it prints', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    const m = main(clerk);
    await m.getByRole('link', {name: '受理回执', exact: true}).click();
    await page.waitForURL(new RegExp(`#/receipt/${s.incubator}$`));
    await clerk.settle();
    const events = (await apiGet(clerk, `/v1/applications/${s.incubator}/events`)).body.items;
    const sub = events.filter((e) => e.action === 'submit').pop();
    const r = m.locator('section.receipt');
    await r.getByText(String(s.incubator), {exact: true}).waitFor();
    await r.getByText(ORG.name, {exact: false}).first().waitFor();
    await r.getByText(`已确认（版本 ${sub.details.declaration.version}`, {exact: false}).waitFor();
    assert.equal(sub.details.materials.length, 5);
    for (const f of sub.details.materials) await r.locator('code.hash').getByText(f.sha256, {exact: true}).waitFor();
    await clerk.look('receipt');
    // The print button prints (the dialog itself is the browser's).
    await page.evaluate(() => { window.printed = 0; window.print = () => { window.printed++; }; });
    await m.getByRole('button', {name: '打印回执', exact: true}).click();
    assert.equal(await page.evaluate(() => window.printed), 1);
    await page.emulateMedia({media: 'print'});
    assert.equal(await m.getByRole('button', {name: '打印回执', exact: true}).isVisible(), false);
    await page.screenshot({path: path.join(clerk.env.screenshots, 'receipt-print.png'), fullPage: true});
    await page.emulateMedia({media: 'screen'});
  });

  step('tokens: the applicant makes a token on the 账号安全 page, uses it with curl, and revokes it', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    const m = main(clerk);
    await page.locator('header').getByRole('link', {name: '账号安全', exact: true}).click();
    await page.waitForURL(/#\/tokens$/);
    await clerk.settle();
    await m.getByText('还没有令牌。').waitFor();
    await clerk.look('tokens-empty');
    // a name is required: the server's 422 is shown next to the field
    clerk.expect(422, 'POST', /^\/v1\/tokens$/);
    await m.getByRole('button', {name: '创建令牌', exact: true}).click();
    assert.ok((await errorNextTo(m, '名称（用途）')).length > 0);
    await field(m, '名称（用途）').fill('财务系统对接');
    await field(m, '最后有效日期（可不填）').fill('2020-12-31');
    await m.getByRole('button', {name: '创建令牌', exact: true}).click();
    const secret = m.locator('input.token-secret');
    await secret.waitFor();
    const token = await secret.inputValue();
    assert.match(token, /^sb_/);
    const listed = m.locator('table.tokens tbody tr').filter({hasText: '财务系统对接'});
    await listed.getByText('2020-12-31').waitFor();
    await clerk.look('tokens-made');
    // the token works outside the browser, as the account
    const curl = (tok) => spawnSync('curl', ['-s', '-H', `Authorization: Bearer ${tok}`, `${clerk.base}/v1/account`], {encoding: 'utf8'});
    const out = curl(token);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(JSON.parse(out.stdout).uscc, ORG.uscc, out.stdout);
    const apps = spawnSync('curl', ['-s', '-H', `Authorization: Bearer ${token}`, `${clerk.base}/v1/applications`], {encoding: 'utf8'});
    assert.ok(JSON.parse(apps.stdout).items.some((a) => a.id === s.incubator), apps.stdout);
    // revoked (asked twice), it stops working at once
    await listed.getByRole('button', {name: '撤销'}).click();
    await listed.getByRole('button', {name: '确认撤销？'}).click();
    await m.getByText('令牌“财务系统对接”已撤销', {exact: false}).waitFor();
    await m.getByText('还没有令牌。').waitFor();
    const after = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: Bearer ${token}`, `${clerk.base}/v1/account`], {encoding: 'utf8'});
    assert.equal(after.stdout, '401');
  });

  step('district clerk: signs in; the worklist counts what waits, filters it, and opens the oldest', async () => {
    const d = s.district = await person('district reviewer');
    const page = d.page;
    await d.go('#/signin');
    const staff = main(d).locator('section.panel').filter({hasText: '审核人员登录'});
    d.expect(401, 'POST', /^\/v1\/session$/);
    await field(staff, '访问令牌').fill('sb_not-a-token');
    await staff.getByRole('button', {name: '登录', exact: true}).click();
    await staff.getByText('访问令牌无效。').waitFor();
    d.sawAnswer(401, 'POST', /^\/v1\/session$/);
    await field(staff, '访问令牌').fill(env.server.tokens.district_110108);
    await staff.getByRole('button', {name: '登录', exact: true}).click();
    await page.waitForURL(/#\/queue$/);
    await d.settle();
    const m = main(d);
    await m.locator('p.lead').getByText('海淀区', {exact: true}).waitFor();
    // 14 wait: the seeded incubator, 12 first stores and the organisation's
    // incubator; none is done yet
    await m.getByRole('tab', {name: /待办（14）/}).waitFor();
    await m.getByRole('tab', {name: /已办（0）/}).waitFor();
    await m.locator('p.total').getByText('共 14 件').waitFor();
    const rows = m.locator('table.worklist tbody tr');
    assert.equal(await rows.count(), 14);
    // longest waiting first: the seeded incubator, with its failed check
    assert.equal((await rows.first().locator('td').nth(1).textContent()).trim(), `#${s.failing}`);
    assert.equal((await rows.first().locator('td[data-label="未通过条件"]').textContent()).trim(), '1');
    await d.look('desk-worklist');

    // Filtered to incubators: two; the search finds the organisation's.
    await fill(m.locator('form.filters'), {申报类型: {option: '北京市科技企业孵化器认定'}});
    await m.locator('form.filters').getByRole('button', {name: '筛选', exact: true}).click();
    await m.locator('p.total').getByText('共 2 件').waitFor();
    assert.equal(await rows.count(), 2);
    await fill(m.locator('form.filters'), {'搜索（单位名称、信用代码、品牌或门店）': '星火'});
    await m.locator('form.filters').getByRole('button', {name: '筛选', exact: true}).click();
    await m.locator('p.total').getByText('共 1 件').waitFor();
    assert.equal((await rows.first().locator('td').nth(1).textContent()).trim(), `#${s.incubator}`);
    await fill(m.locator('form.filters'), {'搜索（单位名称、信用代码、品牌或门店）': ''});
    await m.locator('form.filters').getByRole('button', {name: '筛选', exact: true}).click();
    await m.locator('p.total').getByText('共 2 件').waitFor();
    // the export carries the same filters
    const href = await m.getByRole('link', {name: '导出 CSV'}).getAttribute('href');
    assert.match(href, /^\/v1\/exports\/applications\.csv\?status=district_review&kind=incubator/);

    await rows.first().getByRole('link', {name: `#${s.failing}`}).click();
    await page.waitForURL(new RegExp(`#/review/${s.failing}$`));
    await d.settle();
  });

  step('district clerk: reads the failed check naming its row and returns it with a template opinion', async () => {
    const d = s.district;
    const page = d.page;
    const m = main(d);
    await h1(d).getByText(`#${s.failing} ${FAILING.name}`).waitFor();
    // what is wrong comes first, and says which row: the 7th incubatee
    const failed = m.locator('section.checks.failed-first');
    await failed.getByRole('heading', {name: '未通过的条件（1）'}).waitFor();
    const item = failed.locator('li.fail');
    await item.getByText('在孵企业 ≥ 20 家').waitFor();
    assert.match(await item.textContent(), /不符合条件的：第 7 家/);
    assert.doesNotMatch(await failed.textContent(), /incubatee_count/, 'no English check code on a Chinese page');
    // the row is there to look at, numbered as the check names it
    const data = m.locator('section').filter({has: page.locator('h2', {hasText: '申报内容'})});
    await data.locator('table.grid tbody tr').nth(6).getByText('120').waitFor();
    await d.look('desk-review-failed');

    // A template: written once, kept for this account, used here.
    const form = m.locator('section.decide');
    await form.getByLabel('退回补正', {exact: true}).check();
    await field(form, '意见').fill('第 7 家在孵企业从业人员超过 100 人，不计入在孵企业；请核实在孵企业名单后重新提交。');
    await form.getByRole('button', {name: '存为常用意见'}).click();
    await form.getByText('已存为常用意见。').waitFor();
    await field(form, '意见').fill('');
    await form.getByLabel('常用意见').selectOption({label: '第 7 家在孵企业从业人员超过 100'});
    assert.match(await field(form, '意见').inputValue(), /^第 7 家在孵企业从业人员超过 100 人/);
    await form.getByRole('button', {name: '提交审核意见'}).click();
    await page.waitForURL(new RegExp(`#/review/${s.failing}$`));
    await d.settle();
    await m.getByText('已办理：审核：退回补正。').waitFor();
    await m.locator('p.status .badge').getByText('退回补正').waitFor();
    await m.locator('section.returns').getByText('第 7 家在孵企业从业人员超过 100 人', {exact: false}).waitFor();
    await m.locator('section.decide').getByText('该申报当前不在您的审核环节（退回补正）。').waitFor();
  });

  step('district clerk: recommends the organisation\'s incubator; approves two first stores at once; the done tab has them', async () => {
    const d = s.district;
    const page = d.page;
    const m = main(d);
    await d.go(`#/review/${s.incubator}`);
    await m.locator('section.checks.failed-first').getByText('全部条件符合。').waitFor();
    // The reviewer sees the documents and opens them.
    const files = m.locator('section.materials li.file');
    await files.first().waitFor();
    assert.equal(await files.count(), 5);
    const [download] = await Promise.all([page.waitForEvent('download'),
      m.locator('section.materials').getByRole('link', {name: 'audit_report.pdf'}).click()]);
    assert.equal(download.suggestedFilename(), 'audit_report.pdf');
    assert.ok(fs.readFileSync(await download.path()).subarray(0, 5).equals(Buffer.from('%PDF-')));
    const form = m.locator('section.decide');
    await form.getByLabel('同意推荐', {exact: true}).check();
    await field(form, '意见').fill('材料齐全，符合认定条件，同意推荐报市科委复审。');
    await d.look('desk-review-district');
    await form.getByRole('button', {name: '提交审核意见'}).click();
    await m.getByText('已办理：审核：同意推荐。').waitFor();
    await m.locator('p.status .badge').getByText('市级复审中').waitFor();
    await m.locator('table.history').getByText('区级初审：同意推荐').waitFor();

    // batch: the two first stores waiting longest, each its own review
    await d.go('#/queue');
    await m.locator('p.total').getByText('共 12 件').waitFor();
    for (const st of s.stores.slice(0, 2)) await m.getByLabel(`选择 #${st.id}`).check();
    await m.getByRole('button', {name: '批量通过所选（2 件）'}).click();
    const panel = m.locator('section.batch');
    await field(panel, '意见').fill('同意推荐。');
    await d.look('desk-batch');
    await panel.getByRole('button', {name: '逐件提交'}).click();
    await m.locator('.batchbar').getByText('已完成：2 件通过，0 件未能办理。').first().waitFor();
    await m.locator('p.total').getByText('共 10 件').waitFor();
    await m.getByRole('tab', {name: /已办/}).click();
    await m.locator('p.total').getByText('共 4 件').waitFor();
    const done = m.locator('table.worklist tbody');
    for (const id of [s.incubator, s.failing, s.stores[0].id, s.stores[1].id]) {
      await done.getByRole('link', {name: `#${id}`, exact: true}).waitFor();
    }
    await d.look('desk-done');
  });

  step('municipal reviewer: sees the district\'s opinion and the stage records on the review page, and certifies; the notice starts', async () => {
    const mu = s.municipal = await person('municipal reviewer');
    const page = mu.page;
    await mu.go('#/signin');
    const staff = main(mu).locator('section.panel').filter({hasText: '审核人员登录'});
    await field(staff, '访问令牌').fill(env.server.tokens.municipal_science_tech);
    await staff.getByRole('button', {name: '登录', exact: true}).click();
    await page.waitForURL(/#\/queue$/);
    await mu.settle();
    const m = main(mu);
    await m.locator('p.lead').getByText('北京市科学技术委员会', {exact: true}).waitFor();
    await m.locator('table.worklist').getByRole('link', {name: `#${s.incubator}`}).click();
    await page.waitForURL(new RegExp(`#/review/${s.incubator}$`));
    await mu.settle();
    // the district's decision and opinion, on this page
    const history = m.locator('table.history');
    const row1 = history.locator('tr').filter({hasText: '区级初审：同意推荐'});
    await row1.getByText('材料齐全，符合认定条件，同意推荐报市科委复审。').waitFor();
    await row1.getByText('海淀区初审员').waitFor();
    // the stage records this approval carries, in the form on the same page
    const form = m.locator('section.decide');
    await form.getByLabel('予以认定', {exact: true}).check();
    await fill(form, {意见: '经专家评审和实地核查，同意认定。'});
    await fill(group(form, '专家评审'), {日期: '2020-09-29', 是否通过: true, 意见摘要: '专家组一致同意。'});
    await fill(group(form, '实地核查'), {日期: '2020-09-29', 是否通过: true, 意见摘要: '场地、团队与申报一致。'});
    await mu.look('desk-review-municipal');
    await form.getByRole('button', {name: '提交审核意见'}).click();
    await m.getByText('已办理：市级复审：予以认定。').waitFor();
    await m.getByText('公示期：2020-09-29 至 2020-10-12').waitFor();
    // every stage record is in the history now
    const approved = history.locator('tr').filter({hasText: '市级复审：予以认定'});
    await approved.getByText('专家组一致同意。', {exact: false}).waitFor();
    await approved.getByText('场地、团队与申报一致。', {exact: false}).waitFor();
  });

  step('culture and tourism reviewer: an empty queue and the ranking panel', async () => {
    const ct = await person('culture and tourism reviewer');
    const page = ct.page;
    await ct.go('#/signin');
    const staff = main(ct).locator('section.panel').filter({hasText: '审核人员登录'});
    await field(staff, '访问令牌').fill(env.server.tokens.municipal_culture_tourism);
    await staff.getByRole('button', {name: '登录', exact: true}).click();
    await page.waitForURL(/#\/queue$/);
    await ct.settle();
    const m = main(ct);
    await m.locator('p.lead').getByText('北京市文化和旅游局', {exact: true}).waitFor();
    await m.getByText('没有等待审核的申报。').waitFor();
    assert.equal(await field(m, '奖励年度').inputValue(), '2019');
    await ct.look('queue-culture-tourism');
    await ct.close();
  });

  step('public notice: the application is listed with its dates; an objection is filed and a receipt shown', async () => {
    const pub = s.pub;
    await pub.go('#/notices');
    const m = main(pub);
    const card = m.locator('li.card').filter({hasText: ORG.name});
    await card.getByText('公示期：2020-09-29 至 2020-10-12').waitFor();
    await card.getByText(`北京市科技企业孵化器认定 · #${s.incubator}`).waitFor();
    await pub.look('notices');
    await card.locator('details.objection > summary').click();
    await fill(card, {
      姓名或单位: '张三',
      '联系方式（电话或邮箱）': 'zhangsan@example.cn',
      异议理由: '该孵化器部分在孵企业实际不在北京经营，请核查。',
    });
    await card.getByRole('button', {name: '提交异议'}).click();
    const receipt = card.locator('div.alert.ok');
    await receipt.waitFor();
    assert.match(await receipt.textContent(), /^异议已登记：编号 \d+，时间 2020-09-29 \d\d:\d\d。我们将依法核查。$/);
    assert.equal(await field(card, '异议理由').inputValue(), '', 'the form is cleared');
    await pub.look('notice-objection-filed');
  });

  step('municipal reviewer: dismisses the objection from the queue', async () => {
    const mu = s.municipal;
    await mu.go('#/queue');
    const m = main(mu);
    const sec = m.locator('section').filter({has: mu.page.locator('h2', {hasText: '公示中的申报与异议'})});
    const item = sec.locator('ul.objections > li').filter({hasText: '张三'});
    await item.getByText('待处理').waitFor();
    await mu.look('queue-objection');
    await fill(item, {处理结果: {option: '异议不成立'}, 处理意见: '经核查，在孵企业均在北京注册并经营，异议不成立。'});
    await item.getByRole('button', {name: '处理异议'}).click();
    await item.locator('div.alert.ok').getByText('异议不成立').waitFor();
    await item.locator('.badge').getByText('异议不成立').waitFor();
  });

  step('after tick past the notice the applicant sees the certificate, and downloads it', async () => {
    const out = env.server.cli(['tick', '--now', env.tickAfterNotice, '--config', env.server.config]);
    assert.ok(out !== undefined);
    const clerk = s.clerk;
    const page = clerk.page;
    await clerk.go('#/apps');
    const m = main(clerk);
    // In the list: approved, the certificate a click away, and the first
    // annual report with its date (GET /v1/applications/{id}/duties).
    const mine = m.locator(`table.mine tr[data-id="${s.incubator}"]`);
    await mine.locator('td.status').getByText('已批准').waitFor();
    await mine.locator('td.next').getByText('年度报告：请于 2021-03-31 前完成', {exact: true}).waitFor();
    await clerk.look('my-applications-approved');
    await mine.locator('td.next').getByRole('link', {name: '查看证书和决定'}).click();
    await page.waitForURL(new RegExp(`#/app/${s.incubator}$`));
    await clerk.settle();
    await m.locator('p.status .badge').getByText('已批准').waitFor();
    const cert = m.locator('section.certsec');
    await cert.locator('article.cert h3').waitFor();
    s.serial = (await cert.locator('article.cert code').first().textContent()).trim();
    assert.match(s.serial, /^SB-/);
    await cert.getByText(`${ORG.name}（${ORG.uscc}）`).waitFor();
    await cert.getByText('证书状态：有效').waitFor();
    await m.locator('table.history').getByText('公示期满，批准并颁发').waitFor();
    await clerk.look('application-certificate');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      cert.getByRole('button', {name: '下载 JSON'}).click(),
    ]);
    assert.equal(download.suggestedFilename(), `${s.serial}.json`);
    s.certFile = fs.readFileSync(await download.path(), 'utf8');
    const doc = JSON.parse(s.certFile);
    assert.equal(doc.certificate.serial, s.serial);
    assert.equal(typeof doc.jws, 'string');
  });

  step('printable decisions: the incubator certificate and a first store\'s funding decision, as A4', async () => {
    const clerk = s.clerk;
    await clerk.go(`#/decision/${s.incubator}`);
    const m = main(clerk);
    const doc = m.locator('article.decisiondoc');
    await doc.getByRole('heading', {name: '北京市科技企业孵化器认定证书'}).waitFor();
    // what it decides, under which measure (its document number)
    await doc.locator('p.decree').getByText(`经审核，${ORG.name}符合京科发〔2020〕13号规定的条件，予以认定。`, {exact: true}).waitFor();
    await doc.getByText('北京市科学技术委员会').waitFor();
    await clerk.look('decision-incubator');
    // a first store: the district recommended it (the batch); the commerce
    // bureau funds it, granting less than proposed, with its reason
    const st = s.stores[0];
    const body = await must(env, env.server.tokens.municipal_commerce, 'POST', `/v1/applications/${st.id}/reviews`, {
      stage: 'municipal', decision: 'approve', audited_amount_fen: 200000000,
      granted_fen: 42000000, grant_reason: '年度预算有限，择优支持。'});
    // (a notice here, as every kind has in this set: issued when it ends)
    assert.equal(body.status, 'public_notice');
    env.server.cli(['tick', '--now', env.tickAfterNotice, '--config', env.server.config]);
    assert.equal((await must(env, env.server.tokens.municipal_commerce, 'GET', `/v1/applications/${st.id}`)).status, 'approved');
    const mu = s.district;
    await mu.go(`#/decision/${st.id}`);
    const d2 = main(mu).locator('article.decisiondoc');
    await d2.getByRole('heading', {name: '资金支持决定'}).waitFor();
    await d2.locator('p.decree').getByText(`经审核，依据京商消促字〔2020〕48号，决定对${st.name}予以支持。`, {exact: true}).waitFor();
    await d2.getByText('Maison 1', {exact: true}).waitFor();
    await d2.getByText('Maison 1 北京首店', {exact: false}).waitFor();
    await d2.getByText('42 万元', {exact: true}).waitFor();
    await mu.look('decision-first-store');
    // printed as A4, nothing of the page around it
    const pdf = await mu.page.pdf({format: 'A4'});
    assert.ok(pdf.length > 1000);
  });

  step('check page: valid by serial and by the pasted downloaded file', async () => {
    const pub = s.pub;
    await pub.go('#/check');
    const m = main(pub);
    await field(m, '证书编号').fill(s.serial.toLowerCase());
    await m.getByRole('button', {name: '查询'}).click();
    const result = m.locator('div.result');
    await result.getByText('✓ 签名有效').waitFor();
    await result.getByText('证书状态：有效').first().waitFor();
    await result.getByText(ORG.name, {exact: false}).first().waitFor();
    assert.equal(new URL(pub.page.url()).hash, `#/check/${s.serial}`);
    await pub.look('check-by-serial');

    await pub.go('#/check');
    await field(m, '证书 JSON 或 JWS').fill(s.certFile);
    await m.getByRole('button', {name: '验证'}).click();
    await result.getByText('✓ 签名有效').waitFor();
    await result.getByText(s.serial).waitFor();
    await pub.look('check-by-file');

    // A changed file does not pass.
    const doc = JSON.parse(s.certFile);
    const [head, payload, sig] = doc.jws.split('.');
    const flipped = `${head}.${payload}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    await field(m, '证书 JSON 或 JWS').fill(JSON.stringify({...doc, jws: flipped}));
    await m.getByRole('button', {name: '验证'}).click();
    await result.getByText('✗ 签名无效').waitFor();
  });

  step('rounds: a new form takes the round whose window the server says is open', async () => {
    const clerk = s.clerk;
    const m = main(clerk);
    await clerk.go('#/new/first_store');
    assert.equal(await field(m, '申报年度').inputValue(), '2020', 'no window: this year');
    // The commerce bureau opens the 2019 round late (through 2020-10-31).
    await must(env, env.server.tokens.municipal_commerce, 'PUT', '/v1/rounds/first_store/2019',
      {opens_on: '2020-09-01', closes_on: '2020-10-31'});
    await clerk.page.reload();
    await clerk.settle();
    assert.equal(await field(m, '申报年度').inputValue(), '2019');
    await clerk.go('#/apps');
  });

  step('passwords: changed on the account page; forgotten, reset through the administrator\'s one-time link, which ends every session', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    await clerk.go('#/tokens');
    const m = main(clerk);
    const sec = m.locator('section').filter({has: page.getByRole('heading', {name: '修改密码'})});
    // a wrong current password is said next to its field, in Chinese
    clerk.expect(422, 'POST', /^\/v1\/account\/password$/);
    await field(sec, '当前密码').fill('not-the-password-at-all');
    await field(sec, '新密码').fill('Xinghuo-Changed-2020');
    await sec.getByRole('button', {name: '修改密码', exact: true}).click();
    assert.equal(await errorNextTo(sec, '当前密码'), '与本账号的当前密码不符。');
    await field(sec, '当前密码').fill(ORG.password);
    await sec.getByRole('button', {name: '修改密码', exact: true}).click();
    await sec.getByText('密码已修改', {exact: false}).waitFor();
    await clerk.look('password-changed');
    // Forgotten: the administrator's command prints a one-time link.
    const out = env.server.cli(['account', 'reset-password', '--config', env.server.config, '--email', ORG.email, '--url', clerk.base]);
    const link = out.trim().split('\n').pop();
    assert.match(link, /\/#\/reset\/sb_[\w-]+$/);
    const other = await person('the clerk, on another computer');
    await other.page.goto(link);
    await other.settle();
    const om = main(other);
    assert.equal(await h1(other).textContent(), '重设密码');
    await field(om, '新密码').fill('Xinghuo-Reset-2020-10');
    await field(om, '再次输入新密码').fill('Xinghuo-Reset-2020-1O');
    await om.getByRole('button', {name: '设置新密码'}).click();
    assert.equal(await errorNextTo(om, '再次输入新密码'), '两次输入的密码不一致。');
    await field(om, '再次输入新密码').fill('Xinghuo-Reset-2020-10');
    await other.look('password-reset');
    await om.getByRole('button', {name: '设置新密码'}).click();
    await other.page.waitForURL(/#\/signin$/);
    await other.settle();
    await om.getByText('密码已重设，请用新密码登录。').waitFor();
    // the link works once
    other.expect(422, 'POST', /^\/v1\/password-reset$/);
    await other.page.goto(link);
    await other.settle();
    await field(om, '新密码').fill('Xinghuo-Again-2020-10');
    await field(om, '再次输入新密码').fill('Xinghuo-Again-2020-10');
    await om.getByRole('button', {name: '设置新密码'}).click();
    await om.getByText('重置链接无效', {exact: false}).waitFor();
    // the first computer's session ended: it signs in again with the new password
    clerk.expect(401, 'GET', /^\/v1\//);
    await page.reload();
    await clerk.go('#/signin');
    const panel = m.locator('section.panel').filter({hasText: '申报单位登录'});
    await panel.getByText('忘记密码？', {exact: false}).waitFor();
    await field(panel, '联系邮箱').fill(ORG.email);
    await field(panel, '密码').fill('Xinghuo-Reset-2020-10');
    await panel.getByRole('button', {name: '登录', exact: true}).click();
    await page.waitForURL(/#\/apps$/);
    await clerk.settle();
  });

  step('API reference: the OpenAPI document shown by tag, reached from the navigation, in both languages', async () => {
    const pub = s.pub;
    await pub.go('#/');
    await pub.page.getByRole('navigation', {name: '主导航'}).getByRole('link', {name: '接口文档'}).click();
    await pub.settle();
    assert.equal(new URL(pub.page.url()).hash, '#/api');
    const m = main(pub);
    assert.equal(await h1(pub).textContent(), '接口文档');
    const doc = await pub.page.evaluate(async () => (await fetch('/v1/openapi.json')).json());
    // Every operation of the document is on the page, under its tag.
    const ops = Object.values(doc.paths).flatMap((item) => Object.values(item));
    assert.equal(await m.locator('details.op').count(), ops.length);
    // An operation opens from the contents, with who may call it, its
    // parameters, body, answers and examples.
    await m.locator('nav.toc').getByRole('link', {name: /^POST \/v1\/applications$/}).click();
    await pub.page.waitForFunction(() => document.activeElement && document.activeElement.id === 'ref-applications_create');
    assert.equal(new URL(pub.page.url()).hash, '#/api/applications_create');
    const create = m.locator('#ref-applications_create');
    assert.equal(await create.getAttribute('open'), '');
    await create.getByText('/v1/applications', {exact: true}).waitFor();
    await create.getByText('申报单位', {exact: true}).waitFor();
    await create.getByText('可安全重试').waitFor();
    await create.locator('table.params').getByText('Idempotency-Key', {exact: true}).waitFor();
    await create.getByText(/^示例：.*\(tests\/api\/examples\/incubator\.json\)$/).click();
    await create.getByText('"mentor_sessions"', {exact: false}).first().waitFor();
    assert.ok(await m.locator('#ref-tag\\.applications h2').getByText('申报').count());
    await m.locator('#ref-problems').getByText('urn:shenbao:problem:idempotency-key-reused').waitFor();
    await pub.look('api-reference');

    // A schema it names is a link to it.
    await create.getByRole('link', {name: 'Envelope', exact: true}).click();
    await pub.page.waitForFunction(() => document.activeElement && document.activeElement.id === 'ref-schema.Envelope');
    await m.locator('#ref-schema\\.Envelope').getByRole('link', {name: 'Envelope.incubator'}).waitFor();
    // The routes of the materials, the desk and after approval, under
    // their tags: an upload is a file of the media types it takes, the
    // export a CSV file.
    for (const [tag, zh] of [['materials', '申报材料'], ['desk', '审核工作台'], ['duties', '后续管理']])
      await m.locator(`#ref-tag\\.${tag} h2`).getByText(zh, {exact: true}).waitFor();
    await m.locator('nav.toc').getByRole('link', {name: /^POST \/v1\/applications\/\{id\}\/materials$/}).click();
    await pub.page.waitForFunction(() => document.activeElement && document.activeElement.id === 'ref-material_upload');
    const upload = m.locator('#ref-material_upload');
    assert.equal(await upload.getAttribute('open'), '');
    await upload.getByText('可安全重试').waitFor();
    for (const type of ['application/pdf', 'application/ofd', 'image/png'])
      assert.ok(await upload.locator('code', {hasText: type}).count(), type);
    await upload.locator('table.params').getByText('Content-Disposition', {exact: true}).waitFor();
    await m.locator('#ref-applications_export').locator('code', {hasText: 'text/csv'}).first().waitFor({state: 'attached'});

    await pub.page.getByRole('button', {name: 'Switch to English'}).click();
    await pub.settle();
    assert.equal(await h1(pub).textContent(), 'API reference');
    await main(pub).locator('#ref-tag\\.applications h2').getByText('Applications').waitFor();
    await pub.look('api-reference-english');
    await pub.page.getByRole('button', {name: '切换到中文'}).click();
    await pub.settle();
  });

  return hooks;
}
