// Words of the interface, 简体中文 first, English second.

const KEY = 'shenbao.lang';
export let lang = localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
const I = () => (lang === 'en' ? 1 : 0);

export function setLang(l) {
  lang = l === 'en' ? 'en' : 'zh';
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
}

const S = {
  app: ['北京市项目申报', 'Beijing programme applications'],
  skip: ['跳到正文', 'Skip to content'],
  other_lang: ['English', '中文'],
  other_lang_name: ['Switch to English', '切换到中文'],
  nav: ['主导航', 'Main'],
  notices: ['公示', 'Public notices'],
  check: ['证书查验', 'Check a certificate'],
  signin: ['登录', 'Sign in'],
  signup: ['注册', 'Sign up'],
  signout: ['退出', 'Sign out'],
  my_apps: ['我的申报', 'My applications'],
  queue: ['审核工作台', 'Review desk'],
  duties_view: ['待办事项', 'Duties'],
  lists: ['认定名单', 'Published lists'],
  base_name: ['基地名称', 'Base'],
  base_address: ['基地地址', 'Address'],
  theme: ['体验主题', 'Theme'],
  loading: ['正在加载…', 'Loading…'],
  not_found: ['页面不存在', 'Page not found'],
  need_signin: ['请先登录。', 'Please sign in first.'],
  no_pages_role: ['本网页暂无此角色的功能，请使用接口。', 'There are no web pages for this role yet; use the API.'],
  intro: ['北京市支持政策项目的在线申报与审核。', 'Apply online for Beijing\'s support programmes; reviewers review here.'],
  programmes: ['受理的申报事项', 'Programmes taken here'],
  intro_apply: ['单位申报：注册或登录后填写申报表。', 'Organisations: sign up or sign in to fill in an application.'],
  intro_public: ['任何人均可查看公示、提出异议、查验证书。', 'Anyone may read the public notices, file an objection and check a certificate.'],
  // sign-in / sign-up
  applicant_signin: ['申报单位登录', 'Organisations'],
  staff_signin: ['审核人员登录', 'Staff'],
  staff_help: ['使用管理员发给您的访问令牌登录。', 'Sign in with the access token an administrator gave you.'],
  email: ['联系邮箱', 'Contact e-mail'],
  email_bad: ['请填写有效的邮箱地址。', 'Enter a valid e-mail address.'],
  password: ['密码', 'Password'],
  show_password: ['显示密码', 'Show password'],
  token: ['访问令牌', 'Access token'],
  org_name: ['单位名称（与营业执照一致）', 'Organisation name (as on the business licence)'],
  uscc: ['统一社会信用代码', 'Unified Social Credit Code'],
  uscc_help: ['18 位，最后一位为校验码。', '18 characters; the last one is a check character.'],
  uscc_len: ['已输入 {0} 位，应为 18 位。', '{0} characters; 18 are needed.'],
  uscc_char: ['不能含有字符 “{0}”（不使用 I、O、S、V、Z）。', 'The character “{0}” is not allowed (no I, O, S, V, Z).'],
  uscc_check: ['校验码不符：按前 17 位，最后一位应为 {0}。请核对。', 'The check character does not match: the first 17 characters call for {0}. Please check the code.'],
  uscc_ok: ['校验码正确。', 'Check character is correct.'],
  pw_short: ['太短：{0}/12 个字符。', 'Too short: {0}/12 characters.'],
  pw_ok: ['长度足够（{0} 个字符）。再混用字母、数字和符号会更安全。', 'Long enough ({0} characters). Mixing letters, digits and symbols makes it stronger.'],
  pw_strong: ['强（{0} 个字符）。', 'Strong ({0} characters).'],
  pw_help: ['至少 12 个字符。', 'At least 12 characters.'],
  have_account: ['已有账号？', 'Already have an account?'],
  no_account: ['还没有账号？', 'No account yet?'],
  bad_login: ['邮箱或密码不正确。', 'Wrong e-mail or password.'],
  bad_token: ['访问令牌无效。', 'This access token is not valid.'],
  too_many: ['尝试过于频繁，请稍后再试。', 'Too many attempts; please try again later.'],
  too_many_s: ['提交过于频繁，请 {0} 秒后再试。', 'Too many requests; please try again in {0} s.'],
  signed_in_as: ['已登录：{0}', 'Signed in: {0}'],
  // applications
  new_app: ['新建申报', 'New application'],
  open: ['打开', 'Open'],
  edit: ['编辑', 'Edit'],
  none_yet: ['还没有申报。', 'No applications yet.'],
  more: ['加载更多', 'Load more'],
  app_n: ['申报 #{0}', 'Application #{0}'],
  round: ['年度', 'Round'],
  status: ['状态', 'Status'],
  updated: ['更新时间', 'Updated'],
  submitted: ['提交时间', 'Submitted'],
  review_unit: ['初审单位', 'Review unit'],
  notice_dates: ['公示期：{0} 至 {1}', 'Public notice: {0} to {1}'],
  save: ['保存草稿', 'Save draft'],
  submit: ['提交申报', 'Submit'],
  view_receipt: ['受理回执', 'Receipt'],
  elig_ok: ['符合申报条件', 'Eligible'],
  elig_no: ['有条件不符合', 'Some conditions not met'],
  elig_incomplete: ['尚未填写完整', 'Not complete yet'],
  tokens_page: ['账号安全', 'Account security'],
  forgot_password: ['忘记密码？请联系管理员，索取一次性的密码重置链接（24 小时内有效）。', 'Forgot the password? Ask the administrator for a one-time reset link (valid 24 hours).'],
  reset_title: ['重设密码', 'Set a new password'],
  reset_intro: ['请设置新密码。设置后，本账号在各处的登录都将退出，请用新密码重新登录。此链接只能使用一次。', 'Choose a new password. Once it is set, every session of the account ends: sign in again with it. This link works once.'],
  new_password: ['新密码', 'New password'],
  new_password_again: ['再次输入新密码', 'New password again'],
  pw_differ: ['两次输入的密码不一致。', 'The two passwords differ.'],
  reset_do: ['设置新密码', 'Set the password'],
  reset_ok: ['密码已重设，请用新密码登录。', 'The password is set; sign in with it.'],
  current_password: ['当前密码', 'Current password'],
  change_password: ['修改密码', 'Change the password'],
  password_changed: ['密码已修改；本账号在其他地方的 {0} 处登录已退出。', 'Password changed; {0} other sessions of the account ended.'],
  withdraw: ['撤回申报', 'Withdraw'],
  withdraw_confirm: ['确认撤回？撤回后不能恢复', 'Really withdraw? This cannot be undone'],
  back: ['返回', 'Back'],
  saved: ['已保存（版本 {0}）。下方是服务器计算的审查结果。', 'Saved (version {0}). The server\'s checks are below.'],
  submitted_ok: ['已提交，等待区级初审。', 'Submitted; it is now with the district.'],
  submitted_to: ['已提交：{0}。', 'Submitted: {0}.'],
  withdrawn_ok: ['已撤回。', 'Withdrawn.'],
  stale: ['这份申报已在别处修改。请重新加载后再改。', 'This application was changed elsewhere. Reload it and make your changes again.'],
  reload: ['重新加载', 'Reload'],
  errs_n: ['有 {0} 处需要修改：', '{0} things need fixing:'],
  fix_first: ['请先修改标出的内容。', 'Please fix the marked fields first.'],
  return_opinion: ['退回意见', 'Why it was returned'],
  kept_locally: ['尚未保存到服务器：下面列出的内容格式不对，请修改后再点“保存草稿”。在此之前，您填写的内容暂存在本浏览器中。',
    'Not saved on the server: what is listed below is malformed. Correct it, then press Save draft again. Until then what you entered is kept in this browser.'],
  draft_missing: ['草稿已保存到服务器（版本 {0}），同一账号在其他电脑上也可继续填写。尚有 {1} 项未填或需修改，补齐后方可提交：', 'The draft is saved on the server (version {0}); the account can continue it from any computer. {1} things are still missing or need changing before it can be submitted:'],
  kept_net: ['您填写的内容暂存在本浏览器中。', 'What you entered is kept in this browser.'],
  auto_saving: ['保存中…', 'Saving…'],
  auto_saved: ['已自动保存（{0}）', 'Saved automatically ({0})'],
  auto_failed: ['未能保存（{0}）', 'Not saved ({0})'],
  auto_malformed: ['有 {0} 处格式不对', '{0} entries malformed'],
  auto_conflict: ['已在别处修改，请重新加载', 'changed elsewhere: reload the page'],
  auto_offline: ['网络错误，已暂存在本浏览器', 'network error; kept in this browser'],
  saved_bar: ['已保存到服务器（版本 {0}）；审查结果见表单下方。', 'Saved on the server (version {0}); the checks are below the form.'],
  kept_at: ['已暂存在本浏览器（{0}），尚未保存到服务器。', 'Kept in this browser ({0}); not yet saved on the server.'],
  restored: ['已恢复您在本浏览器中填写、尚未保存到服务器的内容（{0}）。', 'Restored what you entered in this browser and had not yet saved on the server ({0}).'],
  restored_stale: ['注意：服务器上的这份申报在此之后又有修改（现为版本 {0}）。', 'Note: the application on the server has changed since then (now version {0}).'],
  discard_local: ['放弃这些内容，显示服务器上的版本', 'Discard them and show the server\'s version'],
  discard_new: ['放弃这些内容，重新填写', 'Discard them and start again'],
  local_drafts: ['本浏览器中有尚未保存到服务器的申报表，点击继续填写：', 'This browser keeps forms not yet saved on the server; continue with:'],
  local_changes: ['本浏览器中有尚未保存的修改。', 'Changes not yet saved are kept in this browser.'],
  checks: ['资格审查（服务器计算，审核人员看到的也是这些）', 'Eligibility checks (computed by the server; reviewers see the same)'],
  eligible_yes: ['全部条件符合。', 'Every condition is met.'],
  eligible_no: ['有条件不符合；审核人员可能退回或不予通过。', 'Some conditions are not met; reviewers may return or reject it.'],
  award: ['拟支持金额', 'Proposed amount'],
  award_none: ['本类申报没有金额；批准后颁发证书，有效期 {0} 年。', 'No amount for this kind; a certificate valid {0} years is issued on approval.'],
  award_none_certified: ['本类申报没有金额；批准后予以认定并公布。', 'No amount for this kind; on approval it is certified and published.'],
  total: ['合计', 'Total'],
  basis: ['依据', 'Basis'],
  yuan: ['{0} 元', '¥{0}'],
  data: ['申报内容', 'Application data'],
  history: ['办理记录', 'History'],
  time: ['时间', 'Time'],
  action: ['事项', 'Action'],
  who: ['办理人', 'By'],
  opinion: ['意见', 'Opinion'],
  certificate: ['证书 / 决定', 'Certificate / decision'],
  print: ['打印', 'Print'],
  download: ['下载 JSON', 'Download JSON'],
  serial: ['证书编号', 'Serial'],
  holder: ['持有单位', 'Holder'],
  issuer: ['颁发机关', 'Issued by'],
  issued_on: ['颁发日期', 'Issued on'],
  valid_until: ['有效期至', 'Valid until'],
  amount: ['金额', 'Amount'],
  items: ['明细', 'Items'],
  jws: ['签名（JWS）', 'Signature (JWS)'],
  cert_status: ['证书状态', 'Certificate status'],
  yes: ['是', 'Yes'],
  no: ['否', 'No'],
  choose: ['请选择', 'Choose'],
  required: ['必填', 'required'],
  add_row: ['添加{0}', 'Add {0}'],
  remove_row: ['删除第 {0} 行', 'Remove row {0}'],
  row_removed: ['已删除一行。', 'Row removed.'],
  year_n: ['{0} 年', '{0}'],
  year_rel: ['前第 {0} 年', 'Year −{0}'],
  int_format: ['请填写整数。', 'Enter a whole number.'],
  money_format: ['请按元填写金额，例如 1,234,567.89。', 'Enter an amount in yuan, e.g. 1,234,567.89.'],
  money_decimals: ['金额最多两位小数（到分）。', 'At most 2 decimals (fen).'],
  money_big: ['金额过大。', 'The amount is too large.'],
  money_hint: ['= {0} 元', '= ¥{0}'],
  groups_sum: ['按所列团队计算：外联 {0} 人天，接待 {1} 人天（应与上面填写的本年度数字一致）。', 'From the groups listed: {0} outbound-organised and {1} reception person-days (they must equal the totals above).'],
  // public pages
  notices_intro: ['以下申报正在公示。公示期内，任何单位和个人均可提出异议。', 'These applications are under public notice. Anyone may file an objection during the notice.'],
  no_notices: ['目前没有公示。', 'Nothing is under public notice now.'],
  proposed: ['拟批准', 'Proposed'],
  on_approval: ['批准后颁发', 'Issued on approval'],
  valid_years: ['有效期 {0} 年', 'valid {0} years'],
  object: ['提出异议', 'File an objection'],
  obj_name: ['姓名或单位', 'Name or organisation'],
  obj_contact: ['联系方式（电话或邮箱）', 'Contact (telephone or e-mail)'],
  obj_reason: ['异议理由', 'Reason'],
  obj_send: ['提交异议', 'Send objection'],
  obj_ok: ['异议已登记：编号 {0}，时间 {1}。我们将依法核查。', 'Objection received: number {0}, at {1}. It will be looked into.'],
  obj_gone: ['该申报已不在公示期内。', 'This application is no longer under notice.'],
  check_intro: ['输入证书编号，或粘贴证书文件（JSON）或签名（JWS）。', 'Enter a serial, or paste a certificate file (JSON) or its signature (JWS).'],
  by_serial: ['按编号查询', 'By serial'],
  by_doc: ['粘贴证书', 'Paste a certificate'],
  doc_label: ['证书 JSON 或 JWS', 'Certificate JSON or JWS'],
  look_up: ['查询', 'Look up'],
  verify: ['验证', 'Verify'],
  bad_paste: ['无法识别：请粘贴下载的 JSON 文件内容，或以 “eyJ” 开头的签名。', 'Not recognised: paste the downloaded JSON file or a signature starting with “eyJ”.'],
  sig_valid: ['签名有效', 'Signature valid'],
  sig_invalid: ['签名无效', 'Signature NOT valid'],
  no_cert: ['没有这个编号的证书。', 'No certificate has this serial.'],
  // reviews
  queue_intro: ['等待您审核的申报（本阶段）。', 'Applications waiting for your stage.'],
  queue_empty: ['没有等待审核的申报。', 'Nothing is waiting for review.'],
  stage_kinds: ['本阶段办理的申报类型', 'Kinds reviewed at this stage'],
  no_kinds_district: ['本系统中没有需要区级初审的申报类型。', 'No kind of application has a district stage here.'],
  no_kinds_municipal: ['本系统中没有由本机关复审的申报类型。', 'No kind of application is reviewed by this authority here.'],
  issued_now: ['本类申报不设公示：已批准，并即时颁发{0}。', 'This kind has no public notice: approved, and the {0} issued at once.'],
  review: ['审核', 'Review'],
  opinion_help: ['退回或不予通过时必填：说明问题或缺少的材料。', 'Required to return or reject: say what is wrong or missing.'],
  override_help: ['有资格条件未通过；如仍予通过，必须说明理由。', 'Some eligibility checks failed; approving needs a reason.'],
  send_review: ['提交审核意见', 'Send the decision'],
  reviewed: ['已办理：{0}。', 'Done: {0}.'],
  ranking: ['年度排名', 'The year\'s ranking'],
  ranking_help: ['须先计算该年度的排名，才能批准本类申报。', 'Applications of this kind can be approved only after their year\'s ranking is computed.'],
  ranking_year: ['奖励年度', 'Award year'],
  compute: ['计算排名', 'Compute the ranking'],
  ranking_done: ['已计算 {0} 年排名：{1} 家参与排名。', 'The {0} ranking is computed: {1} ranked.'],
  under_notice: ['公示中的申报与异议', 'Under notice: objections'],
  no_objections: ['没有异议。', 'No objections.'],
  resolve: ['处理异议', 'Resolve'],
  outcome: ['处理结果', 'Outcome'],
  error: ['出错了', 'Something went wrong'],
  net_error: ['无法连接服务器，请检查网络后重试。', 'Cannot reach the server; check the connection and try again.'],
};

// The reviewer's desk.
Object.assign(S, {
  tab_todo: ['待办', 'To do'],
  tab_done: ['已办', 'Done'],
  tabs: ['工作台分类', 'Worklists'],
  filters: ['筛选条件', 'Filters'],
  f_kind: ['申报类型', 'Kind'],
  f_round: ['年度', 'Year'],
  f_q: ['搜索（单位名称、信用代码、品牌或门店）', 'Search (organisation, USCC, brand or store)'],
  f_from: ['提交日期自', 'Submitted from'],
  f_to: ['提交日期至', 'Submitted to'],
  f_sort: ['排序', 'Order'],
  f_size: ['每页', 'Per page'],
  f_apply: ['筛选', 'Filter'],
  f_clear: ['清除', 'Clear'],
  more_filters: ['更多筛选条件', 'More filters'],
  row_at_fault: ['（未通过的条件所指）', ' (named by a failed check)'],
  any: ['全部', 'All'],
  sort_waiting: ['等待最久的在前', 'Waiting longest first'],
  sort_new: ['最新提交的在前', 'Last submitted first'],
  sort_old: ['最早提交的在前', 'First submitted first'],
  total_n: ['共 {0} 件', '{0} in all'],
  page_n: ['第 {0} 页', 'Page {0}'],
  prev: ['上一页', 'Previous page'],
  next: ['下一页', 'Next page'],
  col_no: ['编号', 'No.'],
  col_org: ['申报单位', 'Applicant'],
  col_kind: ['类型', 'Kind'],
  col_unit: ['初审单位', 'Review unit'],
  col_round: ['年度', 'Year'],
  col_wait: ['已等待', 'Waiting'],
  col_returns: ['退回次数', 'Returned'],
  col_failed: ['未通过条件', 'Failed checks'],
  col_amount: ['拟支持或奖励金额', 'Proposed'],
  col_status: ['状态', 'Status'],
  col_project: ['项目名称', 'Project'],
  col_next: ['下一步', 'What happens next'],
  col_verdict: ['申报条件', 'Conditions'],
  col_amounts: ['拟支持与核定金额', 'Proposed and granted'],
  next_draft: ['待提交', 'To be submitted'],
  next_waiting: ['等待审核（已等待 {0} 天）', 'Waiting for the review ({0} days so far)'],
  next_returned: ['请于 {0} 前修改后重新提交', 'Correct and resubmit by {0}'],
  next_returned_nodate: ['请修改后重新提交', 'Correct and resubmit'],
  next_notice: ['公示至 {0}', 'Public notice until {0}'],
  next_cert: ['查看证书和决定', 'See the certificate and decision'],
  next_decision: ['查看决定', 'See the decision'],
  next_duty: ['{0}：请于 {1} 前完成', '{0}: due {1}'],
  col_pick: ['选择', 'Select'],
  days_n: ['{0} 天', '{0} d'],
  select_row: ['选择 #{0}', 'Select #{0}'],
  flag_overdue: ['逾期未补正（应于 {0} 前）', 'Overdue (due {0})'],
  flag_due: ['应于 {0} 前补正', 'Due back by {0}'],
  flag_held: ['公示期满，异议待处理', 'Notice over, held by an objection'],
  flag_elsewhere: ['登记地与初审单位不一致', 'Registered elsewhere'],
  flag_nth: ['第 {0} 次提交', 'Submission {0}'],
  export_csv: ['导出 CSV', 'Export CSV'],
  list_empty: ['没有符合条件的申报。', 'Nothing matches.'],
  batch_n: ['批量通过所选（{0} 件）', 'Approve the selected ({0})'],
  batch_title: ['批量通过', 'Approve several'],
  batch_help: ['只能选择全部条件符合、且无须逐件填写审定金额或逐家审核的申报；每件分别提交、分别记录。', 'Only applications that pass every check and need no amount or per-store decision of their own can be chosen; each is sent and recorded on its own.'],
  batch_same_kind: ['批量通过须为同一类型的申报。', 'Approving several needs them to be of one kind.'],
  batch_run: ['逐件提交', 'Send each'],
  batch_ok: ['#{0}：已办理', '#{0}: done'],
  batch_done: ['已完成：{0} 件通过，{1} 件未能办理。', 'Done: {0} approved, {1} not.'],
  cancel: ['取消', 'Cancel'],
  review_n: ['审核 #{0}', 'Review #{0}'],
  open_review: ['审核', 'Review'],
  failed_first: ['未通过的条件', 'Checks not met'],
  all_passed: ['全部条件符合。', 'Every condition is met.'],
  other_checks: ['已符合的条件（{0} 项）', 'Conditions met ({0})'],
  decide: ['审核决定', 'Decision'],
  jump_decide: ['跳到审核决定', 'Go to the decision'],
  not_your_stage: ['该申报当前不在您的审核环节（{0}）。', 'This application is not at your stage ({0}).'],
  returns_title: ['退回与补正', 'Returns and corrections'],
  earlier_returns: ['历次退回意见', 'Earlier return opinions'],
  changed_since: ['退回后修改的内容', 'Changed since the return'],
  notes_title: ['提示', 'Notes'],
  materials: ['申报材料', 'Materials'],
  decision_kind: ['审核结论', 'Decision'],
  d_approve_district: ['同意推荐', 'Recommend'],
  d_reject_district: ['不予推荐', 'Do not recommend'],
  d_return: ['退回补正', 'Return for correction'],
  d_approve_other: ['予以通过', 'Approve'],
  d_reject_other: ['不予通过', 'Reject'],
  override: ['不符合条件仍予通过的理由', 'Reason to approve despite failed checks'],
  templates: ['常用意见', 'Opinion templates'],
  use_template: ['插入常用意见', 'Insert a template'],
  save_template: ['存为常用意见', 'Save as a template'],
  template_saved: ['已存为常用意见。', 'Saved as a template.'],
  delete: ['删除', 'Delete'],
  granted: ['核定金额（元）', 'Granted (yuan)'],
  grant_help: ['不超过计算金额 {0}；低于时须说明理由（择优、预算等）。不填则按计算金额。', 'At most the computed {0}; say why when less (merit, budget). Empty: the computed amount.'],
  grant_reason: ['核定理由', 'Why less is granted'],
  prefilled: ['已按您上次的审核记录（#{0}）预填，请核对。', 'Filled in from your last decision (#{0}); check it.'],
  store_n: ['第 {0} 家：{1}', 'Store {0}: {1}'],
  included: ['予以计入', 'Included'],
  leave_out_reason: ['不予计入的理由', 'Why it is left out'],
  amount_proposed: ['拟{0}', 'Proposed {1}'],
  amount_granted: ['核定金额', 'Granted'],
  amount_refund: ['应退回金额', 'To be refunded'],
  round_other: ['申报年度', 'Round'],
  award_year: ['奖励年度', 'Award year'],
  applicant_org: ['申报单位', 'Applicant'],
  print_decision: ['打印决定书', 'Print the decision'],
  decision_doc: ['决定书', 'Decision'],
  measure: ['依据', 'Under'],
  doc_no: ['编号', 'No.'],
  brand: ['品牌', 'Brand'],
  store: ['门店', 'Store'],
  event: ['活动', 'Event'],
  amount_support: ['支持金额', 'Amount'],
  amount_computed: ['按标准计算金额', 'Computed by the measure'],
  f_category: ['首店类别', 'Category'],
  brands: ['引进品牌', 'Brands introduced'],
  doc_certify_text: ['经审核，{0}符合{1}规定的条件，予以{2}。', 'After review, {0} meets the conditions of {1}: we {2} it.'],
  doc_grant_text: ['经审核，依据{1}，决定对{0}予以{2}。', 'After review, under {1}, we {2} {0}.'],
  doc_grant_year_text: ['经审核，依据{1}，决定对{0}{3} 年度的工作予以{2}。', 'After review, under {1}, we {2} {0} for {3}.'],
  stats: ['统计', 'Statistics'],
  granted_sum: ['已核定金额合计', 'Granted in all'],
  refund_sum: ['应退回金额合计', 'Refunds in all'],
  proposed_sum: ['在审申报拟支持或奖励金额合计', 'Proposed, still in review'],
  ranking_left_out: ['以下 {0} 件申报仍在前一环节，计算后将不纳入本年度排名：', 'These {0} applications are at an earlier stage and will be left out of the ranking:'],
  ranking_round_open: ['本年度申报 {0} 截止，尚未截止。', 'The round closes on {0}; it has not closed.'],
  confirm_rank: ['确认计算（{0} 件不纳入）', 'Compute, leaving {0} out'],
  ranking_in_review: ['默认为市级复审中申报最多的奖励年度。', 'Defaults to the award year most applications in review belong to.'],
  ranking_none_left: ['没有申报仍在前一环节。', 'None is left at an earlier stage.'],
});

// Headings that group a kind's fields as the gazette does, by the kind's
// name; a kind not listed shows its fields in its schema's order.
export const LAYOUT = {
  incubator: [
    ['g_basic', ['registered_on', 'good_credit', 'field']],
    ['g_services', ['services', 'total_revenue_fen', 'service_revenue_fen']],
    ['g_mentor', ['mentor_sessions', 'has_investment_fund']],
    ['g_team', ['team_qualified', 'team_description']],
    ['g_incubatees', ['incubatee_revenue_fen']],
    'incubatees',
  ],
  first_store: [
    ['g_project', ['project', 'applicant_type', 'category', 'brand']],
    'store',
    ['g_invest', ['rent_12m_fen', 'decoration_fen', 'license_fee_fen']],
    'stores', 'event', 'declarations',
  ],
  experience_base: [
    ['g_theme', ['theme', 'theme_description']],
    'base',
    ['g_operator', ['established_on', 'direct', 'catering']],
    'declarations',
  ],
  tourism_award: [
    ['g_conditions', ['inbound_business', 'penalty', 'major_accident', 'major_incident']],
    ['g_days', ['outbound_person_days', 'outbound_person_days_prev', 'reception_person_days', 'reception_person_days_prev']],
    'groups', 'charters',
    ['g_special', ['special_award_claim']],
  ],
};

Object.assign(S, {
  g_envelope: ['申报单位与初审', 'Applicant and review'],
  g_basic: ['基本条件（第六条（一））', 'Basic conditions (art. 6(1))'],
  g_services: ['专业服务与收入（第六条（二）（三））', 'Services and revenue (art. 6(2)(3))'],
  g_mentor: ['创业辅导与投资（第六条（四）（五））', 'Mentoring and investment (art. 6(4)(5))'],
  g_team: ['运营团队（第六条（六））', 'Operating team (art. 6(6))'],
  g_incubatees: ['在孵企业（第六条（七））', 'Incubatees (art. 6(7))'],
  g_project: ['项目（一）', 'Project (1)'],
  g_invest: ['投资额（二）（二）', 'Investment (2)(2)'],
  g_conditions: ['申报条件（第四条）', 'Conditions (art. 4)'],
  g_days: ['入境人天数（第五至八条）', 'Person-days (arts. 5–8)'],
  g_special: ['特别奖（第十条）', 'Special award (art. 10)'],
  g_theme: ['体验主题（第二条）', 'Theme (art. 2)'],
  g_operator: ['运营管理单位（第九条（八）、第十三条）', 'Operator (arts. 9(8), 13)'],
});

// Enum values, award items, roles.  (The kinds and their authorities are
// named by the server: kinds.js.)
const E = {
  ancient_capital: ['古都文化', 'Ancient-capital culture'],
  red: ['红色文化', 'Red culture'],
  beijing_flavour: ['京味文化', 'Beijing-flavour culture'],
  innovation: ['创新文化', 'Innovation culture'],
  published_hours: ['公布开放时间', 'Published opening hours'],
  booking: ['接受预约', 'By booking'],
  annual: ['年度报告', 'Annual report'],
  change: ['重大变化报告', 'Report of a major change'],
  closure: ['停止经营', 'Closure'],
  split: ['分立', 'Split'],
  merger: ['合并', 'Merger'],
  restructuring: ['重组', 'Restructuring'],
  business: ['经营业务变化', 'Change of business'],
  name: ['名称变化', 'Change of name'],
  demolition: ['拆迁', 'Demolition'],
  licence_revoked: ['被吊销营业执照', 'Licence revoked'],
  new_generation_it: ['新一代信息技术', 'New-generation IT'],
  integrated_circuits: ['集成电路', 'Integrated circuits'],
  medicine_health: ['医药健康', 'Medicine and health'],
  intelligent_equipment: ['智能装备', 'Intelligent equipment'],
  energy_environment: ['节能环保', 'Energy saving and environment'],
  new_energy_vehicles: ['新能源智能汽车', 'New-energy intelligent vehicles'],
  new_materials: ['新材料', 'New materials'],
  artificial_intelligence: ['人工智能', 'Artificial intelligence'],
  software_information: ['软件和信息服务', 'Software and information services'],
  science_tech_services: ['科技服务业', 'Science and technology services'],
  platform: ['专业平台服务', 'Professional platform services'],
  supply_chain: ['供应链服务', 'Supply-chain services'],
  resource_matching: ['资源对接服务', 'Resource-matching services'],
  store_opening: ['开设示范首店、旗舰店', 'Opening a first store or flagship'],
  store_introduction: ['引进首店、旗舰店', 'Bringing in first stores'],
  launch_event: ['大型新品发布活动', 'Product launch event'],
  pipeline_bonus: ['在谈项目库奖励', 'Pipeline bonus'],
  international_brand: ['国际品牌', 'International brand'],
  domestic_brand: ['本土自主品牌', 'Domestic brand'],
  international_agent: ['国际品牌授权代理商', 'International brand agent'],
  asia_first: ['亚洲首店', 'First in Asia'],
  china_first: ['中国（内地）首店', 'First in mainland China'],
  beijing_first: ['北京首店', 'First in Beijing'],
  flagship: ['旗舰店', 'Flagship'],
  none: ['无', 'None'],
  warning: ['警告', 'Warning'],
  fine: ['罚款', 'Fine'],
  heavier: ['罚款以上', 'Heavier than a fine'],
  organised: ['自组外联', 'Organised by the agency'],
  commissioned: ['受托接待', 'Received on commission'],
  outbound: ['外联人天', 'Outbound person-days'],
  outbound_growth: ['外联人天增幅', 'Outbound growth'],
  reception: ['接待人天', 'Reception person-days'],
  reception_growth: ['接待人天增幅', 'Reception growth'],
  charter: ['入境包机', 'Charter flights'],
  special_award: ['特别奖', 'Special award'],
  as_applied: ['按申报数', 'As applied'],
  audited: ['按审定数', 'Audited'],
  ranked: ['按排名', 'Ranked'],
  applicant: ['申报单位', 'Applicant'],
  district_reviewer: ['区级审核', 'District reviewer'],
  municipal_reviewer: ['市级审核', 'Municipal reviewer'],
  auditor: ['审计', 'Auditor'],
  admin: ['管理员', 'Administrator'],
  system: ['系统', 'System'],
  public: ['公众', 'Public'],
  approve: ['通过', 'Approve'],
  return: ['退回补正', 'Return for correction'],
  reject: ['不予通过', 'Reject'],
  upheld: ['异议成立（不予批准）', 'Upheld (rejects the application)'],
  dismissed: ['异议不成立', 'Dismissed'],
  active: ['有效', 'Valid'],
  revoked: ['已撤销', 'Revoked'],
  expired: ['已过期', 'Expired'],
  unknown: ['未知密钥', 'Unknown key'],
  invalid: ['无效', 'Invalid'],
  open: ['待处理', 'Open'],
};

const ST = {
  draft: ['草稿', 'Draft'],
  district_review: ['区级初审中', 'With the district'],
  municipal_review: ['市级复审中', 'With the municipal authority'],
  public_notice: ['公示中', 'Under public notice'],
  approved: ['已批准', 'Approved'],
  returned: ['退回补正', 'Returned for correction'],
  rejected: ['未通过', 'Rejected'],
  withdrawn: ['已撤回', 'Withdrawn'],
  revoked: ['已撤销', 'Revoked'],
};

const AC = {
  create: ['创建草稿', 'Draft created'],
  edit: ['修改', 'Edited'],
  submit: ['提交申报', 'Submitted'],
  withdraw: ['撤回', 'Withdrawn'],
  district_approve: ['区级初审：同意推荐', 'District: recommended'],
  district_return: ['区级初审：退回补正', 'District: returned for correction'],
  district_reject: ['区级初审：不予推荐', 'District: not recommended'],
  municipal_approve: ['市级复审：通过', 'Municipal review: approved'],
  municipal_return: ['市级复审：退回补正', 'Municipal review: returned for correction'],
  municipal_reject: ['市级复审：不予通过', 'Municipal review: rejected'],
  ranked: ['计算年度排名', 'Year ranking computed'],
  objection_filed: ['收到异议', 'Objection filed'],
  objection_upheld: ['异议成立', 'Objection upheld'],
  objection_dismissed: ['异议不成立', 'Objection dismissed'],
  notice_ended: ['公示期满，批准并颁发', 'Notice ended; approved and issued'],
  revoke: ['撤销', 'Revoked'],
  disqualified: ['取消申报资格', 'Disqualified'],
  report_filed: ['报送报告', 'Report filed'],
  funds_paid: ['登记资金到账', 'Funds received'],
  duty_reminder: ['催告', 'Reminder sent'],
  duty_result: ['登记审核结论', 'Finding recorded'],
  prompt_dismissed: ['不予撤销', 'Prompt dismissed'],
  refund_paid: ['退款到账', 'Refund paid'],
  duty_overdue: ['事项逾期', 'Duty overdue'],
  duty_missed: ['催告后仍未报送', 'Missed after a reminder'],
  duty_met: ['事项期满', 'Duty met'],
  duty_failed: ['整改期满未达标', 'Rectification failed'],
  surrender_requested: ['申请撤销基地命名', 'Asked to give up the certification'],
  surrender_forwarded: ['区级审核后报市级', 'Passed on by the district'],
  surrender_returned: ['区级退回撤销命名申请', 'Request returned by the district'],
  surrender_confirmed: ['撤销基地命名', 'Certification given up'],
  surrender_refused: ['市级未同意撤销命名', 'Request refused'],
};

const CK = {
  complete: ['申报表填写完整', 'Form complete'],
  data_valid: ['存储的数据有效', 'Stored data valid'],
  registered_in_beijing: ['在京注册', 'Registered in Beijing'],
  operating_one_year: ['运营满 1 年', 'Operating a full year'],
  good_credit: ['诚信记录良好', 'Good credit record'],
  field: ['孵化服务领域', 'Incubation field'],
  services: ['专业服务', 'Professional services'],
  service_revenue: ['专业服务收入', 'Professional-service revenue'],
  mentoring: ['导师服务 ≥ 50 人次', 'Mentor services ≥ 50'],
  investment: ['投资情况', 'Investment'],
  team: ['运营团队', 'Operating team'],
  incubatee_count: ['在孵企业 ≥ 20 家', '≥ 20 incubatees'],
  incubatee_growth: ['在孵企业收入增速 ≥ 10%', 'Incubatee revenue growth ≥ 10%'],
  incubatee_ip: ['在孵企业知识产权', 'Incubatees\' IP'],
  declarations: ['承诺事项', 'Declarations'],
  category_allowed: ['可申报的类别', 'Category allowed'],
  new_since_2019: ['2019 年 1 月 1 日后新设', 'New since 2019-01-01'],
  operated_12_months: ['连续经营 12 个月以上', 'Operated 12 months'],
  store_in_beijing: ['门店在京', 'Store in Beijing'],
  spend_threshold: ['投资额门槛', 'Spend threshold'],
  flagship_criteria: ['旗舰店条件', 'Flagship criteria'],
  held_in_period: ['举办时间', 'Held in the period'],
  stores_qualifying: ['符合条件的门店', 'Qualifying stores'],
  inbound_business: ['经营入境旅游业务', 'Inbound business'],
  no_heavier_penalty: ['无罚款以上处罚', 'No penalty heavier than a fine'],
  no_major_accident: ['无重大安全责任事故', 'No major accident'],
  no_major_incident: ['无重大群体事件或投诉', 'No major incident or complaint'],
  established_two_years: ['成立两年以上', 'Established two years or more'],
  clean_record: ['两年内无重大事故和违法违规', 'Clean record for two years'],
  theme: ['体验主题', 'Theme'],
  facilities: ['配套设施', 'Facilities'],
  professional_staff: ['专业人员', 'Professional staff'],
  permits: ['资质证件', 'Permits'],
};

// Words of a page that keeps them beside its code (apiref.js); a key
// defined here already stays as it is.
export function addStrings(more) {
  for (const [k, v] of Object.entries(more)) if (!(k in S)) S[k] = v;
}

function fill(s, vars) {
  return s.replace(/\{(\d)\}/g, (_, i) => (vars[i] ?? ''));
}

export const C = () => (lang === 'en' ? ': ' : '：');
export const paren = (x) => (lang === 'en' ? ` (${x})` : `（${x}）`);
export const t = (key, ...vars) => fill((S[key] || [key, key])[I()], vars);
export const enumLabel = (v) => (E[v] ? E[v][I()] : v);
export const statusLabel = (v) => (ST[v] ? ST[v][I()] : v);
// A municipal decision says what it decides for the kind (予以认定 /
// 支持 / 奖励, as a bureau writes it): k is the kind as GET /v1/kinds
// describes it (its `decides_zh`, `decides_en`).
export const actionLabel = (v, k) => {
  const m = /^municipal_(approve|reject)$/.exec(v);
  if (m && k && k.decides_zh) return `${lang === 'en' ? 'Municipal review: ' : '市级复审：'}${decisionLabel('municipal', m[1], k)}`;
  return AC[v] ? AC[v][I()] : v;
};
export const decisionLabel = (stage, decision, k) => {
  if (decision === 'return') return t('d_return');
  if (stage === 'district') return t(`d_${decision}_district`);
  const verb = k && (lang === 'en' ? k.decides_en : k.decides_zh);
  if (!verb) return t(`d_${decision}_other`);
  if (lang === 'en') return decision === 'approve' ? verb[0].toUpperCase() + verb.slice(1) : `Do not ${verb}`;
  return `${decision === 'approve' ? '予以' : '不予'}${verb}`;
};
// The year of an application as its kind calls it (奖励年度 where the
// round is the year awarded).
export const roundLabel = (k) => t(k && k.round_is_award_year ? 'award_year' : 'round_other');
// The amount a kind grants as its decisions call it ("拟奖励金额" before the
// decision); the generic word when the kind does not say.
export const amountLabel = (k, proposed) => {
  const a = k && k.issues && (lang === 'en' ? k.issues.amount_en : k.issues.amount_zh);
  if (!a) return t(proposed ? 'award' : 'amount_support');
  return proposed ? t('amount_proposed', a, a.toLowerCase()) : (lang === 'en' ? a[0].toUpperCase() + a.slice(1) : a);
};
export const checkLabel = (v) => (CK[v] ? CK[v][I()] : v);
export const statuses = Object.keys(ST);

// The server explains invalid fields in the page's language where its
// catalog has the words (api.js asks for them), else in English: the
// common English explanations are shown in Chinese here, the others as the
// server wrote them.  A Chinese explanation ends as a sentence does.
const DETAILS = [
  [/^is required(?: when .+)?$/, '必填。'],
  [/^must not be empty$/, '不能为空。'],
  [/^must be a whole number$/, '应为整数。'],
  [/^must be a whole number, at least (-?\d+)$/, '应为不小于 {0} 的整数。'],
  [/^must be a whole number, at most (-?\d+)$/, '应为不大于 {0} 的整数。'],
  [/^must be a date written YYYY-MM-DD/, '请填写日期（年-月-日）。'],
  [/^must be true or false$/, '请选择是或否。'],
  [/^must not be before start_on$/, '不能早于开始日期。'],
  [/^must fall in the award year (\d+): a group counts in the year it ends$/, '结束日期应在奖励年度（{0} 年）内：团队计入其结束的年度。'],
  [/^the listed groups add up to ([\d,]+) person-days; the declared figure is ([\d,]+)$/, '所列团队合计 {0} 人天，与填写的 {1} 人天不一致。'],
];
export function serverText(detail) {
  if (lang === 'en' || typeof detail !== 'string') return detail;
  for (const [re, zh] of DETAILS) {
    const m = detail.match(re);
    if (m) return fill(zh, m.slice(1));
  }
  return /[\u4e00-\u9fff]/.test(detail) && !/[。！？）」]$/.test(detail) ? `${detail}。` : detail;
}

// "中文 / English" -> the part of the current language; money titles in yuan.
export function title(s, money) {
  if (!s) return '';
  const parts = s.split(' / ');
  let r = parts.length > 1 ? parts[I()] : s;
  if (money) r = r.replace('（分）', '（元）').replace('(fen)', '(yuan)');
  return r;
}

/* A field's help: the schema's Chinese annotation on the Chinese pages,
 * else its description (money ones rewritten for yuan).  Accepts the schema
 * node or a bare string. */
export function describe(s, money) {
  if (s && typeof s === 'object') {
    if (lang === 'zh' && s['x-description-zh']) return s['x-description-zh'];
    s = s.description;
  }
  if (!s) return '';
  s = s[0].toUpperCase() + s.slice(1);
  return money ? s.replace(/,? in fen( \(1 yuan = 100 fen\))?/, ', in yuan').replace(/\(([\d,]+) fen\)/, '') : s;
}
