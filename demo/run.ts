/**
 * `npm run demo`: the whole job in one command, with nothing but what the
 * package ships. A local Sentry-protocol sink (test/support/sink.ts), the example cart
 * service under `--import @org/sentry-register`, a traffic mix, SIGTERM, then a
 * summary of what arrived and `demo-report.html`. Exits 1 if anything expected
 * did not arrive.
 *
 *   npm run demo [-- --requests 400] [-- --report path.html]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, symlinkSync, writeFileSync, lstatSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startSink } from '../test/support/sink.js';
import type { Sink } from '../test/support/sink.js';
import { reportHtml } from './report.js';
import type { DemoResult, SessionSummary, RouteSummary, SentRequest } from './report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVICE = join(ROOT, 'examples', 'service');
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
};
const TOTAL = Number(arg('requests') ?? 400);
const REPORT = resolve(arg('report') ?? 'demo-report.html');
const ENVIRONMENT = 'demo';

// Sent with every request, and looked for in everything the sink receives.
const SECRETS = {
  'client IP address': '203.0.113.77',
  cookie: 'session=demo-cookie-5f2a9c',
  'authorization header': 'Bearer demo-token-8e41d7',
  'e-mail in a body': 'jane.doe@example.com',
};

interface Route {
  readonly label: string;
  readonly method: 'GET' | 'POST';
  readonly weight: number;
  readonly traced: boolean;
  readonly path: (n: number) => string;
  readonly fails?: boolean;
}
const ROUTES: readonly Route[] = [
  { label: 'POST /carts/:cart/items', method: 'POST', weight: 30, traced: true, path: (n) => `/carts/c${n}/items` },
  { label: 'GET /carts/:cart', method: 'GET', weight: 25, traced: false, path: (n) => `/carts/c${n}` },
  { label: 'POST /quotes/:quote', method: 'POST', weight: 15, traced: true, path: (n) => `/quotes/q${n}` },
  { label: 'POST /checkout/:cart', method: 'POST', weight: 6, traced: true, path: (n) => `/checkout/c${n}`, fails: true },
  { label: 'GET /readiness', method: 'GET', weight: 10, traced: false, path: () => '/readiness' },
  { label: 'GET /liveness', method: 'GET', weight: 6, traced: false, path: () => '/liveness' },
  { label: 'GET /metrics', method: 'GET', weight: 5, traced: false, path: () => '/metrics' },
  { label: 'GET /', method: 'GET', weight: 3, traced: false, path: () => '/' },
];

/** The n-th request's route: a fixed, shuffled mix, the same every run. */
function routeFor(n: number): Route {
  const total = ROUTES.reduce((s, r) => s + r.weight, 0);
  let x = (n * 7919) % total;
  for (const r of ROUTES) {
    if (x < r.weight) return r;
    x -= r.weight;
  }
  return ROUTES[0] as Route;
}

function progress(done: number, total: number): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const line = `  traffic [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
  else if (done === total || done % Math.ceil(total / 4) === 0) process.stderr.write(`${line}\n`);
}

/** node_modules/@org/sentry-register in the example, pointing at this package: `--import` resolves as it would when installed. */
function linkPackage(): void {
  const scope = join(SERVICE, 'node_modules', '@org');
  const link = join(scope, 'sentry-register');
  mkdirSync(scope, { recursive: true });
  try {
    lstatSync(link);
  } catch {
    symlinkSync(ROOT, link, 'dir');
  }
}

async function startPricing(): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"total":42.5,"currency":"EUR"}'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

async function main(): Promise<number> {
  linkPackage();
  const sink = await startSink();
  const pricing = await startPricing();
  const version = (JSON.parse(readFileSync(join(SERVICE, 'package.json'), 'utf8')) as { version: string }).version;
  process.stderr.write(`demo: sink on ${new URL(sink.dsn).host}, cart service ${version} under --import @org/sentry-register\n`);

  const env: NodeJS.ProcessEnv = { ...process.env, SENTRY_DSN: sink.dsn, SENTRY_ENVIRONMENT: ENVIRONMENT, PRICING_URL: pricing.url };
  delete env['NODE_OPTIONS'];
  delete env['SENTRY_RELEASE'];
  delete env['SENTRY_TRACES_SAMPLE_RATE'];
  const child = spawn(process.execPath, ['--import', '@org/sentry-register', 'server.mjs'], {
    cwd: SERVICE,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const m = /listening on (\d+)/.exec(out);
      if (m) resolvePort(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`the service exited before listening:\n${stderr}`)));
  });

  const started = performance.now();
  const sent: SentRequest[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < TOTAL) {
      const n = next++;
      const route = routeFor(n);
      const path = route.path(n);
      const at = performance.now() - started;
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: route.method,
        headers: {
          cookie: SECRETS.cookie,
          authorization: SECRETS['authorization header'],
          'x-forwarded-for': SECRETS['client IP address'],
          ...(route.method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        ...(route.method === 'POST' ? { body: JSON.stringify({ sku: 'book-1', qty: 1, email: SECRETS['e-mail in a body'] }) } : {}),
      });
      await res.arrayBuffer();
      sent.push({ route: route.label, path, method: route.method, at, status: res.status });
      progress(sent.length, TOTAL);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));

  const signalled = performance.now();
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  const shutdownMs = performance.now() - signalled;
  pricing.close();
  await sink.close();

  const result = summarize(sink, sent, { code, signal, shutdownMs, version, stderr });
  writeFileSync(REPORT, reportHtml(result));
  printSummary(result);
  process.stderr.write(`\nreport: ${REPORT}\n`);
  return result.problems.length === 0 ? 0 : 1;
}

function summarize(
  sink: Sink,
  sent: SentRequest[],
  exit: { code: number | null; signal: NodeJS.Signals | null; shutdownMs: number; version: string; stderr: string },
): DemoResult {
  const problems: string[] = [];
  // Each server span names its own method and path, so a span for a route that must never be traced counts too.
  const spanKeys = new Set(
    sink.spans.filter((s) => s.kind === 2).map((s) => `${String(s.attributes['http.request.method'])} ${String(s.attributes['url.path'])}`),
  );
  for (const r of sent) r.kept = spanKeys.has(`${r.method} ${r.path}`);

  const routes: RouteSummary[] = ROUTES.map((route) => {
    const mine = sent.filter((r) => r.route === route.label);
    return { label: route.label, traced: route.traced, sent: mine.length, spans: mine.filter((r) => r.kept).length };
  });
  const failing = new Set(ROUTES.filter((route) => route.fails).map((route) => route.label));
  for (const r of routes) {
    if (!r.traced && r.spans > 0) problems.push(`${r.label}: ${r.spans} span(s) arrived for a route that is never traced`);
  }
  const tracedSent = routes.filter((r) => r.traced).reduce((s, r) => s + r.sent, 0);
  const tracedSpans = routes.filter((r) => r.traced).reduce((s, r) => s + r.spans, 0);
  if (tracedSent >= 40 && tracedSpans === 0) problems.push(`no span arrived for ${tracedSent} POSTs`);
  const strays = sent.filter((r) => r.status >= 500 && !failing.has(r.route));
  if (strays.length > 0) problems.push(`${strays.length} request(s) failed that should not have`);

  const release = `lightspeed-stack@${exit.version}`;
  const traceIds = new Set(sink.spans.map((s) => s.traceId));
  const errors = sink.events().map((e) => {
    const trace = (e['contexts'] as Record<string, Record<string, unknown>> | undefined)?.['trace'];
    const traceId = typeof trace?.['trace_id'] === 'string' ? trace['trace_id'] : undefined;
    const values = (e['exception'] as { values?: Array<{ type?: string; value?: string }> } | undefined)?.values ?? [];
    const last = values.at(-1);
    return {
      message: `${last?.type ?? 'Error'}: ${last?.value ?? ''}`,
      release: String(e['release'] ?? ''),
      environment: String(e['environment'] ?? ''),
      traceId,
      linked: traceId !== undefined && traceIds.has(traceId),
    };
  });
  const checkouts = routes.filter((r) => failing.has(r.label)).reduce((s, r) => s + r.sent, 0);
  // One kind of failure: the storm budget sends its first 5 (then 1 every 10 s); client reports count the rest.
  const sampled = discardedErrors(sink);
  if (errors.length === 0 || errors.length + sampled !== checkouts)
    problems.push(`${checkouts} checkout failure(s) sent, ${errors.length} error event(s) received, ${sampled} in client reports`);
  for (const e of errors) {
    if (e.release !== release) problems.push(`an error carried release ${JSON.stringify(e.release)}, expected ${release}`);
    if (e.environment !== ENVIRONMENT)
      problems.push(`an error carried environment ${JSON.stringify(e.environment)}, expected ${ENVIRONMENT}`);
    if (!e.traceId) problems.push('an error carried no trace id');
  }

  const received = sink.requests.map((r) => r.body).join('\n');
  const leaks = Object.entries(SECRETS)
    .filter(([, value]) => received.includes(value))
    .map(([what]) => what);
  const structural = sink.events().filter((e) => {
    const request = e['request'] as Record<string, unknown> | undefined;
    const user = e['user'] as Record<string, unknown> | undefined;
    return request?.['headers'] !== undefined || request?.['cookies'] !== undefined || user?.['ip_address'] !== undefined;
  }).length;
  if (leaks.length > 0) problems.push(`private data reached the sink: ${leaks.join(', ')}`);
  if (structural > 0) problems.push(`${structural} event(s) carried request headers, cookies or an IP address`);

  const sessions = sessionsByRelease(sink);
  const counted = sent.filter((r) => !PROBE_LABELS.has(r.route)).length;
  const mine = sessions.find((x) => x.release === release);
  const total = (mine?.exited ?? 0) + (mine?.errored ?? 0) + (mine?.crashed ?? 0);
  if (sessions.some((x) => x.release !== release || x.environment !== ENVIRONMENT))
    problems.push(`sessions arrived for another release or environment: ${JSON.stringify(sessions)}`);
  if (total !== counted) problems.push(`${counted} request(s) outside the probes, ${total} request session(s) received`);
  if ((mine?.errored ?? 0) !== checkouts) problems.push(`${checkouts} checkout failure(s), ${mine?.errored ?? 0} errored session(s)`);

  const exitCode = exit.code ?? (exit.signal ? 128 : -1);
  if (exitCode !== 143) problems.push(`the service exited with ${exit.code ?? exit.signal}, expected 143 (SIGTERM)`);
  if (exit.shutdownMs > 2500) problems.push(`shutdown took ${Math.round(exit.shutdownMs)} ms, over the 2 s budget`);
  if (/\[sentry-register\].*(error|failed)/i.test(exit.stderr)) problems.push('the preload logged an error (see its stderr above)');

  return {
    release,
    environment: ENVIRONMENT,
    routes,
    requests: sent,
    errors,
    sampledErrors: sampled,
    sessions,
    shutdownMs: exit.shutdownMs,
    exitCode,
    privacy: { checked: Object.keys(SECRETS), leaks, structural, payloads: sink.requests.length },
    preloadLog: exit.stderr.split('\n').filter((l) => l.startsWith('[sentry-register]')),
    problems,
  };
}

/** Errors Sentry's client reports count as sampled client-side (the storm budget). */
function discardedErrors(sink: Sink): number {
  let n = 0;
  for (const item of sink.items.filter((i) => i.type === 'client_report')) {
    for (const d of (item.payload['discarded_events'] as Array<{ reason: string; category: string; quantity: number }>) ?? []) {
      if (d.category === 'error' && d.reason === 'sample_rate') n += d.quantity;
    }
  }
  return n;
}

/** The probes: never a release-health session. */
const PROBE_LABELS = new Set(['GET /readiness', 'GET /liveness', 'GET /metrics', 'GET /']);

/** The request sessions that arrived, summed per release and environment. */
function sessionsByRelease(sink: Sink): SessionSummary[] {
  const byKey = new Map<string, SessionSummary>();
  for (const item of sink.items.filter((i) => i.type === 'sessions')) {
    const attrs = item.payload['attrs'] as { release?: string; environment?: string } | undefined;
    const release = attrs?.release ?? '';
    const environment = attrs?.environment ?? '';
    const key = `${release} ${environment}`;
    const sum = byKey.get(key) ?? { release, environment, exited: 0, errored: 0, crashed: 0 };
    for (const a of item.payload['aggregates'] as Array<{ exited?: number; errored?: number; crashed?: number }>) {
      sum.exited += a.exited ?? 0;
      sum.errored += a.errored ?? 0;
      sum.crashed += a.crashed ?? 0;
    }
    byKey.set(key, sum);
  }
  return [...byKey.values()];
}

function printSummary(r: DemoResult): void {
  const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
  const pad = (s: string, n: number): string => s.padEnd(n);
  out();
  for (const line of r.preloadLog) out(`  ${line}`);
  out();
  out(`  ${pad('route', 26)} ${pad('sent', 6)} ${pad('spans', 6)} sampled`);
  for (const route of r.routes) {
    const pct = route.sent ? `${Math.round((route.spans / route.sent) * 100)}%` : '-';
    out(
      `  ${pad(route.label, 26)} ${pad(String(route.sent), 6)} ${pad(String(route.spans), 6)} ${pct}${route.traced ? '' : '  (never traced)'}`,
    );
  }
  out();
  const linked = r.errors.filter((e) => e.linked).length;
  out(`  errors received: ${r.errors.length}  (release ${r.release}, environment ${r.environment})`);
  if (r.sampledErrors > 0)
    out(`    + ${r.sampledErrors} more of the same kind counted, not built: the storm budget sends 5 per kind, then 1 every 10 s`);
  for (const e of r.errors.slice(0, 5))
    out(`    ${e.message}  trace ${e.traceId ?? 'none'}${e.linked ? '  -> its trace arrived' : '  (trace not sampled)'}`);
  if (r.errors.length > 5) out(`    ... and ${r.errors.length - 5} more; ${linked} of ${r.errors.length} linked to a trace that arrived`);
  for (const x of r.sessions) {
    const total = x.exited + x.errored + x.crashed;
    const share = total ? ((100 * (x.errored + x.crashed)) / total).toFixed(1) : '0.0';
    out(
      `  release health: ${x.release} (${x.environment}): ${total} request sessions, ${x.errored} errored, ${x.crashed} crashed: ` +
        `${share}% with an error (probes not counted)`,
    );
  }
  out(`  shutdown: SIGTERM to exit in ${Math.round(r.shutdownMs)} ms, exit code ${r.exitCode}`);
  out(
    r.privacy.leaks.length === 0 && r.privacy.structural === 0
      ? `  privacy: no IP address, header, cookie or body value in any of the ${r.privacy.payloads} payloads the sink received`
      : `  privacy: LEAKED ${r.privacy.leaks.join(', ')}`,
  );
  out();
  out(r.problems.length === 0 ? '  ✔ everything expected arrived' : r.problems.map((p) => `  ✘ ${p}`).join('\n'));
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
