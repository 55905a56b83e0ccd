// Browser tests of the web front end: Debian's Chromium, driven by
// playwright-core, against the real `shenbao serve`.
//
//     node tests/web/run.mjs --shenbao PATH/TO/shenbao [--keep]
//
// Two sets of tests, each against a server of its own:
// - flow.mjs, with every kind configured through all three stages (the
//   configuration `stages` the API tests use, ALL_STAGES below);
// - stages.mjs, with each kind's own stages (configuration {"stages": {}}),
//   and the check that no page names a kind the server did not describe.
// For each set:
// 1. makes a temporary directory with a config file, runs `shenbao migrate`,
//    `shenbao keygen` and `shenbao account add` for the staff accounts (a
//    district reviewer of 110108 and a municipal reviewer of each
//    authority; applicants sign up in the browser);
// 2. starts `shenbao serve --clock 2020-09-29T10:00:00+08:00` on a free
//    loopback port (so a public notice runs 2020-09-29 .. 2020-10-12) and
//    waits for GET /healthz;
// 3. runs the set's tests with node's test runner, one after the other
//    (the start above is the first test): each drives Chromium through the
//    pages, saves screenshots at 1280 and 375 px to tests/web/screenshots/
//    and checks every page it shows (console, labels, no horizontal scroll
//    at 375 px);
// 4. the last test stops the server with SIGTERM: it must exit 0, and its
//    stderr must be JSON lines with no 5xx and no sanitizer report.
//
// Node's TAP summary (`# pass N`, `# fail N`) ends the output; the exit
// status is non-zero when anything failed.  The temporary directories are
// removed unless something failed or --keep is given.
//
// Environment: CHROMIUM (default /usr/bin/chromium).

import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// Node picks its reporter by whether stdout is a terminal; the harness
// wants TAP (its summary lines) either way: run again with it.
if (!process.execArgv.some((a) => a.startsWith('--test-reporter'))) {
  const child = spawnSync(process.execPath,
    ['--test-reporter=tap', '--test-reporter-destination=stdout', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {stdio: 'inherit'});
  process.exit(child.status === null ? 1 : child.status);
}

const {describe, before, after, it} = await import('node:test');
const flow = await import('./flow.mjs');
const stages = await import('./stages.mjs');
const afterApproval = await import('./after.mjs');
const {clearScreenshots} = await import('./lib.mjs');

export const CLOCK = '2020-09-29T10:00:00+08:00';
export const TICK_AFTER_NOTICE = '2020-10-13T00:00:00+08:00';
const SANITIZER = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:'];
const HEALTH_TIMEOUT_MS = 30000;
const STOP_TIMEOUT_MS = 15000;

// Every kind through the district, municipal and notice stages, as
// tests/api/common.py ALL_STAGES configures the API tests' servers.
export const ALL_STAGES = {
  incubator: ['district', 'municipal', 'notice'],
  first_store: ['district', 'municipal', 'notice'],
  tourism_award: ['district', 'municipal', 'notice'],
};

// Staff accounts: key -> `account add` options.
const STAFF = {
  district_110108: ['--role', 'district_reviewer', '--name', '海淀区初审员', '--unit', '110108'],
  municipal_science_tech: ['--role', 'municipal_reviewer', '--name', '市科委复审员', '--authority', 'science_tech'],
  municipal_commerce: ['--role', 'municipal_reviewer', '--name', '市商务局复审员', '--authority', 'commerce'],
  municipal_culture_tourism: ['--role', 'municipal_reviewer', '--name', '市文旅局复审员', '--authority', 'culture_tourism'],
};

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node tests/web/run.mjs --shenbao PATH [--keep]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {shenbao: null, keep: false};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--shenbao') o.shenbao = argv[++i];
    else if (a.startsWith('--shenbao=')) o.shenbao = a.slice(10);
    else if (a === '--keep') o.keep = true;
    else usage(`unknown argument: ${a}`);
  }
  if (!o.shenbao) usage('--shenbao is required');
  o.shenbao = path.resolve(o.shenbao);
  if (!fs.existsSync(o.shenbao)) usage(`no such file: ${o.shenbao}`);
  return o;
}

const sanitizerLines = (text) => text.split('\n').filter((l) => SANITIZER.some((m) => l.includes(m)));

// Runs one shenbao subcommand; returns its stdout, throws on exit != 0 or a
// sanitizer report.
function cli(shenbao, args, cwd) {
  const p = spawnSync(shenbao, args, {cwd, encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'pipe']});
  const cmd = ['shenbao', ...args].join(' ');
  if (p.error) throw new Error(`${cmd}: ${p.error.message}`);
  if (p.status !== 0 || sanitizerLines(p.stderr).length) {
    throw new Error(`${cmd}: exit ${p.status}\nstdout: ${p.stdout.trim()}\nstderr: ${p.stderr.trim()}`);
  }
  return p.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The status of a GET (node:http: Node 18's fetch still warns that it is
// experimental).
function httpStatus(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, {timeout: 2000}, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

// The server's stderr: one JSON object per line, no sanitizer report, no
// request answered with a 5xx.  Returns the problems found.
export function checkServerLog(text) {
  const problems = [];
  const san = sanitizerLines(text);
  if (san.length) problems.push(`sanitizer report in the server's stderr:\n  ${san.slice(0, 20).join('\n  ')}`);
  const notJson = [], fiveXX = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let o;
    try { o = JSON.parse(line); } catch { notJson.push(line); continue; }
    if (!o || typeof o !== 'object' || Array.isArray(o)) { notJson.push(line); continue; }
    if (Number.isInteger(o.status) && o.status >= 500) fiveXX.push(line);
  }
  if (notJson.length) problems.push(`${notJson.length} server log lines are not JSON objects, e.g.:\n  ${notJson.slice(0, 10).join('\n  ')}`);
  if (fiveXX.length) problems.push(`${fiveXX.length} requests answered with a 5xx:\n  ${fiveXX.slice(0, 20).join('\n  ')}`);
  return problems;
}

class Server {
  // stages: the configuration `stages` ({} for each kind's own).
  constructor(shenbao, stages) {
    this.shenbao = shenbao;
    this.stages = stages;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shenbao-web-'));
    this.config = path.join(this.tmp, 'config.json');
    this.errPath = path.join(this.tmp, 'server.stderr');
    this.tokens = {};
    this.proc = null;
    this.exit = null;
  }

  async start() {
    fs.writeFileSync(this.config, JSON.stringify({
      db: path.join(this.tmp, 't.db'), keys: path.join(this.tmp, 'keys'), per_ip_connection_limit: 256,
      stages: this.stages,
    }));
    this.cli(['migrate', '--config', this.config]);
    this.cli(['keygen', '--config', this.config]);
    for (const [key, opts] of Object.entries(STAFF)) {
      const lines = this.cli(['account', 'add', '--config', this.config, ...opts]).split('\n').map((l) => l.trim()).filter(Boolean);
      if (!lines.length) throw new Error(`account add printed no token for ${key}`);
      this.tokens[key] = lines[lines.length - 1];
    }
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    const err = fs.openSync(this.errPath, 'w');
    const out = fs.openSync(path.join(this.tmp, 'server.stdout'), 'w');
    this.proc = spawn(this.shenbao, ['serve', '--config', this.config, '--listen', `127.0.0.1:${this.port}`, '--clock', CLOCK],
      {cwd: this.tmp, stdio: ['ignore', out, err]});
    fs.closeSync(err);
    fs.closeSync(out);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => {
      this.exit = {code, signal};
      resolve(this.exit);
    }));
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    let last = '';
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`the server exited (${JSON.stringify(this.exit)}) before it was healthy:\n${this.log()}`);
      try {
        const status = await httpStatus(`${this.base}/healthz`);
        if (status === 200) return;
        last = `status ${status}`;
      } catch (e) {
        last = e.message;
      }
      await sleep(100);
    }
    throw new Error(`GET /healthz not 200 within ${HEALTH_TIMEOUT_MS} ms (${last}):\n${this.log()}`);
  }

  cli(args) {
    return cli(this.shenbao, args, this.tmp);
  }

  log() {
    try { return fs.readFileSync(this.errPath, 'utf8'); } catch { return ''; }
  }

  // SIGTERM; returns the problems (exit status, log).
  async stop() {
    const problems = [];
    if (this.exit) {
      problems.push(`the server died during the tests (${JSON.stringify(this.exit)})`);
    } else {
      this.proc.kill('SIGTERM');
      const done = await Promise.race([this.exited, sleep(STOP_TIMEOUT_MS).then(() => null)]);
      if (!done) {
        problems.push(`the server still runs ${STOP_TIMEOUT_MS} ms after SIGTERM`);
        this.proc.kill('SIGKILL');
        await this.exited;
      } else if (done.code !== 0) {
        problems.push(`the server exited with ${JSON.stringify(done)} after SIGTERM`);
      }
    }
    problems.push(...checkServerLog(this.log()));
    return problems;
  }

  async kill() {
    if (this.proc && !this.exit) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }
}

const opts = parseArgs(process.argv.slice(2));
const SCREENSHOTS = path.join(HERE, 'screenshots');
let failed = false;

before(() => clearScreenshots(SCREENSHOTS));

// One set of tests against a server of its own configured with `stages`.
function suite(title, stagesConfig, register) {
  describe(title, {concurrency: 1}, () => {
    const server = new Server(opts.shenbao, stagesConfig);
    const env = {
      server, clock: CLOCK, tickAfterNotice: TICK_AFTER_NOTICE,
      screenshots: SCREENSHOTS,
      chromium: process.env.CHROMIUM || '/usr/bin/chromium',
      tmp: server.tmp,
    };
    let hooks = null;

    it(`the server starts (stages ${JSON.stringify(stagesConfig)}; migrate, keygen, staff accounts, serve --clock) and Chromium launches`, async () => {
      // Chromium's temporary profile goes to our temporary directory too.
      process.env.TMPDIR = server.tmp;
      try {
        await server.start();
        await hooks.start();
      } catch (e) {
        failed = true;
        hooks.broken('the start');
        throw e;
      }
    });

    hooks = register(env, {failed: () => { failed = true; }});

    it('the server stops cleanly: exit 0 after SIGTERM, JSON log lines, no 5xx, no sanitizer report', async (t) => {
      await hooks.stop();
      if (!server.proc) {
        t.skip('the server did not start');
        return;
      }
      const problems = await server.stop();
      if (problems.length) {
        failed = true;
        throw new Error(problems.join('\n'));
      }
    });

    after(async () => {
      await hooks.stop();
      await server.kill();
      if (failed || opts.keep) {
        process.stderr.write(`temporary directory kept: ${server.tmp}\n`);
      } else {
        fs.rmSync(server.tmp, {recursive: true, force: true});
      }
    });
  });
}

suite('shenbao web front end in Chromium, every kind through all three stages', ALL_STAGES, flow.register);
suite('each kind through its own stages (the defaults of RULES.md §1)', {}, stages.register);
suite('what comes after approval (RULES.md §7–8), on the defaults', {}, afterApproval.register);
