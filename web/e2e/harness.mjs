// What the browser tests share: a real `fleetdeck serve` on a free port with a fresh SQLite
// store, headless Chromium, and a page per test with artifacts when it fails. Each test file
// runs in its own process (node --test) and calls startConsole() to get a server of its own.
//
// FLEETDECK_BIN     the server binary (default: $CARGO_TARGET_DIR/debug/fleetdeck or ../target/debug/fleetdeck)
// KUBESIM_BIN       the simulator (default: `kubesim` next to FLEETDECK_BIN)
// CHROMIUM_PATH     the browser (default: /usr/bin/chromium; no browser is ever downloaded)
// Screenshots, page console and the logs of the processes of a failing test land in e2e/artifacts/.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const artifactsDir = join(webDir, 'e2e', 'artifacts');
export const serverBin =
  process.env.FLEETDECK_BIN ||
  (process.env.CARGO_TARGET_DIR
    ? resolve(process.env.CARGO_TARGET_DIR, 'debug', 'fleetdeck')
    : resolve(webDir, '..', 'target', 'debug', 'fleetdeck'));

const kubesimBin = process.env.KUBESIM_BIN || join(dirname(serverBin), 'kubesim');

/** The bootstrap tokens the server accepts, one per role the tests sign in as. */
export const users = {
  admin: { name: 'e2e-admin', token: randomBytes(20).toString('hex') },
  viewer: { name: 'e2e-viewer', token: randomBytes(20).toString('hex') },
  operator: { name: 'e2e-operator', token: randomBytes(20).toString('hex') },
  // Reads the Flux inputs and nothing else: no cluster's inventory.
  fluxReader: { name: 'e2e-flux-reader', token: randomBytes(20).toString('hex') },
};
const roles = { admin: 'admin', viewer: 'viewer', operator: 'operator', fluxReader: 'flux-reader' };

/** The server's URL, set once startConsole's `before` ran. */
export let baseURL;
/** A fresh directory of this test file (the store, kubeconfigs), removed after it. */
export let dataDir;
let browser;
/** Every process started, by name: its log goes with a failing test's artifacts. */
const processes = new Map();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** Starts `bin` with `args`, its output kept as the log of `name`; stopped after the file's tests. */
export function startProcess(name, bin, args, env = {}) {
  assert.ok(existsSync(bin), `no ${name} binary at ${bin}`);
  const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const started = { child, log: '', exited: () => child.exitCode !== null || child.signalCode !== null };
  const collect = (chunk) => {
    started.log += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  processes.set(name, started);
  return started;
}

async function stopProcess({ child, exited }) {
  if (exited()) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const stopped = await Promise.race([gone.then(() => true), sleep(10_000).then(() => false)]);
  if (!stopped) child.kill('SIGKILL');
}

/** Polls `ready` (true when done) every 200 ms until `timeoutMs`, failing early if `proc` exits. */
export async function waitUntil(proc, what, ready, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exited()) throw new Error(`${what}: the process exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${proc.log}`);
    if (await ready()) return;
    await sleep(200);
  }
  throw new Error(`${what}: not after ${timeoutMs} ms:\n${proc.log}`);
}

function saveArtifact(name, content) {
  mkdirSync(artifactsDir, { recursive: true });
  writeFileSync(join(artifactsDir, name), content);
}

/**
 * Registers the hooks that start fleetdeck and the browser before this file's tests and stop them
 * after; `env` adds to (or overrides) the server's environment, e.g. FLEETDECK_WRITE_ACTIONS_ENABLED
 * (or is an async function of the server's port returning that).
 */
export function startConsole({ env = {} } = {}) {
  before(async () => {
    assert.ok(existsSync(join(webDir, 'dist', 'index.html')), 'no web/dist: run `npm run build` first');
    dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-e2e-'));
    const port = await freePort();
    baseURL = `http://127.0.0.1:${port}`;
    const server = startProcess('server', serverBin, ['serve'], {
      FLEETDECK_ADDR: `127.0.0.1:${port}`,
      FLEETDECK_DATABASE_URL: `sqlite://${join(dataDir, 'fd.db')}`,
      FLEETDECK_AUTH_TOKENS: Object.entries(users)
        .map(([key, user]) => `${user.name}:${roles[key]}:${user.token}`)
        .join(','),
      // The suite signs in many times; the default limit would lock it out.
      FLEETDECK_LOGIN_RATE_LIMIT: '1000',
      // Registered connections are stored sealed with this key.
      FLEETDECK_SECRET_KEY: randomBytes(32).toString('base64'),
      // A function of the port: for what must know the server's URL first (an OIDC provider).
      ...(typeof env === 'function' ? await env(port) : env),
    });
    await waitUntil(server, 'fleetdeck healthy', async () => (await fetch(`${baseURL}/healthz`).catch(() => null))?.status === 200, 30_000);

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
    });
  });

  after(async () => {
    await browser?.close();
    await Promise.all([...processes.values()].map(stopProcess));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
}

/** Runs `fn` with a fresh browser context (no cookies); on failure saves a screenshot and logs. */
export async function withPage(t, fn) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const consoleLines = [];
  page.on('console', (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
  page.on('pageerror', (err) => consoleLines.push(`[pageerror] ${err.stack ?? err}`));
  try {
    await fn(page);
    const cspViolations = consoleLines.filter((line) => /Content Security Policy/i.test(line));
    assert.deepEqual(cspViolations, [], 'the page broke the server CSP');
    assert.deepEqual(consoleLines.filter((line) => line.startsWith('[pageerror]')), [], 'uncaught errors in the page');
  } catch (err) {
    const slug = t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, `${slug}.png`), fullPage: true }).catch(() => {});
    saveArtifact(`${slug}.console.log`, consoleLines.join('\n'));
    for (const [name, { log }] of processes) saveArtifact(`${slug}.${name}.log`, log);
    throw err;
  } finally {
    await context.close();
  }
}

export async function signIn(page, secret) {
  await page.getByLabel('Token', { exact: true }).fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Starts kubesim with `args` (`--fixtures FILE`, `--generate …`) and registers it with the server
 * as the `shared` cluster `name`. Answers its apiserver as its kubeconfig says: URL, CA and admin token.
 */
export async function startSimulatedCluster(name, args) {
  const kubeconfigPath = join(dataDir, `${name}.kubeconfig`);
  const sim = startProcess('kubesim', kubesimBin, [...args, '--port', String(await freePort()), '--write-kubeconfig', kubeconfigPath]);
  // kubesim writes the file atomically once it serves.
  await waitUntil(sim, 'kubesim kubeconfig', () => statSync(kubeconfigPath, { throwIfNoEntry: false })?.size > 0, 30_000);
  const kubeconfig = readFileSync(kubeconfigPath, 'utf8');
  const registered = await fetch(`${baseURL}/api/clusters`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${users.admin.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, environment: 'dev', kubeconfig, authzMode: 'shared' }),
  });
  assert.equal(registered.status, 201, await registered.text());
  const field = (key) => kubeconfig.match(new RegExp(`^\\s*${key}: ['"]?([^'"\\s]+)`, 'm'))?.[1];
  return { server: field('server'), ca: Buffer.from(field('certificate-authority-data'), 'base64'), token: field('token') };
}

/** A request to a simulated cluster (`kube` from startSimulatedCluster) as its admin; PATCH is a merge patch. Resolves to the JSON answer. */
export function kubeApi(kube, method, path, body) {
  const contentType = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  return new Promise((resolveAnswer, reject) => {
    const req = request(
      new URL(path, kube.server),
      { method, ca: kube.ca, headers: { Authorization: `Bearer ${kube.token}`, 'Content-Type': contentType } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => (res.statusCode < 300 ? resolveAnswer(JSON.parse(text)) : reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text}`))));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
