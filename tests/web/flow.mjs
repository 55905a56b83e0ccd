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
import fs from 'node:fs';

import {NARROW, WIDE, group, row, field, fill, yuan, uscc, flipCheck,
  steps, main, h1, errorNextTo, errorOfGroup, apiGet, appIdFromHash, saveDraft, staffSignIn} from './lib.mjs';

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

// ---- helpers over a person's page ----

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
    await pub.look('start');
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
    await fill(m, {联系邮箱: ORG.email, 密码: ORG.password});
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

    // ...but lets the clerk save: the server says what is wrong, and where.
    clerk.expect(422, 'POST', APP);
    await saveDraft(clerk);
    clerk.sawAnswer(422, 'POST', APP);
    const summary = m.locator('div.alert.error[role=alert]').first();
    await summary.waitFor({state: 'visible'});
    assert.match(await summary.textContent(), /尚未保存到服务器/);
    assert.match(await summary.textContent(), /暂存在本浏览器/);
    assert.equal(await errorNextTo(m, '入境外联人天数'), '所列团队合计 5,000 人天，与填写的 4,500 人天不一致。');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('role')), 'alert', 'the summary takes the focus');
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
    await page.waitForURL(/#\/edit\/\d+$/);
    await m.getByText('已保存（版本 1）', {exact: false}).waitFor();
    s.tourism = appIdFromHash(clerk);
    const {body} = await apiGet(clerk, `/v1/applications/${s.tourism}`);
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

  step('save at any time: a half-filled form is kept in this browser until the server takes it', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    await clerk.go('#/new/incubator');
    const m = main(clerk);
    await fill(m, {
      注册登记日期: '2018-03-01',
      孵化服务领域: {option: '集成电路'},
      '上年度总收入（元）': '2,500,000.50',
      导师服务人次: '55',
    });
    clerk.expect(422, 'POST', APP);
    await saveDraft(clerk);
    clerk.sawAnswer(422, 'POST', APP);
    const summary = m.locator('div.alert.error[role=alert]').first();
    await summary.waitFor({state: 'visible'});
    assert.match(await summary.textContent(), /尚未保存到服务器.*请补全或修改下面列出的内容.*暂存在本浏览器中/s);
    assert.equal(await errorNextTo(m, '运营团队情况'), '必填。');
    assert.equal(await errorOfGroup(m, '专业服务收入（元）'), '必填。');
    await m.locator('.keptnote').getByText('已暂存在本浏览器', {exact: false}).waitFor();
    assert.equal((await localDraftKeys(clerk)).length, 1);
    await clerk.look('incubator-half-filled-422');
    // The English page asks the server for English (Accept-Language), though
    // the browser prefers Chinese.
    await page.getByRole('button', {name: 'Switch to English'}).click();
    await clerk.settle();
    clerk.expect(422, 'POST', APP);
    await page.getByRole('button', {name: 'Save draft', exact: true}).click();
    await clerk.settle();
    clerk.sawAnswer(422, 'POST', APP);
    assert.equal(await errorNextTo(m, 'Operating team'), 'is required');
    await page.getByRole('button', {name: '切换到中文'}).click();
    await clerk.settle();

    // Reloading (or coming back later) brings the entries back.
    await page.reload();
    await clerk.settle();
    assert.match(new URL(page.url()).hash, /^#\/new\/incubator$/);
    await m.getByText('已恢复您在本浏览器中填写、尚未保存到服务器的内容', {exact: false}).waitFor();
    assert.equal(await field(m, '注册登记日期').inputValue(), '2018-03-01');
    assert.equal(await field(m, '孵化服务领域').inputValue(), 'integrated_circuits');
    assert.equal(await field(m, '上年度总收入（元）').inputValue(), '2,500,000.50');
    assert.equal(await field(m, '导师服务人次').inputValue(), '55');
    await clerk.look('incubator-restored');
    // My applications points to it.
    await clerk.go('#/apps');
    await m.getByText('本浏览器中有尚未保存到服务器的申报表', {exact: false}).waitFor();
    await m.locator('div.alert').getByRole('link', {name: '科技企业孵化器认定'}).click();
    await page.waitForURL(/#\/new\/incubator$/);
    await clerk.settle();
    assert.equal(await field(m, '导师服务人次').inputValue(), '55');

    // Completed, it is saved on the server and the local copy goes.
    await tuple(m, '专业服务收入（元）', [100000000, 120000000, 150000000]);
    await tuple(m, '在孵企业营业收入（元）', [2000000000, 2300000000, 2600000000]);
    await fill(m, {运营团队情况: '运营团队 5 人。'});
    await saveDraft(clerk);
    await page.waitForURL(/#\/edit\/\d+$/);
    await m.getByText('已保存（版本 1）', {exact: false}).waitFor();
    const id = appIdFromHash(clerk);
    assert.deepEqual(await localDraftKeys(clerk), []);
    const {body} = await apiGet(clerk, `/v1/applications/${id}`);
    assert.equal(body.data.total_revenue_fen, 250000050);
    assert.equal(body.data.registered_on, '2018-03-01');

    // Changes to a saved draft are kept too, and can be thrown away.
    await field(m, '导师服务人次').fill('70');
    await m.locator('.keptnote').getByText('已暂存在本浏览器', {exact: false}).waitFor();
    await page.reload();
    await clerk.settle();
    assert.equal(await field(m, '导师服务人次').inputValue(), '70');
    await m.getByRole('button', {name: '放弃这些内容，显示服务器上的版本'}).click();
    assert.equal(await field(m, '导师服务人次').inputValue(), '55');
    assert.deepEqual(await localDraftKeys(clerk), []);
  });

  step('submit: the incubator application goes to the district', async () => {
    const clerk = s.clerk;
    const page = clerk.page;
    await clerk.go('#/apps');
    const m = main(clerk);
    const card = m.locator('li.card').filter({hasText: `申报 #${s.incubator} · 北京市科技企业孵化器认定`});
    await card.getByText('草稿').waitFor();
    await clerk.look('my-applications');
    await card.getByRole('link', {name: '编辑'}).click();
    await page.waitForURL(new RegExp(`#/edit/${s.incubator}$`));
    await clerk.settle();
    await m.getByText('全部条件符合。').waitFor();
    await page.getByRole('button', {name: '提交申报', exact: true}).click();
    await page.waitForURL(new RegExp(`#/app/${s.incubator}$`));
    await clerk.settle();
    await m.getByText('已提交，等待区级初审。').waitFor();
    await m.locator('p.status .badge').getByText('区级初审中').waitFor();
    await m.locator('table.history').getByText('提交申报').waitFor();
    await m.locator('details.data > summary').click();
    await m.locator('details.data table.grid').first().waitFor();
    await clerk.look('application-submitted');
  });

  step('district reviewer: signs in with the staff token and approves in the queue', async () => {
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
    await m.getByText('海淀区', {exact: true}).waitFor();
    const card = m.locator('article.card.review').filter({hasText: `#${s.incubator} ${ORG.name}`});
    await card.getByText('全部条件符合。').waitFor();
    await d.look('queue-district');
    await fill(card, {审核决定: {option: '通过'}, 审核意见: '材料齐全，符合认定条件，同意报市科委复审。'});
    await card.getByRole('button', {name: '提交审核意见'}).click();
    await card.getByText('已办理：区级初审通过。').waitFor();
    await card.locator('.badge').getByText('市级复审中').waitFor();
    await d.look('queue-district-done');
  });

  step('municipal reviewer: approves with the expert review and the site inspection; the notice starts', async () => {
    const mu = s.municipal = await person('municipal reviewer');
    const page = mu.page;
    await mu.go('#/signin');
    const staff = main(mu).locator('section.panel').filter({hasText: '审核人员登录'});
    await field(staff, '访问令牌').fill(env.server.tokens.municipal_science_tech);
    await staff.getByRole('button', {name: '登录', exact: true}).click();
    await page.waitForURL(/#\/queue$/);
    await mu.settle();
    const m = main(mu);
    await m.getByText('北京市科学技术委员会', {exact: true}).waitFor();
    const card = m.locator('article.card.review').filter({hasText: `#${s.incubator} ${ORG.name}`});
    await card.locator('details.data > summary').click();
    await card.locator('details.data table.grid').first().waitFor();
    // The stage records appear once "approve" is chosen.
    assert.equal(await group(card, '专家评审').isVisible(), false);
    await fill(card, {审核决定: {option: '通过'}, 审核意见: '经专家评审和实地核查，同意认定。'});
    await fill(group(card, '专家评审'), {日期: '2020-09-25', 是否通过: true, 意见摘要: '专家组一致同意。'});
    await fill(group(card, '实地核查'), {日期: '2020-09-27', 是否通过: true, 意见摘要: '场地、团队与申报一致。'});
    await mu.look('queue-municipal');
    await card.getByRole('button', {name: '提交审核意见'}).click();
    await card.getByText('已办理：市级复审通过。').waitFor();
    await card.locator('.badge').getByText('公示中').waitFor();
    await card.getByText('公示期：2020-09-29 至 2020-10-12').waitFor();
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
    await m.getByText('北京市文化和旅游局', {exact: true}).waitFor();
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
    await clerk.go(`#/app/${s.incubator}`);
    const m = main(clerk);
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
