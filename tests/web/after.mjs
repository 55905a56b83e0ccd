// Browser steps for what comes after approval (RULES.md §7–8): an experience
// base certified through the API, then in the pages: what is due and when
// on the holder's page and its annual report filed there, the printable
// certification naming the base, the published list, the reviewer's duties
// view, and the base given up through its district bureau.
//
// They set up their own applications over HTTP and do not depend on the
// steps of flow.mjs; like those, a failed step skips the later ones.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import {it} from 'node:test';

import {Person, launch, field, fill, group, uscc, saveDraft, appIdFromHash, apiGet, attachMaterials, confirmSubmission} from './lib.mjs';

const OPERATOR = {name: '北京三山五园文化发展有限公司', uscc: uscc('91110108MA01EBX1Q')};
const BASE = '三山五园古都文化体验基地';
const OPERATOR2 = {name: '北京红色记忆文化传播有限公司', uscc: uscc('91110108MA01EBX2R')};
const BASE2 = '红色记忆沉浸式体验基地';

const main = (p) => p.page.locator('main');

// One JSON request to the server with a bearer token.
// A Buffer body is sent as it is, as a PDF (a material).
function call(env, method, path, body, token) {
  const raw = Buffer.isBuffer(body);
  const data = body === undefined ? null : raw ? body : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(`${env.server.base}${path}`, {
      method,
      headers: {
        ...(data ? {'Content-Type': raw ? 'application/pdf' : 'application/json', 'Content-Length': data.length} : {}),
        ...(token ? {Authorization: `Bearer ${token}`} : {}),
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let doc = null;
        try { doc = JSON.parse(text); } catch { doc = text; }
        resolve({status: res.statusCode, body: doc});
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

async function ok(env, method, path, body, token, want = 200) {
  const r = await call(env, method, path, body, token);
  assert.equal(r.status, want, `${method} ${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export function register(env, {failed}) {
  let browser = null;
  const people = [];
  let broken = null;
  const s = {};

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

  async function signInWithToken(p, token, lands) {
    await p.go('#/signin');
    const staff = main(p).locator('section.panel').filter({hasText: '审核人员登录'});
    await field(staff, '访问令牌').fill(token);
    await staff.getByRole('button', {name: '登录', exact: true}).click();
    await p.page.waitForURL(lands);
    await p.settle();
  }

  step('after approval: an experience base certified through the API', async () => {
    assert.ok(browser, 'Chromium launched');
    const out = env.server.cli(['account', 'add', '--config', env.server.config, '--role', 'applicant',
      '--name', OPERATOR.name, '--uscc', OPERATOR.uscc]);
    s.token = out.trim().split('\n').pop().trim();
    const t = env.server.tokens;
    const app = await ok(env, 'POST', '/v1/applications', {
      kind: 'experience_base', round: 2020, review_unit: '110108',
      applicant: OPERATOR,
      data: {
        theme: 'ancient_capital',
        base: {name: BASE, address: '北京市海淀区颐和园路5号', district: '110108', opening: 'published_hours'},
        established_on: '2016-04-18', direct: false, catering: false,
        declarations: {no_major_accident: true, no_market_order_problem: true, no_environmental_event: true,
          no_major_violation: true, fire_permit: true, property_certificates: true, health_permit: true,
          food_permit: false, toilets: true, parking: true, rest_areas: true, safety_equipment: true,
          professional_staff: true},
      },
    }, s.token, 201);
    s.id = app.id;
    // 第十一条: a small PDF for each document it needs
    for (const type of (await ok(env, 'GET', `/v1/applications/${s.id}/materials`, undefined, s.token)).missing) {
      await ok(env, 'POST', `/v1/applications/${s.id}/materials?type=${type}`, Buffer.from(`%PDF-1.4\n% ${type}\n`), s.token, 201);
    }
    await ok(env, 'POST', `/v1/applications/${s.id}/submit`, undefined, s.token);
    await ok(env, 'POST', `/v1/applications/${s.id}/reviews`, {stage: 'district', decision: 'approve',
      site_scoring: {date: '2020-09-29', score: 88, summary: '实地勘验评分 88 分。'}}, t.district_110108);
    const done = await ok(env, 'POST', `/v1/applications/${s.id}/reviews`, {stage: 'municipal', decision: 'approve',
      site_inspection: {date: '2020-09-29', passed: true, summary: '实地勘验属实。'}}, t.municipal_culture_tourism);
    assert.equal(done.status, 'approved');
  });

  step('after approval: the holder sees what is due and when, and files its annual report', async () => {
    const o = s.operator = await person('experience base operator');
    await signInWithToken(o, s.token, /#\/apps$/);
    await o.go(`#/app/${s.id}`);
    const duties = main(o).locator('section.duties');
    await duties.getByRole('heading', {name: '待办事项'}).waitFor();
    const row = duties.locator('table.duties tbody tr').filter({hasText: '年度报告'});
    await row.getByText('2020-12-15').waitFor();
    await row.getByText('待完成').waitFor();
    await duties.locator('table.duties tbody tr').filter({hasText: '复核'}).getByText('2023-10-07').waitFor();  // 09-29 to 10-06 off, 10-07 a working Saturday
    // the printable certification names the base, and has no amount
    const cert = main(o).locator('article.cert');
    await cert.getByText(BASE).waitFor();
    assert.equal(await cert.getByText('金额').count(), 0);
    await o.look('after-duties-holder');
    await duties.locator('details.report > summary').click();
    const form = duties.locator('details.report form');
    await fill(form, {'报告类型': {option: '年度报告'}});
    await fill(form, {'报告年度': {option: '2020'}, '报告内容': '2020 年度基地接待游客 12 万人次，体验项目运行正常。'});
    // the report brings a file: uploaded when it is sent, its hash kept
    const annex = Buffer.from('%PDF-1.7\n% 2020 visitors by month\n%%EOF\n');
    await field(form, '报告附件').setInputFiles({name: '2020年度接待统计.pdf', mimeType: 'application/pdf', buffer: annex});
    await form.getByRole('button', {name: '报送', exact: true}).click();
    await main(o).getByText('报告已报送。').waitFor();
    await o.settle();
    const {body: reports} = await apiGet(o, `/v1/applications/${s.id}/reports`);
    assert.deepEqual(reports.items[0].body.materials.map((m) => [m.type, m.sha256, m.bytes]),
      [['report_attachment', crypto.createHash('sha256').update(annex).digest('hex'), annex.length]]);
    const filed = main(o).locator('section.duties table.duties tbody tr').filter({hasText: '2020-12-15'});
    await filed.getByText('已报送').waitFor();
    // the next year's report follows
    await main(o).locator('section.duties table.duties tbody tr').filter({hasText: '2021-12-15'}).waitFor();
    await o.look('after-report-filed');
  });

  step('after approval: the published list shows the base, signed out', async () => {
    const pub = await person('public (lists)');
    await pub.go('#/lists');
    await main(pub).getByRole('link', {name: /文化旅游体验基地/}).click();
    await pub.page.waitForURL(/#\/list\/experience_base$/);
    await pub.settle();
    const row = main(pub).locator('table.publist tbody tr').filter({hasText: BASE});
    await row.getByRole('cell', {name: '古都文化', exact: true}).waitFor();
    await row.getByText(OPERATOR.uscc).waitFor();
    await row.getByText('有效', {exact: true}).waitFor();
    await pub.look('after-public-list');
    s.pub = pub;
  });

  step('after approval: the reviewer\'s duties view', async () => {
    const m = s.municipal = await person('culture and tourism reviewer');
    await signInWithToken(m, env.server.tokens.municipal_culture_tourism, /#\/queue$/);
    await m.go('#/duties');
    await main(m).getByRole('heading', {name: '待办事项与撤销提示'}).waitFor();
    await main(m).getByText('暂无待办事项。').waitFor();
    await field(main(m), '只看待处理的撤销提示').setChecked(false);
    await main(m).getByRole('button', {name: '筛选', exact: true}).click();
    await main(m).locator('table.duties tbody tr').filter({hasText: OPERATOR.name}).first().waitFor();
    await m.look('after-duties-view');
  });

  step('after approval: the base given up through its district bureau (第十七条)', async () => {
    const o = s.operator;
    await o.go(`#/app/${s.id}`);
    const duties = main(o).locator('section.duties');
    await duties.locator('details.surrender > summary').click();
    await fill(duties.locator('details.surrender form'), {'申请理由': '基地转型，申请撤销命名。'});
    await duties.getByRole('button', {name: '提出申请', exact: true}).click();
    await main(o).getByText('申请已提交区文化和旅游局。').waitFor();
    await o.settle();
    await main(o).getByText('撤销命名申请：待区文化和旅游局审核').waitFor();

    const d = await person('district bureau (surrender)');
    await signInWithToken(d, env.server.tokens.district_110108, /#\/queue$/);
    await d.go('#/duties');
    const card = main(d).locator('article.card').filter({hasText: OPERATOR.name});
    await fill(card, {'审核决定': {option: '通过'}, '审核意见': '经审核，同意报市文化和旅游局。'});
    await d.look('after-surrender-district');
    await card.getByRole('button', {name: '提交决定', exact: true}).click();
    await main(d).getByText('已处理。').waitFor();

    const m = s.municipal;
    await m.go('#/duties');
    const mcard = main(m).locator('article.card').filter({hasText: OPERATOR.name});
    await fill(mcard, {'审核决定': {option: '通过'}, '审核意见': '经审议，撤销其基地命名。'});
    await mcard.getByRole('button', {name: '提交决定', exact: true}).click();
    await main(m).getByText('已处理。').waitFor();

    await s.pub.go('#/list/experience_base');
    await main(s.pub).locator('table.publist tbody tr').filter({hasText: BASE}).getByText('主动撤销').first().waitFor();
    await s.pub.look('after-list-surrendered');
  });

  step('experience base: the form from its schema, the district\'s site scoring in its queue, the municipal inspection; certified at once', async () => {
    const out = env.server.cli(['account', 'add', '--config', env.server.config, '--role', 'applicant',
      '--name', OPERATOR2.name, '--uscc', OPERATOR2.uscc]);
    const token = out.trim().split('\n').pop().trim();
    const o = await person('experience base operator (form)');
    await signInWithToken(o, token, /#\/apps$/);
    await o.go('#/new/experience_base');
    const m = main(o);
    await fill(m, {体验主题: {option: '红色文化'}});
    await fill(group(m, '基地'), {
      基地名称: BASE2, 基地地址: '北京市海淀区北四环西路1号', 所在区: {option: '海淀区'},
      开放方式: {option: '接受预约'},
    });
    await fill(m, {运营单位成立日期: '2017-06-01', 经营餐饮: true});
    const declared = group(m, '申报单位承诺');
    for (const label of ['申报前两年内无重特大生产安全事故', '申报前两年内无重大市场秩序问题',
      '申报前两年内无重大生态环境破坏事件', '申报前两年内无其他重大违法违规行为', '消防许可证',
      '基地内所有建筑的房产证', '公共场所卫生许可证', '食品卫生许可证', '厕所', '停车场', '休憩场所',
      '安全设施设备及提示警示标识', '专业服务人员和管理队伍']) await field(declared, label).setChecked(true);
    await o.look('after-base-form');
    await saveDraft(o);
    await o.page.waitForURL(/#\/edit\/\d+$/);
    const id = appIdFromHash(o);
    const {body} = await apiGet(o, `/v1/applications/${id}`);
    assert.equal(body.eligibility.eligible, true, JSON.stringify(body.eligibility));
    // 第十一条: the five documents it needs, then the form submits
    assert.deepEqual((await attachMaterials(o, id)).sort(),
      ['application_form', 'introduction', 'legal_certificate', 'licences', 'media']);
    await o.page.reload();
    await o.settle();
    await o.page.getByRole('button', {name: '提交申报', exact: true}).click();
    await confirmSubmission(o);
    await o.page.waitForURL(new RegExp(`#/app/${id}$`));
    await o.settle();
    await m.locator('p.status .badge').getByText('区级初审中').waitFor();

    // 第十二条(二): the district bureau scores the base on site
    const d = await person('district bureau (scoring)');
    await signInWithToken(d, env.server.tokens.district_110108, /#\/queue$/);
    await d.go(`#/review/${id}`);
    const form = main(d).locator('section.decide');
    await form.getByLabel('同意推荐', {exact: true}).check();
    await fill(form, {意见: '材料齐全，实地勘验合格，推荐。'});
    await fill(group(form, '实地勘验评分'), {日期: '2020-09-29', 评分: '91', 勘验意见: '体验项目互动性强。'});
    await d.look('after-base-district');
    await form.getByRole('button', {name: '提交审核意见'}).click();
    await main(d).locator('p.status .badge').getByText('市级复审中').waitFor();

    // 第十二条(四)(五): the municipal inspection; certified, no notice
    const mu = await person('culture and tourism reviewer (inspection)');
    await signInWithToken(mu, env.server.tokens.municipal_culture_tourism, /#\/queue$/);
    await mu.go(`#/review/${id}`);
    const mform = main(mu).locator('section.decide');
    await mform.getByLabel('予以认定', {exact: true}).check();
    await fill(mform, {意见: '复审通过，列入基地名单。'});
    await fill(group(mform, '实地勘验'), {日期: '2020-09-29', 是否通过: true, 意见摘要: '实地勘验属实。'});
    await mu.look('after-base-municipal');
    await mform.getByRole('button', {name: '提交审核意见'}).click();
    await main(mu).locator('p.status .badge').getByText('已批准').waitFor();
    const after = await apiGet(mu, `/v1/applications/${id}`);
    assert.equal(after.body.status, 'approved');
    assert.ok(after.body.certificate_serial);
    assert.equal(after.body.notice, null);
  });

  return {
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
}
