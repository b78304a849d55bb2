/**
 * A second trace backend over OTLP/HTTP (an OTel Collector, Jaeger, Tempo),
 * next to Sentry: the same sampled spans and trace ids at both, errors linked
 * to the trace the collector shows, one shutdown budget for both, nothing
 * dialled without the variables, and OTEL_SDK_DISABLED keeping errors only.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { after, before, test } from 'node:test';
import { startSink } from '../support/sink.js';
import type { Sink, SinkSpan } from '../support/sink.js';
import type { Collector } from '../support/collector.js';
import { closedPort } from '../support/ports.js';
import { SHUTDOWN_BOUND_MS } from '../support/faults.js';
import { drive, spawnFixture, testFixtures } from '../support/runner.js';
import type { Proc } from '../support/runner.js';

const JSON_BODY = { headers: { 'content-type': 'application/json' }, body: '{}' };
// Personal data every request carries; none of it may reach either backend.
const PRIVATE = { 'user-agent': 'Jane-Laptop/1.0', 'x-forwarded-for': '203.0.113.9', cookie: 'session=s3cr3t-cookie' };
const COLLECTOR_KEY = 'collector-api-key-7f3a';
const SERVER = 2;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event JSON from the sink is untyped
type EventJson = Record<string, any>;

const traceIds = (spans: readonly SinkSpan[]): Set<string> => new Set(spans.map((s) => s.traceId));
const serverSpans = (spans: readonly SinkSpan[]): SinkSpan[] => spans.filter((s) => s.kind === SERVER);

/** POSTs (25% traced), GETs and a health route: only the POSTs may be traced anywhere. */
async function mixedTraffic(proc: Proc): Promise<void> {
  await drive(proc, 90, (i) =>
    i % 3 === 2
      ? ['GET', i % 2 ? '/readiness' : `/items/${i}`, { headers: PRIVATE }]
      : ['POST', `/items/${i}?email=jane@example.com`, { headers: { ...PRIVATE, ...JSON_BODY.headers }, body: JSON_BODY.body }],
  );
}

async function stop(proc: Proc): Promise<number | undefined> {
  proc.signal('SIGTERM');
  const exit = await proc.exited;
  assert.equal(exit.code, 143, 'SIGTERM exit');
  return exit.afterSignalMs;
}

/** What both backends must agree on, and what neither may receive. */
function assertSameSpans(sink: Sink, collector: Collector | undefined): void {
  assert.ok(collector);
  const atSentry = traceIds(sink.spans);
  const atCollector = traceIds(collector.spans);
  assert.ok(atSentry.size > 0, 'Sentry received no spans');
  assert.ok(atSentry.size < 60, `the sampler kept all ${atSentry.size} POSTs`);
  assert.deepEqual([...atCollector].sort(), [...atSentry].sort(), 'the backends received different traces');
  assert.deepEqual(
    collector.spans.map((s) => s.spanId).sort(),
    sink.spans.map((s) => s.spanId).sort(),
    'the backends received different spans',
  );
  for (const span of [...sink.spans, ...collector.spans]) {
    assert.match(String(span.attributes['http.request.method'] ?? 'POST'), /^POST$/, `a ${span.name} span was traced`);
    assert.doesNotMatch(String(span.attributes['url.path'] ?? ''), /readiness/);
    for (const key of Object.keys(span.attributes)) {
      assert.ok(!/^(client\.|network\.peer\.|user_agent\.|http\.request\.header\.|url\.query)/.test(key), `private attribute ${key}`);
    }
    assert.doesNotMatch(JSON.stringify(span), /jane@example\.com|203\.0\.113\.9|s3cr3t-cookie|Jane-Laptop/);
    assert.equal(span.resource['service.name'], 'cart');
    assert.equal(span.resource['service.version'], '1.2.3');
    assert.equal(span.resource['deployment.environment.name'], 'staging');
    assert.equal(span.resource['k8s.pod.name'], 'cart-7d9f8');
    assert.equal(span.resource['k8s.namespace.name'], 'shop');
    assert.equal(span.resource['k8s.node.name'], 'worker-3');
    assert.equal(span.resource['team'], 'payments');
  }
  // The collector's credentials go to the collector only.
  for (const r of collector.requests) assert.equal(r.headers['x-api-key'], COLLECTOR_KEY);
  for (const r of sink.requests) assert.ok(!JSON.stringify(r).includes(COLLECTOR_KEY), "the collector's header reached Sentry");
}

const SERVICE_ENV = {
  OTEL_SERVICE_NAME: 'cart',
  SENTRY_ENVIRONMENT: 'staging',
  K8S_POD_NAME: 'cart-7d9f8',
  K8S_NAMESPACE_NAME: 'shop',
  K8S_NODE_NAME: 'worker-3',
  OTEL_RESOURCE_ATTRIBUTES: 'team=payments',
  OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${COLLECTOR_KEY}`,
};

let refusedPort = 0;
let downstream: Sink;
before(async () => {
  downstream = await startSink();
  refusedPort = await closedPort();
});
after(() => downstream.close());

testFixtures([
  {
    name: 'the collector receives the same sampled, redacted spans as Sentry (http/protobuf, gzip)',
    app: 'http-app',
    env: { ...SERVICE_ENV, OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' },
    collector: {},
    traffic: mixedTraffic,
    expect: async (sink, proc, collector) => {
      await stop(proc);
      assertSameSpans(sink, collector);
      for (const r of collector?.requests ?? []) {
        assert.equal(r.url, '/v1/traces');
        assert.equal(r.contentType, 'application/x-protobuf');
        assert.equal(r.encoding, 'gzip');
      }
      assert.match(proc.stderr(), /spans also go to the OTLP collector at 127\.0\.0\.1:\d+ \(http\/protobuf\)/);
      assert.ok(!proc.stderr().includes(COLLECTOR_KEY));
    },
  },
  {
    name: 'http/json to a full traces endpoint (OTEL_EXPORTER_OTLP_TRACES_*)',
    app: 'http-app',
    formats: ['cjs'],
    modes: ['node_options'],
    env: SERVICE_ENV,
    collector: {
      env: (url) => ({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/custom/traces`,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      }),
    },
    traffic: mixedTraffic,
    expect: async (sink, proc, collector) => {
      await stop(proc);
      assertSameSpans(sink, collector);
      for (const r of collector?.requests ?? []) {
        assert.equal(r.url, '/custom/traces');
        assert.equal(r.contentType, 'application/json');
      }
    },
  },
  {
    name: 'errors in Sentry carry the trace id the collector shows for their request',
    app: 'reported-app',
    formats: ['mjs'],
    modes: ['import'],
    // More failures of one kind than the storm budget's burst: every one is checked here.
    env: { SENTRY_TRACES_SAMPLE_RATE: '1', SENTRY_STORM_BURST: '100' },
    collector: {},
    traffic: async (proc, sink) => {
      await Promise.all(Array.from({ length: 6 }, (_, n) => proc.request('POST', `/tagged/${n}`, JSON_BODY)));
      await sink.waitFor('6 events', (s) => s.events().length === 6);
    },
    expect: async (sink, proc, collector) => {
      await stop(proc);
      assert.ok(collector);
      for (const event of sink.events() as EventJson[]) {
        const n = /tagged failure (\d+)/.exec(event['exception']?.values?.at(-1)?.value ?? '')?.[1];
        const span: SinkSpan | undefined = serverSpans(collector.spans).find((s) => s.attributes['url.path'] === `/tagged/${n}`);
        assert.ok(span, `the collector has no server span for /tagged/${n}`);
        assert.equal(event['contexts']?.trace?.trace_id, span.traceId, `the error of /tagged/${n} names another trace`);
      }
    },
  },
  {
    name: 'a collector that hangs: Sentry still gets every span, and SIGTERM exits within the budget',
    app: 'http-app',
    formats: ['mjs'],
    env: { SENTRY_TRACES_SAMPLE_RATE: '1' },
    collector: { options: { hang: true } },
    traffic: async (proc, sink, collector) => {
      await drive(proc, 10, (i) => ['POST', `/items/${i}`, JSON_BODY]);
      // Both exports are under way: the collector holds its request open.
      await collector?.waitFor('an export', (c) => c.requests.length > 0);
      await sink.waitFor('10 traces', (s) => traceIds(s.spans).size === 10);
    },
    expect: async (_sink, proc) => {
      const afterSignal = await stop(proc);
      assert.ok((afterSignal ?? Infinity) <= SHUTDOWN_BOUND_MS, `exit took ${afterSignal} ms after SIGTERM`);
    },
  },
  {
    name: 'a collector that is down: a finished job still exits by itself at once, and says why spans were lost',
    app: 'one-shot-app',
    env: { SENTRY_TRACES_SAMPLE_RATE: '1' },
    collector: { env: () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${refusedPort}` }) },
    traffic: async (proc) => {
      await proc.request('POST', '/jobs/1', JSON_BODY);
    },
    expect: async (sink, proc) => {
      const started = Date.now();
      const exit = await proc.exited;
      const elapsed = Date.now() - started;
      assert.equal(exit.code, 0);
      // OTel retries a refused export with referenced timers until its deadline (10 s by OTLP's default).
      assert.ok(elapsed <= SHUTDOWN_BOUND_MS, `the finished process stayed up ${elapsed} ms`);
      assert.equal(traceIds(sink.spans).size, 1, 'Sentry lost the span');
      assert.match(proc.stderr(), /warning: spans could not be sent to the OTLP collector: .*ECONNREFUSED/);
      assert.doesNotMatch(proc.stderr(), /spans could not be sent to Sentry/);
    },
  },
  {
    name: 'OTEL_SDK_DISABLED=true: no spans anywhere, errors still captured and isolated per request',
    app: 'reported-app',
    formats: ['mjs', 'cjs'],
    modes: ['import'],
    env: { OTEL_SDK_DISABLED: 'true', SENTRY_TRACES_SAMPLE_RATE: '1', SENTRY_STORM_BURST: '100' },
    collector: {},
    traffic: async (proc, sink) => {
      await Promise.all(
        Array.from({ length: 8 }, (_, n) =>
          n % 2 ? proc.request('GET', `/tagged/${n}`) : proc.request('POST', `/tagged/${n}`, JSON_BODY),
        ),
      );
      await sink.waitFor('8 events', (s) => s.events().length === 8);
    },
    expect: async (sink, proc, collector) => {
      await stop(proc);
      assert.equal(sink.spans.length, 0, 'spans reached Sentry');
      assert.equal(collector?.requests.length, 0, 'spans reached the collector');
      for (const event of sink.events() as EventJson[]) {
        const n = /tagged failure (\d+)/.exec(event['exception']?.values?.at(-1)?.value ?? '')?.[1];
        assert.equal(event['tags']?.request_n, n, 'a tag leaked between requests');
        assert.equal(event['release'], 'lightspeed-stack@1.2.3');
      }
      assert.match(proc.stderr(), /OTEL_SDK_DISABLED is true: tracing is off; errors are still captured/);
      assert.match(proc.stderr(), /traces_sample_rate=0,/);
    },
  },
  {
    name: 'OTEL_SDK_DISABLED=true: outgoing http and fetch calls carry no trace headers, even inside a traced peer',
    app: 'http-app',
    formats: ['mjs'],
    modes: ['import'],
    get env() {
      return {
        OTEL_SDK_DISABLED: 'true',
        SENTRY_TRACES_SAMPLE_RATE: '1',
        DOWNSTREAM_URL: `http://127.0.0.1:${downstream.port}/downstream`,
      };
    },
    traffic: async (proc) => {
      downstream.requests.splice(0);
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      for (const path of ['/call', '/fetch']) {
        assert.match((await proc.request('POST', path, { headers: { ...JSON_BODY.headers, traceparent }, body: '{}' })).body, /^called/);
      }
    },
    expect: async (sink, proc) => {
      await stop(proc);
      const calls = downstream.requests.splice(0);
      assert.equal(calls.length, 2, 'the downstream calls did not arrive');
      for (const call of calls) {
        for (const header of ['traceparent', 'tracestate', 'sentry-trace', 'baggage']) {
          assert.equal(call.headers[header], undefined, `${header} was sent with tracing off`);
        }
      }
      assert.equal(sink.spans.length, 0);
    },
  },
]);

/** Listens on a port and counts connections; undefined when the port is taken. */
async function listenCounting(port: number, host: string): Promise<{ server: Server; count: () => number } | undefined> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  server.listen(port, host);
  const outcome = await Promise.race([once(server, 'listening').then(() => 'ok'), once(server, 'error').then(() => 'taken')]);
  return outcome === 'ok' ? { server, count: () => connections } : undefined;
}

test("without an OTLP endpoint nothing dials OTel's default localhost:4318, whatever else OTEL_* says", async (t) => {
  const listeners = (await Promise.all([listenCounting(4318, '127.0.0.1'), listenCounting(4318, '::1')])).filter((l) => l !== undefined);
  if (listeners.length === 0) return t.skip('port 4318 is taken on this machine');
  const sink = await startSink();
  try {
    const { proc } = await spawnFixture('http-app.mjs', 'import', {
      SENTRY_DSN: sink.dsn,
      SENTRY_TRACES_SAMPLE_RATE: '1',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=1',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      // Were a metric or log exporter built from these, it would export within the test.
      OTEL_METRIC_EXPORT_INTERVAL: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
    });
    await drive(proc, 5, (i) => ['POST', `/items/${i}`, JSON_BODY]);
    await stop(proc);
    assert.equal(traceIds(sink.spans).size, 5, 'Sentry got the spans');
    assert.deepEqual(
      listeners.map((l) => l.count()),
      listeners.map(() => 0),
      'something connected to port 4318',
    );
    assert.doesNotMatch(proc.stderr(), /OTLP collector/);
  } finally {
    await sink.close();
    for (const l of listeners) l.server.close();
  }
});
