// Forms generated from a kind's JSON Schema, a read-only view of the same
// data, and server errors (JSON Pointers) placed next to their fields.
//
// A node is {el, get(errs, ptr), set(value), child(segment), focus(),
// showErr(text), clearErr(), label}.  get() returns undefined for an empty
// field and pushes {pointer, detail, node} to errs for a malformed one.

import {h, put, uid, own, parseYuan, formatFen, usccProblem} from './util.js';
import {problemText} from './show.js';
import {t, title, describe, enumLabel, lang, C, serverText} from './i18n.js';
import {pasteTools} from './paste.js';

const isMoney = (name, s) => /_fen$/.test(name) && (s.type === 'integer' || s.items?.type === 'integer');
export const unitName = (u) => (lang === 'en' ? u.name_en : u.name_zh);

// ctx: {units: Map(id -> unit), layout: {propName: [...]}, round: number, onRound: [fn]}
export function build(s, ctx, name = '') {
  if (s.type === 'object') return obj(s, ctx, name);
  if (s.type === 'array') {
    if (s.items.type === 'object') return rows(s, ctx, name);
    if (s.items.enum) return multi(s, ctx, name);
    return tuple(s, ctx, name);
  }
  return leaf(s, ctx, name);
}

function optLabel(ctx, v) {
  const u = ctx.units && ctx.units.get(v);
  return u ? unitName(u) : enumLabel(v);
}

function helpEl(s, money, id) {
  const d = describe(s, money);
  return d ? h('p.help', {id}, d) : null;
}

function errorMethods(node, box, target) {
  const err = h('p.err', {id: uid('e'), hidden: true});
  box.append(err);
  const describedBy = target && target.getAttribute('aria-describedby');
  node.showErr = (msg) => {
    err.textContent = err.hidden ? msg : `${err.textContent}；${msg}`;
    err.hidden = false;
    box.classList.add('bad');
    if (target) {
      target.setAttribute('aria-invalid', 'true');
      target.setAttribute('aria-describedby', [describedBy, err.id].filter(Boolean).join(' '));
    }
  };
  node.clearErr = () => {
    err.hidden = true;
    err.textContent = '';
    box.classList.remove('bad');
    if (target) {
      target.removeAttribute('aria-invalid');
      if (describedBy) target.setAttribute('aria-describedby', describedBy);
      else target.removeAttribute('aria-describedby');
    }
  };
  return node;
}

function leaf(s, ctx, name, labelText) {
  const money = isMoney(name, s);
  const id = uid();
  const label = h('label', {for: id}, labelText ?? title(s.title, money));
  const help = helpEl(s, money, id + 'h');
  const node = {label: label.textContent};
  let input, read, write, live;
  const attrs = {id, name: name || null, 'aria-describedby': help ? help.id : null};
  if (s.type === 'boolean') {
    input = h('input', {type: 'checkbox', ...attrs});
    read = () => input.checked;
    write = (v) => { input.checked = v === true; };
  } else if (s.enum) {
    input = h('select', attrs, h('option', {value: ''}, `— ${t('choose')} —`),
      s.enum.map((v) => h('option', {value: v}, optLabel(ctx, v))));
    read = () => input.value || undefined;
    write = (v) => {
      if (v != null && ![...input.options].some((o) => o.value === v)) input.append(h('option', {value: v}, v));
      input.value = v ?? '';
    };
  } else {
    const date = s.format === 'date';
    const long = s.type === 'string' && s.maxLength > 200;
    const uscc = /A-HJ-NP/.test(s.pattern || '');
    input = h(long ? 'textarea' : 'input', {
      ...attrs,
      type: long ? null : date ? 'date' : 'text',
      rows: long ? 4 : null,
      maxlength: s.maxLength || (uscc ? 18 : null),
      inputmode: money ? 'decimal' : s.type === 'integer' ? 'numeric' : null,
      autocomplete: 'off',
      spellcheck: uscc || money ? 'false' : null,
      class: uscc ? 'code' : money || s.type === 'integer' ? 'num' : null,
    });
    if (money || uscc) {
      live = h('p.live', {id: id + 'l', 'aria-live': 'polite'});
      input.setAttribute('aria-describedby', [help && help.id, live.id].filter(Boolean).join(' '));
    }
    read = () => input.value.trim();
    write = (v) => { input.value = v == null ? '' : money ? formatFen(v) : String(v); };
    if (money) {
      const show = () => {
        const r = parseYuan(input.value);
        live.textContent = r.error ? t(r.error) : r.fen != null ? t('money_hint', formatFen(r.fen)) : '';
        live.classList.toggle('warn', !!r.error);
      };
      input.addEventListener('input', show);
      const w = write;
      write = (v) => { w(v); show(); };
      node.get = (errs, ptr) => {
        const r = parseYuan(read());
        if (r.error) errs.push({pointer: ptr, detail: t(r.error), node});
        return r.fen;
      };
    } else if (uscc) {
      attachUscc(input, live);
      const w = write;
      write = (v) => { w(v); input.dispatchEvent(new Event('input')); };
      node.get = (errs, ptr) => {
        const v = read();
        const p = v && usccProblem(v);
        if (p) errs.push({pointer: ptr, detail: t(...p), node});
        return v || undefined;
      };
    } else if (s.type === 'integer') {
      node.get = (errs, ptr) => {
        const v = read().replace(/[\s,，]/g, '');
        if (v === '') return undefined;
        if (!/^\d{1,15}$/.test(v)) { errs.push({pointer: ptr, detail: t('int_format'), node}); return undefined; }
        return Number(v);
      };
    } else {
      const r = read;
      read = () => r() || undefined;
    }
  }
  const box = s.type === 'boolean'
    ? h('div.field.check', input, label, help)
    : h('div.field', label, input, live, help);
  node.el = box;
  node.input = input;
  node.labelEl = label;
  node.get = node.get || (() => read());
  node.set = write;
  node.child = () => null;
  node.focus = () => input.focus();
  node.setReq = (on) => {
    // A checkbox always answers (unticked is "no"): nothing to mark.
    if (s.type === 'boolean') on = false;
    box.classList.toggle('req', on);
    if (on) input.setAttribute('aria-required', 'true');
    else input.removeAttribute('aria-required');
  };
  return errorMethods(node, box, input);
}

// Live check of a USCC as it is typed: upper case, charset, check character.
export function attachUscc(input, live) {
  input.addEventListener('input', () => {
    const up = input.value.toUpperCase().replace(/\s/g, '');
    if (up !== input.value) {
      const pos = input.selectionStart;
      input.value = up;
      if (document.activeElement === input) input.setSelectionRange(pos, pos);
    }
    const p = up && usccProblem(up);
    const partial = p && p[0] === 'uscc_len' && up.length < 18 && !/[IOSVZ]/.test(up);
    live.textContent = !up ? '' : p ? t(...p) : t('uscc_ok');
    live.classList.toggle('warn', !!p && !partial);
    live.classList.toggle('ok', !p);
  });
}

function groupBox(s, extra, money) {
  const legend = h('legend', title(s.title, money));
  const el = h('fieldset.obj', legend, extra);
  const d = describe(s, money);
  if (d) el.append(h('p.help', d));
  return {el, legend};
}

function orderKeys(s, layout) {
  const flat = (layout || []).flatMap((e) => (typeof e === 'string' ? [e] : e[1]));
  const keys = [...flat, ...(s.required || []), ...Object.keys(s.properties || {})];
  return [...new Set(keys)].filter((k) => s.properties[k] && !s.properties[k].readOnly);
}

function obj(s, ctx, name, isRow) {
  const layout = ctx.layout && ctx.layout[name];
  const kids = {};
  const {el, legend} = name === '' || name === 'data' ? {el: h('div.obj')} : groupBox(s);
  const node = {el, legend, get label() { return legend ? legend.textContent : ''; }};
  for (const k of orderKeys(s, layout)) kids[k] = build(s.properties[k], ctx, k);
  const placed = new Set();
  const groups = [];
  for (const e of layout || []) {
    if (typeof e === 'string') {
      if (kids[e]) el.append(kids[e].el), placed.add(e);
      continue;
    }
    const fs = h('fieldset.group', h('legend', t(e[0])));
    const members = e[1].filter((k) => kids[k]);
    members.forEach((k) => { fs.append(kids[k].el); placed.add(k); });
    groups.push([fs, members]);
    el.append(fs);
  }
  for (const k of Object.keys(kids)) if (!placed.has(k)) el.append(kids[k].el);

  // Fields that only a variant (if/then) asks for show only when it applies.
  const variantOnly = new Set();
  // (those a variant turns off and another asks for or allows).
  const mentions = (c) => [...((c.then && c.then.required) || []),
    ...Object.entries((c.then && c.then.properties) || {}).filter(([, sub]) => sub !== false).map(([k]) => k)];
  const off = new Set();
  for (const c of s.allOf || []) for (const [k, sub] of Object.entries((c.then && c.then.properties) || {})) if (sub === false) off.add(k);
  for (const c of s.allOf || []) for (const k of mentions(c)) if (off.has(k)) variantOnly.add(k);

  const apply = () => {
    let hide = new Set(), req = new Set(s.required || []);
    for (let pass = 0; pass < 3; pass++) {
      const nh = new Set(), nr = new Set(s.required || []), needed = new Set();
      for (const c of s.allOf || []) {
        const cond = Object.entries((c.if && c.if.properties) || {});
        const on = cond.length > 0 && cond.every(([k, sub]) => {
          if (!kids[k] || hide.has(k)) return false;
          const v = kids[k].get([], '');
          return v !== undefined && (sub.const === undefined || v === sub.const);
        });
        if (!on) continue;
        for (const [k, sub] of Object.entries((c.then && c.then.properties) || {})) if (sub === false) nh.add(k);
        for (const k of (c.then && c.then.required) || []) nr.add(k);
        for (const k of mentions(c)) needed.add(k);
      }
      for (const k of variantOnly) if (!needed.has(k)) nh.add(k);
      hide = nh;
      req = nr;
    }
    for (const [k, kid] of Object.entries(kids)) {
      kid.el.hidden = hide.has(k);
      kid.setReq && kid.setReq(req.has(k));
    }
    for (const [fs, members] of groups) fs.hidden = members.every((k) => hide.has(k));
  };
  if (s.allOf) el.addEventListener('change', apply);

  node.get = (errs, ptr) => {
    const out = {};
    for (const [k, kid] of Object.entries(kids)) {
      if (kid.el.hidden) continue;
      const v = kid.get(errs, `${ptr}/${k}`);
      if (v !== undefined) out[k] = v;
    }
    return out;
  };
  node.set = (v) => {
    for (const [k, kid] of Object.entries(kids)) kid.set(v ? v[k] : undefined);
    apply();
  };
  node.child = (seg) => kids[seg] || null;
  node.kids = kids;
  node.focus = () => focusFirst(el);
  node.setReq = (on) => el.classList.toggle('req', on);
  apply();
  return errorMethods(node, el, null);
}

function focusFirst(el) {
  const f = [...el.querySelectorAll('input,select,textarea,button')].find((x) => !x.closest('[hidden]'));
  if (f) f.focus();
}

function rows(s, ctx, name) {
  const items = [];
  const itemTitle = title(s.items.title);
  const list = h('ol.rows');
  const add = h('button.add', {type: 'button', onclick: () => { addRow({}).focus(); }}, `＋ ${t('add_row', itemTitle)}`);
  const {el, legend} = groupBox(s, null);
  el.classList.add('array');
  el.append(list, add);
  // Rows from a spreadsheet (the applicant's form): pasted or a CSV file.
  if (ctx.paste) {
    el.append(pasteTools(s.items, orderKeys(s.items, ctx.layout && ctx.layout[name + '[]']), itemTitle, s.maxItems,
      (values, replace) => {
        if (replace) node.set(values);
        else values.forEach((v) => addRow(v));
        el.dispatchEvent(new Event('change', {bubbles: true}));
      }));
  }
  const node = {el, label: legend.textContent};
  const renumber = () => items.forEach((n, i) => {
    n.legend.textContent = `${itemTitle} ${i + 1}`;
    n.rm.textContent = `✕ ${t('remove_row', i + 1)}`;
  });
  function addRow(v) {
    const n = obj(s.items, ctx, name + '[]');
    const li = h('li.row', n.el);
    n.rm = h('button.rm', {type: 'button', onclick: () => {
      const i = items.indexOf(n);
      items.splice(i, 1);
      li.remove();
      renumber();
      ctx.say && ctx.say(t('row_removed'));
      const next = items[i] || items[i - 1];
      if (next) next.focus(); else add.focus();
      el.dispatchEvent(new Event('change', {bubbles: true}));
    }});
    n.el.append(n.rm);
    n.set(v);
    items.push(n);
    list.append(li);
    renumber();
    return n;
  }
  node.get = (errs, ptr) => items.map((n, i) => n.get(errs, `${ptr}/${i}`));
  node.set = (v) => {
    list.replaceChildren();
    items.length = 0;
    for (const x of Array.isArray(v) ? v : []) addRow(x);
  };
  node.child = (seg) => items[Number(seg)] || null;
  node.focus = () => focusFirst(el);
  node.setReq = (on) => el.classList.toggle('req', on);
  return errorMethods(node, el, null);
}

function multi(s, ctx, name) {
  const {el, legend} = groupBox(s, null);
  el.classList.add('multi');
  const boxes = s.items.enum.map((v) => {
    const id = uid();
    const cb = h('input', {type: 'checkbox', id, value: v});
    el.append(h('div.field.check', cb, h('label', {for: id}, optLabel(ctx, v))));
    return cb;
  });
  const d = describe(s.items);
  if (d) el.append(h('p.help', d));
  const node = {el, label: legend.textContent};
  node.get = () => boxes.filter((b) => b.checked).map((b) => b.value);
  node.set = (v) => boxes.forEach((b) => { b.checked = Array.isArray(v) && v.includes(b.value); });
  node.child = () => null;
  node.focus = () => boxes[0].focus();
  node.setReq = (on) => el.classList.toggle('req', on);
  return errorMethods(node, el, null);
}

// A fixed number of values, e.g. three years of revenue (y-3, y-2, y-1).
function tuple(s, ctx, name) {
  const n = s.maxItems || 3;
  const {el, legend} = groupBox(s, null, isMoney(name, s));
  el.classList.add('tuple');
  const cells = [];
  for (let i = 0; i < n; i++) cells.push(leaf({...s.items, description: ''}, ctx, name, ''));
  const relabel = () => cells.forEach((c, i) => {
    c.labelEl.textContent = ctx.round ? t('year_n', ctx.round - n + i) : t('year_rel', n - i);
    c.label = c.labelEl.textContent;
  });
  const row = h('div.cells', cells.map((c) => c.el));
  el.append(row);
  const node = {el, label: legend.textContent};
  (ctx.onRound = ctx.onRound || []).push(relabel);
  relabel();
  node.get = (errs, ptr) => {
    const vals = cells.map((c, i) => c.get(errs, `${ptr}/${i}`));
    return vals.every((v) => v === undefined) ? undefined : vals.map((v) => (v === undefined ? null : v));
  };
  node.set = (v) => cells.forEach((c, i) => c.set(Array.isArray(v) ? v[i] : undefined));
  node.child = (seg) => cells[Number(seg)] || null;
  node.focus = () => cells[0].focus();
  node.setReq = (on) => el.classList.toggle('req', on);
  return errorMethods(node, el, null);
}

// ---- errors ----

// Places each error ({pointer, detail}) at the deepest node its pointer
// reaches; returns them with that node and a readable field path.
export function placeErrors(root, errors) {
  return errors.map((e) => {
    let node = root;
    const path = [];
    const segs = (e.pointer || '').split('/').slice(1).map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
    for (const seg of segs) {
      const c = node.child && node.child(seg);
      if (!c) break;
      node = c;
      if (c.label) path.push(c.label);
    }
    const detail = serverText(e.detail);
    node.showErr && node.showErr(detail);
    return {...e, detail, node, where: path.join(' › ') || e.pointer || ''};
  });
}

export function clearErrors(root) {
  root.el.querySelectorAll('.bad').forEach((x) => x.classList.remove('bad'));
  root.el.querySelectorAll('p.err').forEach((x) => { x.hidden = true; x.textContent = ''; });
  root.el.querySelectorAll('[aria-invalid]').forEach((x) => {
    x.removeAttribute('aria-invalid');
    const d = (x.getAttribute('aria-describedby') || '').split(' ').filter((id) => !id.startsWith('e'));
    if (d.length) x.setAttribute('aria-describedby', d.join(' ')); else x.removeAttribute('aria-describedby');
  });
}

// The summary at the top: a count and one line per error that focuses its field.
export function showSummary(box, placed, lead) {
  box.replaceChildren(
    h('p', h('strong', lead || t('errs_n', placed.length))),
    h('ul', placed.map((e) => h('li',
      e.node && e.node.focus
        ? h('button.link', {type: 'button', onclick: () => e.node.focus()}, e.where || t('data'))
        : e.where,
      C(), e.detail))));
  box.hidden = false;
  box.focus();
}

// A failed request: 422 errors next to their fields, anything else as text.
export function failInto(summary, root, e, text, ...more) {
  if (e.status === 422 && e.errors && e.errors.length) return showSummary(summary, placeErrors(root, e.errors), text);
  put(summary, h('p', text || problemText(e)), ...more);
  summary.hidden = false;
  summary.focus();
}

// ---- read-only view ----

export function view(s, v, ctx, name = '') {
  if (v === undefined || v === null || s === false || !s) return h('span.muted', '—');
  if (s.type === 'object' && typeof v === 'object') {
    const keys = orderKeys(s, ctx.layout && ctx.layout[name]).filter((k) => k in v);
    return h('dl.view', keys.map((k) => {
      const ps = s.properties[k];
      return h('div', h('dt', title(ps.title, isMoney(k, ps))), h('dd', view(ps, v[k], ctx, k)));
    }));
  }
  if (s.type === 'array' && Array.isArray(v)) {
    if (!v.length) return h('span.muted', '—');
    if (s.items.type === 'object') {
      const cols = orderKeys(s.items);
      return h('div.scroll', {tabindex: 0, role: 'region', 'aria-label': title(s.title)},
        h('table.grid', h('thead', h('tr', h('th', '#'), cols.map((c) => h('th', title(s.items.properties[c].title, isMoney(c, s.items.properties[c])))))),
          h('tbody', v.map((row, i) => h('tr', h('td', i + 1), cols.map((c) => h('td', view(s.items.properties[c], row[c], ctx, c))))))));
    }
    return v.map((x, i) => [i ? '、' : '', view(s.items, x, ctx, name)]);
  }
  if (s.type === 'boolean') return v ? `✓ ${t('yes')}` : `✗ ${t('no')}`;
  if (s.enum) return optLabel(ctx, v);
  if (isMoney(name, s) || (s.type === 'integer' && /_fen$/.test(name))) return t('yuan', formatFen(v));
  return s.type === 'string' && !s.format ? own(v) : String(v);
}

// A single labelled input outside a schema form (sign-in, objections, …).
export function plainField(labelText, attrs = {}, helpText, tag = 'input') {
  const id = uid();
  const help = helpText ? h('p.help', {id: id + 'h'}, helpText) : null;
  const input = h(tag, {id, ...attrs, 'aria-describedby': help ? help.id : null});
  const label = h('label', {for: id}, labelText);
  const box = attrs.type === 'checkbox' ? h('div.field.check', input, label, help) : h('div.field', label, input, help);
  if (attrs.required) box.classList.add('req');
  const node = {el: box, input, label: labelText, focus: () => input.focus(), child: () => null};
  return errorMethods(node, box, input);
}

// A pseudo-node over named fields, so placeErrors() can find them.
export const fieldsRoot = (el, map) => ({el, child: (seg) => map[seg] || null});
