// What the pages share: the signed-in account and a few shell services
// (app.js fills in the functions).

export const app = {
  me: null,         // GET /v1/account, or null when signed out
  flash: null,      // {kind, text} shown at the top of the next page
  keep: null,       // a page's function returning what to keep across a language switch
  kept: null,       // what the previous render of the same route kept
  say: () => {},    // announces a short message to screen readers
  go: (hash) => { location.hash = hash; },
  refresh: () => {},
  isStaff: () => app.me && /reviewer$/.test(app.me.role),
};
