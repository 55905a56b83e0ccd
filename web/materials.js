// Materials (申报材料): the files of an application, one section per type
// the kind asks for (GET /v1/kinds/{kind}/materials).  The applicant's form
// uploads them (with a progress bar), replaces and deletes them; every page
// that shows an application lists them with their SHA-256 and opens them.

import {h, add, put, uid} from './util.js';
import {lang, C, paren} from './i18n.js';
import {api, get, cached, Problem} from './api.js';
import {app} from './state.js';
import {problemText, alertBox} from './show.js';

// This section's words, 简体中文 first.
const W = {
  materials: ['申报材料', 'Materials'],
  required: ['必需', 'Required'],
  optional: ['可选', 'Optional'],
  when: ['视情况需要：', 'Needed when '],
  needed_now: ['本申报需要', 'needed here'],
  not_needed_now: ['本申报暂不需要', 'not needed here'],
  formats: ['格式：', 'Formats: '],
  upto: ['，每个文件不超过 {0}', ', at most {0} a file'],
  none: ['尚未上传', 'Nothing uploaded yet'],
  upload: ['上传', 'Upload'],
  choose: ['选择文件', 'Choose a file'],
  replace: ['替换', 'Replace'],
  delete: ['删除', 'Delete'],
  confirm: ['确认删除', 'Really delete'],
  uploading: ['正在上传 {0}…', 'Uploading {0}…'],
  uploaded: ['已上传 {0}', 'Uploaded {0}'],
  deleted: ['已删除 {0}', 'Deleted {0}'],
  hash: ['SHA-256', 'SHA-256'],
  save_first: ['保存申报后即可上传材料。', 'Save the application to attach its materials.'],
  missing: ['尚缺以下必需材料，补齐后方可提交：', 'These required materials are missing; add them before submitting:'],
  complete: ['必需材料已齐全。', 'Every required material is attached.'],
  wrong_type: ['{0} 不是本类材料接受的格式（{1}）。', '{0} is not a format this type takes ({1}).'],
  too_big: ['{0} 超过 {1}。', '{0} is larger than {1}.'],
  kept_deleted: ['已删除（仍保留于申报记录）', 'deleted (kept in the record)'],
};
const w = (k, ...v) => W[k][lang === 'en' ? 1 : 0].replace(/\{(\d)\}/g, (_, i) => v[i] ?? '');
const title = (ty) => (lang === 'en' ? ty.title_en : ty.title_zh);

const FORMAT = {'application/pdf': 'PDF', 'application/ofd': 'OFD', 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'video/mp4': 'MP4'};
// Browsers know no media type for .ofd, and some none for the others.
const BY_EXT = {pdf: 'application/pdf', ofd: 'application/ofd', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', mp4: 'video/mp4'};

function mediaType(file) {
  const ext = (file.name.match(/\.([a-z0-9]+)$/i) || [])[1];
  return (ext && BY_EXT[ext.toLowerCase()]) || file.type || 'application/octet-stream';
}

export function bytesText(n) {
  if (n >= 1024 * 1024) return `${(Math.round(n / 1024 / 102.4) / 10).toFixed(1)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} B`;
}

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)sb_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : '';
}

// POST the file's bytes as the body, reporting progress (0..1).  Resolves
// to the stored file; rejects with a Problem.
export function send(appId, type, file, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', `/v1/applications/${appId}/materials?type=${encodeURIComponent(type)}`);
    x.setRequestHeader('Content-Type', mediaType(file));
    x.setRequestHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`);
    x.setRequestHeader('Accept', 'application/json, application/problem+json');
    if (csrf()) x.setRequestHeader('X-CSRF-Token', csrf());
    x.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    x.onload = () => {
      let doc = null;
      try { doc = JSON.parse(x.responseText); } catch { doc = null; }
      if (x.status === 201) resolve(doc);
      else reject(new Problem(x.status, doc, {get: (n) => x.getResponseHeader(n)}));
    };
    x.onerror = () => reject(new Problem(0, null, null));
    x.send(file);
  });
}

// The section for application `a` ({id, kind}).  editable: the applicant may
// change the files (a draft or returned application); level: its heading's
// (2 on a page, deeper inside a card; each type's is one deeper).  Returns {el,
// missing(), focus(type), ready}: missing() lists the required types with no
// file ({type, title}), focus() moves to a type's upload control.
export function materialsSection(a, {editable = false, level = 2} = {}) {
  const el = h('section.materials', {'aria-labelledby': uid('mh')});
  const heading = h(`h${level}`, {id: el.getAttribute('aria-labelledby')}, w('materials'));
  const status = h('div', {role: 'status'});
  const summary = h('div');
  const body = h('div');
  add(el, heading, summary, body, status);
  const rows = new Map();
  let types = [];
  let state = {items: [], missing: []};

  async function load() {
    [types, state] = await Promise.all([
      cached(`/v1/kinds/${a.kind}/materials`).then((r) => r.items),
      get(`/v1/applications/${a.id}/materials`),
    ]);
    render();
  }

  function render() {
    // A report's files (after approval) are shown once there are some;
    // the form before submission has nothing to do with them.
    put(body, types.filter((t) => !t.for_reports || state.items.some((f) => f.type === t.type)).map(typeRow));
    const miss = missing();
    put(summary, !miss.length ? (editable ? alertBox('ok', w('complete')) : null)
      : alertBox(editable ? 'warn' : 'info', h('p', w('missing')),
        h('ul', miss.map((m) => h('li', editable
          ? h('button.link', {type: 'button', onclick: () => focus(m.type)}, m.title)
          : m.title)))));
  }

  function need(ty) {
    if (ty.required === true) return h('span.req', w('required'));
    if (ty.required === 'conditional') {
      const now = (state.needed || []).includes(ty.type);
      return h('span.cond', w('when'), lang === 'en' ? ty.condition : ty.condition_zh,
        paren(now ? w('needed_now') : w('not_needed_now')));
    }
    return h('span.opt', w('optional'));
  }

  function typeRow(ty) {
    const files = state.items.filter((f) => f.type === ty.type);
    const row = h('div.mtype', {'data-type': ty.type});
    const list = h('ul.files');
    for (const f of files) add(list, fileItem(ty, f));
    if (!files.length) add(list, h('li.muted', w('none')));
    const accept = ty.accept.map((m) => FORMAT[m] || m).join(' / ');
    add(row, h(`h${level + 1}`, title(ty), ' ', need(ty)),
      h('p.help', w('formats'), accept, w('upto', bytesText(ty.max_bytes))), list);
    if (editable) add(row, uploader(ty));
    rows.set(ty.type, row);
    return row;
  }

  function fileItem(ty, f) {
    const link = h('a', {href: `/v1/applications/${a.id}/materials/${f.id}`, download: f.filename, translate: 'no'}, f.filename);
    const li = h('li.file', link, ` · ${bytesText(f.bytes)}`,
      f.deleted_at ? ` · ${w('kept_deleted')}` : null,
      h('div.hashline', h('span.muted', `${w('hash')}${C()}`), h('code.hash', f.sha256)));
    if (editable) {
      const del = h('button.danger.small', {type: 'button'}, w('delete'));
      del.setAttribute('aria-label', `${w('delete')} ${f.filename}`);
      del.addEventListener('click', async () => {
        if (!del.classList.contains('confirm')) {
          del.classList.add('confirm');
          del.textContent = w('confirm');
          return;
        }
        del.disabled = true;
        try {
          await api('DELETE', `/v1/applications/${a.id}/materials/${f.id}`);
          put(status, alertBox('ok', w('deleted', f.filename)));
          app.say(w('deleted', f.filename));
          await load();
        } catch (e) {
          put(status, alertBox('error', problemText(e)));
          del.disabled = false;
        }
      });
      const rep = uploader(ty, f);
      add(li, h('div.fileactions', rep, del));
    }
    return li;
  }

  // A file input (its label the button), a progress bar while it uploads.
  // replacing: the file the new one takes the place of, deleted once the
  // new one is stored.
  function uploader(ty, replacing) {
    const id = uid('up');
    const input = h('input.vh', {type: 'file', id, accept: ty.accept.concat(ty.accept.includes('application/ofd') ? ['.ofd'] : []).join(',')});
    const label = h('label.button', {for: id}, replacing ? w('replace') : `${w('upload')}${paren(title(ty))}`);
    if (replacing) label.setAttribute('aria-label', `${w('replace')} ${replacing.filename}`);
    const bar = h('progress', {max: 100, value: 0, hidden: true, 'aria-label': w('upload')});
    const out = h('span.upnote', {'aria-live': 'polite'});
    input.addEventListener('change', async () => {
      const file = input.files[0];
      input.value = '';
      if (!file) return;
      const type = mediaType(file);
      if (!ty.accept.includes(type)) {
        put(status, alertBox('error', w('wrong_type', file.name, ty.accept.map((m) => FORMAT[m] || m).join(' / '))));
        return;
      }
      if (file.size > ty.max_bytes) {
        put(status, alertBox('error', w('too_big', file.name, bytesText(ty.max_bytes))));
        return;
      }
      bar.hidden = false;
      bar.value = 0;
      out.textContent = w('uploading', file.name);
      label.classList.add('busy');
      try {
        const made = await send(a.id, ty.type, file, (p) => { bar.value = Math.round(p * 100); });
        bar.value = 100;
        if (replacing) await api('DELETE', `/v1/applications/${a.id}/materials/${replacing.id}`);
        put(status, alertBox('ok', w('uploaded', made.filename), ' ', h('code.hash', made.sha256)));
        app.say(w('uploaded', made.filename));
        await load();
      } catch (e) {
        put(status, alertBox('error', `${file.name}${C()}${problemText(e)}`));
      } finally {
        bar.hidden = true;
        out.textContent = '';
        label.classList.remove('busy');
      }
    });
    return h('div.uploader', input, label, bar, out);
  }

  function missing() {
    return state.missing.map((t) => {
      const ty = types.find((x) => x.type === t);
      return {type: t, title: ty ? title(ty) : t};
    });
  }

  function focus(type) {
    const row = rows.get(type);
    if (!row) return;
    row.scrollIntoView({block: 'center'});
    const target = row.querySelector('.uploader input') || row;
    target.focus();
  }

  const ready = load().catch((e) => put(body, alertBox('error', problemText(e))));
  return {el, missing, focus, ready, reload: load};
}

// For a form not yet saved: where the materials will be.
export function materialsPlaceholder() {
  return h('section.materials', h('h2', w('materials')), h('p.help', w('save_first')));
}

// The server's 422 for the materials (pointers /materials/<type>) as a list
// that moves to each type's control; other errors are left to the caller.
export function materialErrors(e) {
  return (e && e.errors ? e.errors : []).filter((x) => /^\/materials\//.test(x.pointer || ''));
}

export const materialWords = {missing: () => w('missing')};
