/**
 * The masking benchmark, in one process and in seconds:
 *   1. throughput: error events per second through the real before-send
 *      pipeline, and span attribute sets per second through `redactAttributes`;
 *   2. linear time: `maskString` on adversarial inputs of 1, 4, 16 and 256 KB,
 *      one family per masking rule, in microseconds per KB. Linear rules keep
 *      the per-KB time flat; a quadratic one multiplies it by ~16 from 1 KB to
 *      16 KB. Strings over 16 KB are cut before masking, so a 256 KB call should
 *      take about as long as a 16 KB one.
 * The figures are ratios of measurements taken side by side in this run, so
 * they hold on a slow or drifting machine; no test asserts a time.
 *
 *   npm run bench [-- --quick]              # runs this first, then the HTTP benchmark
 *   node dist/bench/scrub.js [--quick]      # this alone (after npm run build)
 *
 * Exits non-zero when an input breaks a bound below, naming the input and the
 * size (under `npm run bench`, once the HTTP benchmark has run and written its
 * results too).
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Attributes } from '@opentelemetry/api';
import type { ErrorEvent, EventHint, StackFrame, Breadcrumb } from '@sentry/core';
import { createEventPipeline } from '../src/events/pipeline.js';
import { redactAttributes } from '../src/events/privacy.js';
import { maskString } from '../src/events/scrub.js';
import { scrubMarkdown } from './report.js';
import { median } from './stats.js';

/**
 * The most a call may take per KB of input, at 16 KB (and at any size, for a
 * single call). Generous on purpose, so a slow or busy CI machine never trips
 * it: the old masker's linear rules take 3-60 µs per KB on this 2-core VM, and
 * its window-by-window card search 350-800 µs per KB on runs of digit groups;
 * a quadratic rule is far past it by 16 KB (the old card rule on
 * `4111 1111 1111 1111 ` repeated: about 200 ms per KB there).
 */
const BUDGET_US_PER_KB = 1000;
/**
 * Per-KB time at 16 KB over per-KB time at 1 KB: ~1 when linear, ~16 when quadratic. Quiet runs
 * read 0.3-1.4x; a loaded 2-core machine has read 3.4x for random text, hence the room.
 */
const MAX_GROWTH = 6;
/**
 * A 256 KB call over a 16 KB call: ~1 when strings are cut at 16 KB, ~16 when they are not. The
 * wide gap keeps the check meaningful on a loaded machine, where a 64 KB/16 KB ratio of ~1 read 3.2x.
 */
const MAX_CUT_RATIO = 4;
const SIZES_KB = [1, 4, 16, 256] as const;

export interface Throughput {
  readonly eventKb: number;
  readonly eventsPerS: number;
  readonly pipelineUs: number;
  readonly cloneUs: number;
  readonly spansPerS: number;
  readonly spanUs: number;
}

export interface SizeResult {
  readonly kb: number;
  /** Median µs per KB of input; undefined when skipped or over the budget in one call. */
  readonly usPerKb: number | undefined;
  /** Median ms per call (or the one call that broke the budget). */
  readonly callMs: number | undefined;
}

export interface FamilyResult {
  readonly name: string;
  readonly rule: string;
  readonly sizes: readonly SizeResult[];
  /** usPerKb(16 KB) / usPerKb(1 KB). */
  readonly growth: number | undefined;
  /** callMs(256 KB) / callMs(16 KB). */
  readonly cut: number | undefined;
  readonly failures: readonly string[];
}

export interface ScrubReport {
  readonly quick: boolean;
  readonly budgetUsPerKb: number;
  readonly maxGrowth: number;
  readonly maxCutRatio: number;
  readonly repeats: number;
  readonly throughput: Throughput;
  readonly families: readonly FamilyResult[];
  readonly failures: readonly string[];
}

// ---------------------------------------------------------------- the event

const MAIL = 'jane.doe@example.com';
const CARD_NUMBER = '4111 1111 1111 1111';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const DB_URL = 'postgres://orders:s3cr3t-pw@10.0.0.5:5432/orders';

const codeLine = (i: number): string =>
  [
    `  const order = await db.orders.findOne({ id: req.params.id, tenant: req.tenant });`,
    `  if (!order) throw new NotFoundError(\`order \${req.params.id} not found\`);`,
    `  log.info('charging', { orderId: order.id, amount: order.total, currency: 'EUR' });`,
    `  const pool = new Pool({ connectionString: '${DB_URL}' });`,
    `  res.status(201).json({ id: order.id, status: order.status, items: order.items.length });`,
    `}`,
  ][i % 6] ?? '';

function frames(): StackFrame[] {
  const files = ['node:internal/process/task_queues', 'express/lib/router/layer.js', 'express/lib/router/route.js'];
  return Array.from({ length: 10 }, (_, i) => ({
    filename: i < 6 ? `/srv/app/node_modules/${files[i % 3]}` : `/srv/app/src/routes/orders.js`,
    module: i < 6 ? `express.lib.router:${i}` : 'routes.orders',
    function: i < 6 ? ['next', 'handle', 'dispatch'][i % 3] : ['createOrder', 'charge', 'findOrder', 'handler'][i - 6],
    lineno: 40 + i * 7,
    colno: 11 + i,
    in_app: i >= 6,
    pre_context: Array.from({ length: 5 }, (_, j) => codeLine(i + j)),
    context_line: codeLine(i + 5),
    post_context: Array.from({ length: 5 }, (_, j) => codeLine(i + j + 6)),
  }));
}

function breadcrumbs(): Breadcrumb[] {
  return Array.from({ length: 30 }, (_, i): Breadcrumb => {
    const timestamp = 1_796_302_572 + i / 10;
    if (i % 2 === 0) {
      const url = i === 4 ? 'https://api.example.com/v1/charge?access_token=abc123def456&x=1' : `https://inventory.internal/v2/items/${i}`;
      return { type: 'http', category: 'http', level: 'info', timestamp, data: { method: 'GET', url, status_code: 200 } };
    }
    const message = i === 7 ? `user ${MAIL} paid with ${CARD_NUMBER}` : `order ${1000 + i} step ${i} took ${i * 3} ms`;
    return { category: 'console', level: 'log', message, timestamp, data: { logger: 'console', arguments: [message, { step: i }] } };
  });
}

/** An error event shaped like the ones @sentry/node hands to beforeSend for a failed Express request. */
function errorEvent(): ErrorEvent {
  return {
    type: undefined,
    event_id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
    level: 'error',
    platform: 'node',
    timestamp: 1_796_302_575.123,
    transaction: 'POST /api/orders/:id',
    exception: {
      values: [
        {
          type: 'Error',
          value: `payment for ${MAIL} failed: card ${CARD_NUMBER} declined (db ${DB_URL})`,
          mechanism: { type: 'express', handled: false },
          stacktrace: { frames: frames() },
        },
      ],
    },
    breadcrumbs: breadcrumbs(),
    request: requestData(),
    tags: { route: '/api/orders/:id', service: 'orders', region: 'eu-west-1', tenant: 'acme', 'http.status_code': '500' },
    extra: { orderId: 'ord_8812', attempts: 3, payload: { email: MAIL, items: [{ sku: 'A-1', qty: 2 }], note: `call me, ${MAIL}` } },
    contexts: contexts(),
    user: { id: '42', ip_address: '203.0.113.7' },
  };
}

function requestData(): NonNullable<ErrorEvent['request']> {
  return {
    method: 'POST',
    url: 'https://shop.example.com/api/orders/8812?coupon=SPRING&session=abc',
    query_string: 'coupon=SPRING&session=abc',
    headers: {
      authorization: `Bearer ${BEARER}`,
      cookie: 'sid=s3ss10n; theme=dark',
      'content-type': 'application/json',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      'x-request-id': '7d0a1b42-6a4e-4f3c-9c8e-1f2a3b4c5d6e',
    },
    data: JSON.stringify({ email: MAIL, card: CARD_NUMBER, items: [{ sku: 'A-1', qty: 2 }] }),
  };
}

function contexts(): NonNullable<ErrorEvent['contexts']> {
  return {
    trace: { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' },
    runtime: { name: 'node', version: 'v20.19.0' },
    os: { name: 'Linux', version: '6.8.0' },
    app: { app_start_time: '2026-12-03T10:00:00Z', app_memory: 81_264_640 },
    order: { id: 'ord_8812', total: 129.9, currency: 'EUR', customer: MAIL, upstream: DB_URL },
    http: { route: '/api/orders/:id', status: 500, requestId: '7d0a1b42-6a4e-4f3c-9c8e-1f2a3b4c5d6e' },
  };
}

const SERVER_SPAN: Attributes = {
  'http.request.method': 'POST',
  'url.scheme': 'https',
  'url.path': '/api/orders/8812',
  'url.query': `coupon=SPRING&email=${MAIL}`,
  'http.route': '/api/orders/:id',
  'http.response.status_code': 500,
  'error.type': '500',
  'server.address': 'shop.example.com',
  'server.port': 443,
  'client.address': '203.0.113.7',
  'network.peer.address': '10.0.3.17',
  'network.peer.port': 51234,
  'network.protocol.version': '1.1',
  'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'http.request.header.x-request-id': ['7d0a1b42-6a4e-4f3c-9c8e-1f2a3b4c5d6e'],
  'http.request.body.size': 512,
};

const CLIENT_SPAN: Attributes = {
  'http.request.method': 'POST',
  'url.full': `https://svc:pw-9f8e7d@payments.internal:8443/v1/charges?customer=${MAIL}`,
  'url.scheme': 'https',
  'server.address': 'payments.internal',
  'server.port': 8443,
  'network.peer.address': '10.0.7.4',
  'network.peer.port': 8443,
  'http.response.status_code': 402,
  'error.type': '402',
  'user_agent.original': 'undici',
  'http.request.resend_count': 0,
};

// ---------------------------------------------------------------- throughput

/** Calls per second of `fn`, run in batches for about `ms`. */
function rate(fn: () => void, ms: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 50; i++) fn();
    calls += 50;
    elapsed = performance.now() - start;
  }
  return (calls * 1000) / elapsed;
}

/** Keeps results alive so the JIT cannot drop the work. */
let keep = 0;

/** The pipeline must keep the event and mask it, or its figures would be of some other path. */
function checkPipeline(template: ErrorEvent, hint: EventHint): void {
  const out = createEventPipeline().beforeSend(structuredClone(template), hint);
  const json = JSON.stringify(out);
  if (out === null || json.includes(MAIL) || json.includes(BEARER))
    throw new Error('the before-send pipeline dropped the benchmark event or left its e-mail or token in it');
}

function measureThroughput(quick: boolean): Throughput {
  const template = errorEvent();
  const hint: EventHint = { originalException: new Error(template.exception?.values?.[0]?.value) };
  checkPipeline(template, hint);
  const pipeline = createEventPipeline();
  const windowMs = quick ? 60 : 250;
  const cloneUs: number[] = [];
  const pipelineUs: number[] = [];
  const spanUs: number[] = [];
  // Interleaved rounds: the clone and the clone + pipeline run side by side, so their difference holds as the VM drifts.
  for (let round = 0; round < repeats(quick); round++) {
    const clone = 1e6 / rate(() => void (keep += structuredClone(template).breadcrumbs?.length ?? 0), windowMs);
    const both = 1e6 / rate(() => void (keep += pipeline.beforeSend(structuredClone(template), hint)?.breadcrumbs?.length ?? 0), windowMs);
    const spans =
      1e6 /
      rate(
        () => void (keep += Object.keys(redactAttributes(SERVER_SPAN)).length + Object.keys(redactAttributes(CLIENT_SPAN)).length),
        windowMs,
      );
    cloneUs.push(clone);
    pipelineUs.push(both - clone);
    spanUs.push(spans / 2);
  }
  const eventUs = median(pipelineUs);
  return {
    eventKb: Buffer.byteLength(JSON.stringify(template)) / 1024,
    eventsPerS: 1e6 / eventUs,
    pipelineUs: eventUs,
    cloneUs: median(cloneUs),
    spansPerS: 1e6 / median(spanUs),
    spanUs: median(spanUs),
  };
}

// ---------------------------------------------------------------- linear time

interface Family {
  readonly name: string;
  readonly rule: string;
  /** Exactly `n` characters of it. */
  readonly make: (n: number) => string;
}

/** `unit` repeated to `n` characters, ending in `suffix`. */
const repeated =
  (unit: string, suffix = '') =>
  (n: number): string =>
    unit.repeat(Math.ceil(n / unit.length)).slice(0, n - suffix.length) + suffix;

/** Printable ASCII from a fixed seed (mulberry32), the same in every run. */
function printable(n: number): string {
  let seed = 0x5eed;
  let out = '';
  for (let i = 0; i < n; i++) {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    out += String.fromCharCode(32 + (((t ^ (t >>> 14)) >>> 0) % 95));
  }
  return out;
}

const digitRun = (n: number): string =>
  Array.from({ length: n }, (_, i) => `${i % 10} `)
    .join('')
    .slice(0, n);

const FAMILIES: readonly Family[] = [
  { name: 'card groups `4111 1111 1111 1111 `', rule: 'card', make: repeated('4111 1111 1111 1111 ') },
  { name: 'card groups with dashes `4111-1111-`', rule: 'card', make: repeated('4111-1111-') },
  { name: 'single digits `1 2 3 4 `', rule: 'card', make: digitRun },
  { name: 'digit groups ending in `.5`', rule: 'card', make: repeated('1234 ', '.5') },
  { name: 'digit groups `1234 5678.5 ` (decimals)', rule: 'card', make: repeated('1234 5678.5 ') },
  { name: '`a://` without `@`', rule: 'URL userinfo', make: repeated('a://') },
  { name: '`//` without `@`', rule: 'URL userinfo', make: repeated('//') },
  { name: '`://user` without `@`', rule: 'URL userinfo', make: repeated('://user') },
  { name: 'scheme characters `ab+c.d-e` without `:`', rule: 'URL userinfo', make: repeated('ab+c.d-e') },
  { name: '`-----BEGIN PRIVATE KEY-----` without END', rule: 'PEM key', make: repeated('-----BEGIN PRIVATE KEY-----\n') },
  { name: '`-----BEGIN PRIVATE KEY ` (label never closed)', rule: 'PEM key', make: repeated('-----BEGIN PRIVATE KEY ') },
  { name: 'IBAN groups `DE89 3704 `', rule: 'IBAN', make: repeated('DE89 3704 ') },
  { name: 'IBAN-like alphanumeric run `DE89370400`', rule: 'IBAN', make: repeated('DE89370400') },
  { name: 'SSN-like `078-05-112`', rule: 'SSN', make: repeated('078-05-112') },
  { name: 'e-mail-ish `aaaa@`', rule: 'e-mail', make: repeated('aaaa@') },
  { name: 'e-mail-ish `a.a.a.a@`', rule: 'e-mail', make: repeated('a.a.a.a@') },
  { name: '`password=`', rule: 'secret pair', make: repeated('password=') },
  { name: '`Bearer `', rule: 'bearer/basic', make: repeated('Bearer ') },
  { name: '`Basic ` + base64 without end', rule: 'bearer/basic', make: (n) => `Basic ${repeated('aB3+')(n - 6)}` },
  { name: '`eyJ` segments `eyJhbGci.`', rule: 'JWT', make: repeated('eyJhbGci.') },
  { name: 'random printable text', rule: 'all', make: printable },
];

/** One call of maskString on `text`, in ms. */
function once(text: string): number {
  const start = performance.now();
  keep += maskString(text).length;
  return performance.now() - start;
}

/** ms per call of a batch of `calls`. */
function batch(text: string, calls: number): number {
  const start = performance.now();
  for (let i = 0; i < calls; i++) keep += maskString(text).length;
  return (performance.now() - start) / calls;
}

interface Probe {
  readonly kb: number;
  readonly text: string;
  /** The fastest of the probe's calls. */
  readonly ms: number;
  readonly overBudget: boolean;
}

/**
 * One call per size, smallest first, up to the first size whose call alone
 * breaks the budget. Up to 5 tries each: the first calls on a new input also
 * warm the JIT up, and a GC pause can fall on any one.
 */
function probe(family: Family): Probe[] {
  const probes: Probe[] = [];
  for (const kb of SIZES_KB) {
    const text = family.make(kb * 1024);
    const capMs = (BUDGET_US_PER_KB * kb) / 1000;
    let ms = Infinity;
    for (let i = 0; i < 5 && ms > capMs; i++) ms = Math.min(ms, once(text));
    probes.push({ kb, text, ms, overBudget: ms > capMs });
    if (ms > capMs) break;
  }
  return probes;
}

/**
 * ms per call, size by size, in rounds: each round times one batch of every
 * size, in a rotating order, so the VM's drift falls on all sizes alike.
 * Returns perCall[size][round].
 */
function rounds(probes: readonly Probe[], quick: boolean): number[][] {
  const batchMs = quick ? 2 : 5;
  const calls = probes.map((p) => Math.max(1, Math.ceil(batchMs / Math.max(p.ms, 0.001))));
  const perCall: number[][] = probes.map(() => []);
  for (let r = 0; r < repeats(quick); r++) {
    for (let k = 0; k < probes.length; k++) {
      const i = (k + r) % probes.length;
      perCall[i]?.push(batch(probes[i]?.text ?? '', calls[i] ?? 1));
    }
  }
  return perCall;
}

const repeats = (quick: boolean): number => (quick ? 7 : 15);

/** Median over rounds of a ratio of two sizes' times in the same round. */
function roundRatio(perCall: readonly number[][], top: number, bottom: number, scale: number): number | undefined {
  const a = perCall[top];
  const b = perCall[bottom];
  if (!a || !b || a.length === 0) return undefined;
  return median(a.map((x, r) => (x / (b[r] ?? NaN)) * scale));
}

function measureFamily(family: Family, quick: boolean): FamilyResult {
  const probes = probe(family);
  const timed = probes.filter((p) => !p.overBudget);
  const perCall = rounds(timed, quick);
  const sizes: SizeResult[] = SIZES_KB.map((kb, i) => {
    const p = probes[i];
    if (!p) return { kb, usPerKb: undefined, callMs: undefined };
    if (p.overBudget) return { kb, usPerKb: undefined, callMs: p.ms };
    const ms = median(perCall[i] ?? []);
    return { kb, usPerKb: (ms * 1000) / kb, callMs: ms };
  });
  const failures = probes
    .filter((p) => p.overBudget)
    .map(
      (p) =>
        `${family.name} at ${p.kb} KB: one call took ${p.ms.toFixed(1)} ms, over the budget of ${(BUDGET_US_PER_KB * p.kb) / 1000} ms ` +
        `(${BUDGET_US_PER_KB} µs per KB); larger sizes skipped`,
    );
  // SIZES_KB is [1, 4, 16, 256]: growth is 16 KB against 1 KB per KB, the cut 256 KB against 16 KB per call.
  const growth = roundRatio(perCall, 2, 0, 1 / 16);
  const cut = roundRatio(perCall, 3, 2, 1);
  return { name: family.name, rule: family.rule, sizes, growth, cut, failures: [...failures, ...bounds(family.name, sizes, growth, cut)] };
}

/** The 16 KB budget, the growth from 1 KB to 16 KB and the cut at 16 KB, checked. */
function bounds(name: string, sizes: readonly SizeResult[], growth: number | undefined, cut: number | undefined): string[] {
  const failures: string[] = [];
  const sixteen = sizes.find((s) => s.kb === 16)?.usPerKb;
  if (sixteen !== undefined && sixteen > BUDGET_US_PER_KB)
    failures.push(`${name} at 16 KB: ${sixteen.toFixed(0)} µs per KB, over the budget of ${BUDGET_US_PER_KB} µs per KB`);
  if (growth !== undefined && growth > MAX_GROWTH)
    failures.push(`${name}: per-KB time grows ${growth.toFixed(1)}x from 1 KB to 16 KB (limit ${MAX_GROWTH}; linear ~1, quadratic ~16)`);
  if (cut !== undefined && cut > MAX_CUT_RATIO)
    failures.push(`${name} at 256 KB: a call takes ${cut.toFixed(1)}x the 16 KB call (limit ${MAX_CUT_RATIO}): is the input cut at 16 KB?`);
  return failures;
}

export function runScrubBench(quick: boolean): ScrubReport {
  const throughput = measureThroughput(quick);
  const families = FAMILIES.map((f) => measureFamily(f, quick));
  return {
    quick,
    budgetUsPerKb: BUDGET_US_PER_KB,
    maxGrowth: MAX_GROWTH,
    maxCutRatio: MAX_CUT_RATIO,
    repeats: repeats(quick),
    throughput,
    families,
    failures: families.flatMap((f) => f.failures),
  };
}

/** Prints the report, and its failures to stderr; true when every bound held. */
export function printScrubReport(report: ScrubReport): boolean {
  console.log(scrubMarkdown(report));
  for (const failure of report.failures) console.error(`scrub bench FAILED: ${failure}`);
  return report.failures.length === 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = runScrubBench(process.argv.includes('--quick'));
  if (!printScrubReport(report)) process.exitCode = 1;
}
