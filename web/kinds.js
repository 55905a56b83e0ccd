// The application kinds as this server describes them (GET /v1/kinds):
// names, authorities, the stages each goes through here, what each stage
// records, what each issues.  Fetched once per page load; no page names a
// kind of its own accord.

import {cached} from './api.js';
import {lang} from './i18n.js';

let list = null;

// Resolves to the kinds (once loaded, at once); rejects with a Problem
// when the server cannot say (the next call asks again).
export async function loadKinds() {
  if (!list) list = (await cached('/v1/kinds')).items;
  return list;
}

// What is known without waiting: the kinds loaded so far (none before
// loadKinds() has resolved once).
export const kinds = () => list || [];
export const kindInfo = (name) => kinds().find((k) => k.name === name) || null;

const zhEn = (o, key) => (o ? o[`${key}_${lang === 'en' ? 'en' : 'zh'}`] || o[`${key}_zh`] : null);

// A kind's title as the gazette names it; its name when not known.
export const kindLabel = (name) => zhEn(kindInfo(name), 'title') || name;

// What a kind issues ("…认定证书", "…资金支持决定").
export const issuedLabel = (k) => zhEn(k && k.issues, 'title') || '';

// An authority's name as it signs, from any kind it owns; its id when none.
export function authorityLabel(id) {
  return zhEn(kinds().find((k) => k.authority === id), 'authority') || id;
}

export const hasStage = (k, stage) => !!k && Array.isArray(k.stages) && k.stages.includes(stage);

// The stage an application goes to when it is submitted: the kind's first.
export const firstStage = (k) => (k && k.stages && k.stages[0]) || 'district';
