// The browser tests against a server with each kind's own stages
// (configuration {"stages": {}}, RULES.md §1): a first-store application
// goes through the district and the municipal stage and is approved, its
// funding decision issued, by the municipal approval itself; an incubator
// goes straight to the municipal stage and on to its public notice; the
// reviewers' queues offer the kinds that have their stage.  And the check
// that the pages name no kind of their own: what they know of the kinds
// they have from GET /v1/kinds.
//
// People: the clerk of a retailer (first store) and of an incubator, the
// district reviewer of Haidian (110108), and the municipal reviewers of
// commerce, of science and technology, and of culture and tourism.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {group, field, fill, uscc, steps, main, h1, apiGet, apiPost, appIdFromHash, saveDraft, staffSignIn, attachMaterials, confirmSubmission} from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WEB = path.join(HERE, '..', '..', 'web');
const EXAMPLES = path.join(HERE, '..', 'api', 'examples');

const RETAILER = {
  name: '北京海淀悦尚商贸有限公司',
  uscc: uscc('91110108MA02B3CD4'),
  email: 'finance@yueshang-retail.example.cn',
  password: 'Yueshang-Apply-2020',
};

const INCUBATOR = {
  name: '北京海淀启明星孵化器有限公司',
  uscc: uscc('91110108MA03E5FG6'),
  email: 'office@qimingxing-incubator.example.cn',
  password: 'Qimingxing-Apply-2020',
};

// The titles the server gives the kinds (GET /v1/kinds): the pages show
// these, not words of their own.
const TITLE = {
  incubator: '北京市科技企业孵化器认定',
  first_store: '鼓励发展商业品牌首店项目',
  tourism_award: '北京市入境旅游奖励与扶持资金',
  experience_base: '北京市文化旅游体验基地认定',
};

// GET of the server's JSON from the test runner itself (node:http).
function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, {timeout: 5000}, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => {
        try {
          resolve({status: res.statusCode, body: JSON.parse(body)});
        } catch (e) {
          reject(e);
        }
      });
    }).on('error', reject);
  });
}

// Whether `text` mentions `word` as a whole identifier (first_store, not
// first_stores; science_tech, not science_tech_services).
const mentions = (text, word) => new RegExp(`(?<![A-Za-z0-9_])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`).test(text);

export function register(env, {failed}) {
  const {step, person, hooks} = steps(env, {failed});
  const s = {};

  step('the pages name no kind of their own: no kind or authority outside i18n.js, no kind\'s title anywhere in web/', async () => {
    assert.ok(mentions("const k = 'first_store';", 'first_store'));
    assert.ok(!mentions('science_tech_services', 'science_tech'));
    const {status, body} = await getJson(`${env.server.base}/v1/kinds`);
    assert.equal(status, 200);
    s.kinds = body.items;
    assert.deepEqual(s.kinds.map((k) => k.name).sort(), Object.keys(TITLE).sort());
    const files = fs.readdirSync(WEB).filter((f) => /\.(js|html|css)$/.test(f));
    assert.ok(files.includes('app.js') && files.includes('i18n.js') && files.includes('kinds.js'), files.join(' '));
    const found = [];
    for (const f of files) {
      const text = fs.readFileSync(path.join(WEB, f), 'utf8');
      for (const k of s.kinds) {
        // Names: i18n.js may group a kind's fields by its name (LAYOUT).
        if (f !== 'i18n.js') {
          for (const id of [k.name, k.authority]) if (mentions(text, id)) found.push(`${f}: ${id}`);
        }
        for (const words of [k.title_zh, k.title_en, k.issues.title_zh, k.issues.title_en, k.authority_zh, k.authority_en]) {
          if (words && text.includes(words)) found.push(`${f}: "${words}"`);
        }
      }
    }
    assert.deepEqual(found, [], 'what only the server should say about its kinds');
  });

  step('a retailer signs up; its applications page offers the kinds the server has, with their authorities', async () => {
    const clerk = s.retailer = await person('retailer');
    const page = clerk.page;
    await clerk.go('#/');
    const m = main(clerk);
    // The start page lists the programmes, and the footer their authorities.
    for (const k of s.kinds) await m.locator('ul.programmes').getByText(k.title_zh, {exact: true}).waitFor();
    assert.equal((await page.locator('footer').textContent()).trim(),
      '北京市科学技术委员会 · 北京市商务局 · 北京市文化和旅游局');
    await clerk.go('#/signup');
    await fill(m, {
      '单位名称（与营业执照一致）': RETAILER.name, 统一社会信用代码: RETAILER.uscc,
      联系邮箱: RETAILER.email, 密码: RETAILER.password,
    });
    await page.getByRole('button', {name: '注册', exact: true}).click();
    await page.waitForURL(/#\/apps$/);
    await clerk.settle();
    const tiles = m.locator('ul.tiles a.tile');
    assert.equal(await tiles.count(), s.kinds.length);
    const store = tiles.filter({hasText: TITLE.first_store});
    await store.getByText('北京市商务局').waitFor();
    await store.getByText('品牌首店项目资金支持决定').waitFor();
    await tiles.filter({hasText: TITLE.incubator}).getByText('批准后颁发：北京市科技企业孵化器认定证书（有效期 3 年）').waitFor();
    await clerk.look('stages-my-applications');
    // A kind the server does not have is no page.
    await clerk.go('#/new/lottery');
    assert.equal(await h1(clerk).textContent(), '页面不存在');
  });

  step('first store: filled, saved and submitted, it goes to the district', async () => {
    const clerk = s.retailer;
    const page = clerk.page;
    await clerk.go('#/new/first_store');
    const m = main(clerk);
    assert.equal(await h1(clerk).textContent(), `新建申报：${TITLE.first_store}`);
    // Enterprise review units take first-store applications: the district
    // is the default, the list has the others too.
    assert.equal(await field(m, '初审单位').inputValue(), '110108');
    await fill(m, {项目类型: {option: '开设示范首店、旗舰店'}});
    await fill(m, {申报主体: {option: '国际品牌'}, 申报类别: {option: '北京首店'}, 品牌名称: 'Maison Exemple'});
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
    await m.getByText(/已保存（版本 \d+）/).waitFor();
    s.store = appIdFromHash(clerk);
    const {body} = await apiGet(clerk, `/v1/applications/${s.store}`);
    assert.equal(body.eligibility.eligible, true, JSON.stringify(body.eligibility));
    // The documents of a store opening (RULES.md §6), the store's own among them.
    const attached = await attachMaterials(clerk, s.store);
    assert.ok(attached.includes('store_evidence'), attached.join());
    await page.reload();
    await clerk.settle();
    await m.getByText('必需材料已齐全。').waitFor();
    await page.getByRole('button', {name: '提交申报', exact: true}).click();
    await confirmSubmission(clerk);
    await page.waitForURL(new RegExp(`#/app/${s.store}$`));
    await clerk.settle();
    await m.getByText('已提交，等待区级初审。').waitFor();
    await m.locator('p.status .badge').getByText('区级初审中').waitFor();
  });

  step('incubator: submitted, it goes straight to the municipal stage (no district stage in 京科发〔2020〕13号)', async () => {
    const clerk = s.incubator = await person('incubator');
    const page = clerk.page;
    await clerk.go('#/');
    // Signed up and the application made through the API, as the pages
    // would: the form itself is the other set's business.
    const up = await apiPost(clerk, '/v1/signup', {name: INCUBATOR.name, uscc: INCUBATOR.uscc, email: INCUBATOR.email, password: INCUBATOR.password});
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const env_ = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'incubator.json'), 'utf8'));
    env_.applicant = {name: INCUBATOR.name, uscc: INCUBATOR.uscc};
    const made = await apiPost(clerk, '/v1/applications', env_);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    s.incubatorApp = made.body.id;
    assert.equal(made.body.eligibility.eligible, true, JSON.stringify(made.body.eligibility));
    assert.equal((await attachMaterials(clerk, s.incubatorApp)).length, 5);
    // Loaded again, the page finds the session (and goes on to My applications).
    await page.reload();
    await page.waitForURL(/#\/apps$/);
    await clerk.settle();
    await clerk.go(`#/app/${s.incubatorApp}`);
    const m = main(clerk);
    assert.equal(await h1(clerk).textContent(), `申报 #${s.incubatorApp} · ${TITLE.incubator}`);
    await m.getByText('本类申报没有金额；批准后颁发证书，有效期 3 年。').waitFor();
    await m.getByRole('link', {name: '提交申报', exact: true}).click();
    await confirmSubmission(clerk);
    await m.getByText('已提交：市级复审中。').waitFor();
    await m.locator('p.status .badge').getByText('市级复审中').waitFor();
    await clerk.look('stages-incubator-submitted');
  });

  // The worklist row of application `id`, and its review page opened from it.
  async function openFromWorklist(p, id) {
    const m = main(p);
    await m.locator('table.worklist').getByRole('link', {name: `#${id}`, exact: true}).click();
    await p.page.waitForURL(new RegExp(`#/review/${id}$`));
    await p.settle();
    return m.locator('section.decide');
  }

  step('district reviewer: the worklist offers the kinds with a district stage only, and passes the first store on', async () => {
    const d = await person('district reviewer');
    await staffSignIn(d, env.server.tokens.district_110108);
    const m = main(d);
    await m.locator('p.lead').getByText('海淀区', {exact: true}).waitFor();
    // First stores and experience bases have a district stage (48号 六,
    // 407号 第十二条).
    assert.equal((await m.locator('p.stagekinds').textContent()).trim(), `本阶段办理的申报类型：${TITLE.first_store}、${TITLE.experience_base}`);
    // the kind filter offers those kinds only
    const kindSel = field(m.locator('form.filters'), '申报类型');
    assert.deepEqual((await kindSel.locator('option').allTextContents()).map((x) => x.trim()), ['全部', TITLE.first_store, TITLE.experience_base]);
    const rows = m.locator('table.worklist tbody tr');
    assert.equal(await rows.count(), 1);
    assert.equal(await m.getByText(INCUBATOR.name).count(), 0, 'the incubator is not the district\'s');
    await rows.first().getByText(RETAILER.name).waitFor();
    assert.equal((await rows.first().locator('td[data-label="类型"]').textContent()).trim(), TITLE.first_store);
    const form = await openFromWorklist(d, s.store);
    // A district approval records nothing besides the opinion here.
    await form.getByLabel('同意推荐', {exact: true}).check();
    await fill(form, {意见: '材料齐全，同意报市商务局复审。'});
    assert.equal(await form.locator('.approve-only fieldset').count(), 0);
    await d.look('stages-review-district');
    await form.getByRole('button', {name: '提交审核意见'}).click();
    await m.getByText('已办理：审核：同意推荐。').waitFor();
    await m.locator('p.status .badge').getByText('市级复审中').waitFor();
  });

  step('commerce reviewer: approves with the audited investment; with no notice the decision is issued at once and shown', async () => {
    const mu = await person('commerce reviewer');
    await staffSignIn(mu, env.server.tokens.municipal_commerce);
    const m = main(mu);
    await m.locator('p.lead').getByText('北京市商务局', {exact: true}).waitFor();
    // No public notice for first-store funding: no objections to resolve.
    assert.equal(await m.locator('h2', {hasText: '公示中的申报与异议'}).count(), 0);
    await m.locator('table.worklist tbody tr').filter({hasText: RETAILER.name}).waitFor();
    const form = await openFromWorklist(mu, s.store);
    // the district's opinion is on the page
    await m.locator('table.history tr').filter({hasText: '区级初审：同意推荐'}).getByText('材料齐全，同意报市商务局复审。').waitFor();
    // The stage record (the application's: its audited amount) appears on approval.
    const audited = field(form, '审定投资额（元）');
    assert.equal(await audited.isVisible(), false);
    await form.getByLabel('予以支持', {exact: true}).check();
    await audited.waitFor({state: 'visible'});
    assert.match(await audited.locator('xpath=..').getAttribute('class'), /\breq\b/);
    await form.getByText('经审计的房租和装修费（或代理费、活动费用），按此计算支持金额；审定金额高于申报金额的，按申报金额计算。').waitFor();
    await fill(form, {意见: '经审计，房租和装修费用属实。', '审定投资额（元）': '1,200,000'});
    await mu.look('stages-review-first-store');
    await form.getByRole('button', {name: '提交审核意见'}).click();
    await m.getByText('已办理：市级复审：予以支持。本类申报不设公示：已批准，并即时颁发品牌首店项目资金支持决定。').waitFor();
    await m.locator('p.status .badge').getByText('已批准').waitFor();
    const cert = m.locator('section.issued article.cert');
    await cert.locator('h3').getByText('品牌首店项目资金支持决定', {exact: true}).waitFor();
    s.serial = (await cert.locator('code').first().textContent()).trim();
    assert.match(s.serial, /^SB-/);
    await cert.getByText('证书状态：有效').waitFor();
    const {body} = await apiGet(mu, `/v1/applications/${s.store}`);
    assert.equal(body.status, 'approved');
    assert.equal(body.certificate_serial, s.serial);
    assert.ok(body.award.total_fen > 0, JSON.stringify(body.award));
    assert.equal(body.granted_fen, body.award.total_fen);
    // what is granted, in 万元 as a bureau writes it
    await cert.getByText(`${body.granted_fen / 1000000} 万元`, {exact: true}).waitFor();
    const events = (await apiGet(mu, `/v1/applications/${s.store}/events`)).body.items.map((e) => e.action);
    assert.deepEqual(events, ['create', 'submit', 'district_approve', 'municipal_approve']);
    await mu.look('stages-review-first-store-issued');
  });

  step('the retailer sees the application approved and the decision', async () => {
    const clerk = s.retailer;
    await clerk.go(`#/app/${s.store}`);
    const m = main(clerk);
    await m.locator('p.status .badge').getByText('已批准').waitFor();
    const cert = m.locator('section.certsec');
    await cert.locator('article.cert code').getByText(s.serial).waitFor();
    await m.locator('table.history').getByText('市级复审：予以支持').waitFor();
    // 持有单位 once it holds what was issued
    await m.locator('dl.view.meta dt').getByText('持有单位', {exact: true}).waitFor();
    await clerk.look('stages-first-store-approved');
  });

  step('science and technology reviewer: the incubator, then its public notice', async () => {
    const mu = await person('science and technology reviewer');
    await staffSignIn(mu, env.server.tokens.municipal_science_tech);
    const m = main(mu);
    // The incubator has a notice: objections are this reviewer's.
    await m.locator('h2', {hasText: '公示中的申报与异议'}).waitFor();
    const form = await openFromWorklist(mu, s.incubatorApp);
    await form.getByLabel('予以认定', {exact: true}).check();
    await fill(form, {意见: '经专家评审和实地核查，同意认定。'});
    // a record's date lies between the submission and today (both 2020-09-29)
    await fill(group(form, '专家评审'), {日期: '2020-09-29', 是否通过: true, 意见摘要: '专家组一致同意。'});
    await fill(group(form, '实地核查'), {日期: '2020-09-29', 是否通过: true, 意见摘要: '场地、团队与申报一致。'});
    await form.getByRole('button', {name: '提交审核意见'}).click();
    await m.getByText('已办理：市级复审：予以认定。').waitFor();
    await m.getByText('公示期：2020-09-29 至 2020-10-12').waitFor();
    assert.equal(await m.locator('article.cert').count(), 0, 'issued only when the notice ends');
    await mu.go('#/queue');
    await m.locator('section').filter({has: mu.page.locator('h2', {hasText: '公示中的申报与异议'})})
      .getByText(`#${s.incubatorApp} ${INCUBATOR.name}`).waitFor();
  });

  step('culture and tourism reviewer: the ranking panel of the ranked kind, and no notice', async () => {
    const ct = await person('culture and tourism reviewer');
    await staffSignIn(ct, env.server.tokens.municipal_culture_tourism);
    const m = main(ct);
    // 市文化和旅游局 reviews two kinds; only the tourism awards are ranked.
    assert.equal((await m.locator('p.stagekinds').textContent()).trim(), `本阶段办理的申报类型：${TITLE.tourism_award}、${TITLE.experience_base}`);
    const panel = m.locator('section.panel.ranking');
    assert.equal(await panel.count(), 1);
    assert.equal((await panel.locator('h2').textContent()).trim(), `年度排名 · ${TITLE.tourism_award}`);
    assert.equal(await field(panel, '奖励年度').inputValue(), '2019', 'the award year is last year');
    await m.getByText('没有等待审核的申报。').waitFor();
    assert.equal(await m.locator('h2', {hasText: '公示中的申报与异议'}).count(), 0);
    await ct.look('stages-queue-culture-tourism');
  });

  return hooks;
}
