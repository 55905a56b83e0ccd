// Rows of a table from a spreadsheet: pasted as Excel and WPS copy them
// (tab-separated, quoted where a cell holds a tab, a quote or a line break)
// or read from a CSV file, the columns matched to the row's fields by their
// headers (Chinese or English titles, or member names), every cell checked,
// and shown for a look before anything in the form is replaced.  A CSV
// template with the Chinese headers is offered for download.

import {h, add, put, uid, parseYuan, usccProblem} from './util.js';
import {t, title, enumLabel, lang, C} from './i18n.js';

const W = {
  open: ['从 Excel 粘贴或导入 CSV', 'Paste from Excel or import a CSV'],
  intro: ['在 Excel 或 WPS 表格中选中含表头的整块数据（表头一行、每家一行），复制后粘贴到下面的框中；也可以选择 CSV 文件。先预览核对，确认无误后再替换或追加到表格。',
    'In Excel or WPS select the block with its header row (one header row, one row per entry), copy it and paste it below, or choose a CSV file. Check the preview, then replace the table or add to it.'],
  box: ['粘贴区（制表符分隔，含表头）', 'Paste here (tab-separated, with headers)'],
  file: ['或选择 CSV 文件', 'Or choose a CSV file'],
  template: ['下载 CSV 模板', 'Download the CSV template'],
  preview: ['预览', 'Preview'],
  close: ['收起', 'Close'],
  replace: ['用这 {0} 行替换表格', 'Replace the table with these {0} rows'],
  append: ['追加这 {0} 行', 'Add these {0} rows'],
  mapping: ['列对应', 'Columns'],
  column: ['第 {0} 列“{1}”', 'Column {0} “{1}”'],
  ignore: ['（不导入）', '(not imported)'],
  rows_n: ['共 {0} 行，{1} 处错误。', '{0} rows, {1} errors.'],
  fix: ['请先在表格中改正下列内容后重新粘贴（表格尚未改动）：', 'Correct these in the spreadsheet and paste again (the table is unchanged):'],
  row_col: ['第 {0} 行 · {1}：{2}', 'Row {0} · {1}: {2}'],
  no_header: ['第一行应是表头：没有一列能对应到表格的字段。可下载模板对照。', 'The first row must be the headers: no column matches a field of the table. The template shows them.'],
  missing_cols: ['缺少以下列：{0}。', 'Missing columns: {0}.'],
  empty: ['没有可导入的数据行。', 'No rows to import.'],
  too_many: ['最多 {0} 行，粘贴了 {1} 行。', 'At most {0} rows; {1} were pasted.'],
  done: ['已导入 {0} 行。请核对后保存。', '{0} rows imported. Check them, then save.'],
  bad_bool: ['应为“是”或“否”', 'must be yes or no'],
  bad_int: ['应为整数', 'must be a whole number'],
  bad_money: ['金额格式不对（元，最多两位小数，可写“万”）', 'not an amount in yuan (at most 2 decimals; 万 allowed)'],
  bad_date: ['日期格式不对（如 2020-03-01 或 2020年3月1日）', 'not a date (e.g. 2020-03-01)'],
  bad_enum: ['应为以下之一：{0}', 'must be one of: {0}'],
  unquoted: ['引号未闭合', 'a quote is not closed'],
  dup_col: ['两列都对应“{0}”', 'two columns are “{0}”'],
};
const w = (key, ...args) => W[key][lang === 'en' ? 1 : 0].replace(/\{(\d)\}/g, (_, i) => args[Number(i)]);

// Cells of text written with `sep` (a tab or a comma): quoted cells as
// RFC 4180 writes them ("" a quote inside), lines ended by CRLF or LF.
export function parseDelimited(text, sep) {
  const rows = [];
  let row = [], cell = '', i = 0, quoted = false, bad = false;
  text = text.replace(/^\uFEFF/, '');
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      cell += c; i++; continue;
    }
    if (c === '"' && cell === '') { quoted = true; i++; continue; }
    if (c === sep) { row.push(cell); cell = ''; i++; continue; }
    if (c === '\r' || c === '\n') {
      row.push(cell); cell = '';
      rows.push(row); row = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    cell += c; i++;
  }
  if (quoted) bad = true;
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return {rows: rows.filter((r) => r.some((x) => x.trim() !== '')), bad};
}

const fullWidth = (s) => s.replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xFEE0))
  .replace(/\uFF0E/g, '.').replace(/\uFF0C/g, ',');

// "12.5万" -> "125000"; an exact decimal times 10^4, as text.
function timesWan(num) {
  const m = num.match(/^(\d*)(?:\.(\d*))?$/);
  if (!m) return null;
  const frac = (m[2] || '').padEnd(4, '0');
  const whole = `${m[1] || '0'}${frac.slice(0, 4)}`.replace(/^0+(?=\d)/, '');
  const rest = frac.slice(4).replace(/0+$/, '');
  return rest ? `${whole}.${rest}` : whole;
}

// A cell's number written as people write them: commas, spaces, full-width
// digits, a 万 (ten thousand), 元 or ¥.  Returns the plain decimal text or null.
function plainNumber(cell, wan) {
  let s = fullWidth(cell).replace(/[\s,_]/g, '').replace(/^[¥￥]/, '').replace(/元$/, '');
  let times = wan;
  if (/万$/.test(s)) { s = s.slice(0, -1); times = true; }
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(s)) return null;
  return times ? timesWan(s) : s;
}

const YES = ['是', '有', 'y', 'yes', 'true', '1', '√', '✓', '对'];
const NO = ['否', '无', 'n', 'no', 'false', '0', '×', '✗', '不是', ''];

function parseDate(cell) {
  const s = fullWidth(cell).trim();
  const m = s.match(/^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

// The fields of a row that a cell can fill: scalars, in the form's order.
function columnsOf(items, order) {
  const cols = [];
  for (const k of order) {
    const s = items.properties[k];
    if (!s || s.readOnly || (s.type !== 'string' && s.type !== 'integer' && s.type !== 'boolean')) continue;
    const money = /_fen$/.test(k) && s.type === 'integer';
    cols.push({key: k, s, money, label: title(s.title, money),
      names: [k, ...(s.title || '').split(' / '), title(s.title, true)].map(norm),
      required: (items.required || []).includes(k)});
  }
  return cols;
}

const norm = (x) => fullWidth(String(x)).toLowerCase().replace(/[\s*＊:：()（）“”"']/g, '').replace(/分$|fen$/, '').replace(/元$|yuan$/, '');

// Which column a header names; {col, wan} or null.  A header ending in 万元
// gives its amounts in 万元.
function matchHeader(cols, header) {
  const n = norm(header);
  const wan = /万元/.test(header);
  const bare = n.replace(/万$/, '');
  const col = cols.find((c) => c.names.includes(n) || c.names.includes(bare));
  return col ? {col, wan} : null;
}

// One cell into the value the form keeps; {value} or {error}.
function convert(col, cell, wan) {
  const s = col.s;
  const raw = cell.trim();
  if (raw === '' && s.type !== 'boolean') return {value: undefined};
  if (s.type === 'boolean') {
    const v = raw.toLowerCase();
    if (YES.includes(v)) return {value: true};
    if (NO.includes(v)) return {value: false};
    return {error: w('bad_bool')};
  }
  if (col.money) {
    const n = plainNumber(raw, wan);
    const r = n == null ? {error: true} : parseYuan(n);
    return r.error || r.fen == null ? {error: w('bad_money')} : {value: r.fen};
  }
  if (s.type === 'integer') {
    const n = plainNumber(raw, false);
    if (n == null || !/^\d{1,15}$/.test(n)) return {error: w('bad_int')};
    return {value: Number(n)};
  }
  if (s.enum) {
    const hit = s.enum.find((v) => norm(v) === norm(raw) || norm(enumLabel(v)) === norm(raw));
    return hit ? {value: hit} : {error: w('bad_enum', s.enum.map((v) => enumLabel(v)).join('、'))};
  }
  if (s.format === 'date') {
    const d = parseDate(raw);
    return d ? {value: d} : {error: w('bad_date')};
  }
  if (/A-HJ-NP/.test(s.pattern || '')) {
    const up = raw.toUpperCase().replace(/\s/g, '');
    const p = usccProblem(up);
    return p ? {error: t(...p)} : {value: up};
  }
  return {value: raw};
}

// Reads `rows` (the header first) into {values, errors, mapping}.
export function readRows(cols, rows, max) {
  const out = {values: [], errors: [], mapping: [], fatal: null};
  if (!rows.length) { out.fatal = w('empty'); return out; }
  const [head, ...body] = rows;
  const seen = new Set();
  out.mapping = head.map((x) => {
    const m = matchHeader(cols, x);
    if (m && seen.has(m.col.key)) { out.errors.push({row: 0, label: x, detail: w('dup_col', m.col.label)}); return null; }
    if (m) seen.add(m.col.key);
    return m;
  });
  if (!out.mapping.some(Boolean)) { out.fatal = w('no_header'); return out; }
  const lacking = cols.filter((c) => c.required && !seen.has(c.key) && c.s.type !== 'boolean');
  if (lacking.length) out.errors.push({row: 0, label: '', detail: w('missing_cols', lacking.map((c) => c.label).join('、'))});
  if (!body.length) { out.fatal = w('empty'); return out; }
  if (max && body.length > max) { out.fatal = w('too_many', max, body.length); return out; }
  body.forEach((cells, r) => {
    const v = {};
    out.mapping.forEach((m, i) => {
      if (!m) return;
      const c = convert(m.col, cells[i] ?? '', m.wan);
      if (c.error) out.errors.push({row: r + 1, col: i, label: m.col.label, detail: c.error});
      else if (c.value !== undefined) v[m.col.key] = c.value;
    });
    out.values.push(v);
  });
  return out;
}

// The CSV template: the headers in the page's language, a BOM so that
// Excel reads it as UTF-8.
export function templateCsv(cols) {
  const q = (x) => (/[",\r\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x);
  return `\uFEFF${cols.map((c) => q(c.label)).join(',')}\r\n`;
}

// The tools under a table: a button opening the paste area.  done(values,
// replace) puts the rows into the form.
export function pasteTools(items, order, itemTitle, max, done) {
  const cols = columnsOf(items, order);
  const panelId = uid('paste');
  const toggle = h('button.paste-open', {type: 'button', 'aria-expanded': 'false', 'aria-controls': panelId}, w('open'));
  const areaId = uid();
  const area = h('textarea.paste-area', {id: areaId, rows: 6, spellcheck: 'false', autocomplete: 'off'});
  const fileId = uid();
  const file = h('input', {type: 'file', id: fileId, accept: '.csv,text/csv'});
  const tmpl = h('a.button', {href: '#', download: `${itemTitle}-模板.csv`.replace(/[\\/:*?"<>|]/g, '')}, w('template'));
  const previewBtn = h('button', {type: 'button'}, w('preview'));
  const out = h('div.paste-out', {'aria-live': 'polite'});
  const panel = h('div.paste-panel', {id: panelId, hidden: true},
    h('p.help', w('intro')),
    h('div.field', h('label', {for: areaId}, w('box')), area),
    h('div.field', h('label', {for: fileId}, w('file')), file),
    h('p.actions.paste-actions', previewBtn, tmpl));
  add(panel, out);
  toggle.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute('aria-expanded', String(!panel.hidden));
    if (!panel.hidden) area.focus();
  });
  tmpl.addEventListener('click', (e) => {
    e.preventDefault();
    const a = h('a', {href: URL.createObjectURL(new Blob([templateCsv(cols)], {type: 'text/csv;charset=utf-8'})), download: tmpl.getAttribute('download')});
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });

  function show(text, sep) {
    const parsed = parseDelimited(text, sep);
    const r = readRows(cols, parsed.rows, max);
    if (parsed.bad) r.errors.push({row: 0, label: '', detail: w('unquoted')});
    if (r.fatal) { put(out, h('p.err', r.fatal)); return; }
    const errAt = new Map(r.errors.filter((e) => e.row > 0).map((e) => [`${e.row}:${e.col}`, e.detail]));
    const head = parsed.rows[0];
    const table = h('div.scroll', h('table.grid.paste-preview',
      h('caption', w('rows_n', r.values.length, r.errors.length)),
      h('thead', h('tr', h('th', {scope: 'col'}, '#'), head.map((x, i) => h('th', {scope: 'col', class: r.mapping[i] ? null : 'skip'},
        r.mapping[i] ? r.mapping[i].col.label : `${x} ${w('ignore')}`)))),
      h('tbody', parsed.rows.slice(1).map((cells, ri) => h('tr', h('th', {scope: 'row'}, String(ri + 1)),
        head.map((_, ci) => {
          const e = errAt.get(`${ri + 1}:${ci}`);
          return h('td', {class: e ? 'bad' : r.mapping[ci] ? null : 'skip', title: e || null}, cells[ci] ?? '', e ? h('span.cell-err', e) : null);
        }))))));
    const mapping = h('p.meta', `${w('mapping')}${C()}`, head.map((x, i) => `${i ? '；' : ''}${w('column', i + 1, x)} → ${r.mapping[i] ? r.mapping[i].col.label : w('ignore')}`).join(''));
    if (r.errors.length) {
      put(out, mapping, h('div.alert.error', h('p', w('fix')),
        h('ul', r.errors.map((e) => h('li', e.row ? w('row_col', e.row, e.label, e.detail) : e.detail)))), table);
      return;
    }
    const rep = h('button.primary', {type: 'button'}, w('replace', r.values.length));
    const app = h('button', {type: 'button'}, w('append', r.values.length));
    rep.addEventListener('click', () => finish(r.values, true));
    app.addEventListener('click', () => finish(r.values, false));
    put(out, mapping, table, h('p.actions', rep, app));
  }

  function finish(values, replace) {
    done(values, replace);
    put(out, h('p.ok', w('done', values.length)));
    area.value = '';
    file.value = '';
  }

  previewBtn.addEventListener('click', () => show(area.value, area.value.includes('\t') ? '\t' : ','));
  area.addEventListener('paste', () => setTimeout(() => show(area.value, area.value.includes('\t') ? '\t' : ','), 0));
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    const buf = await f.arrayBuffer();
    let text;
    try {
      text = new TextDecoder('utf-8', {fatal: true}).decode(buf);
    } catch {
      text = new TextDecoder('gb18030').decode(buf); // Excel's CSV on a Chinese Windows
    }
    area.value = text;
    show(text, text.split(/\r?\n/)[0].includes('\t') ? '\t' : ',');
  });
  return h('div.paste', toggle, panel);
}
