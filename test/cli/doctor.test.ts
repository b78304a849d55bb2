/**
 * `sentry-register doctor` against real local sinks (HTTP and HTTPS with a
 * private CA): the built CLI as a child process for exit codes and output,
 * runDoctor itself for the rest.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { runDoctor } from '../../src/cli/doctor.js';
import type { Check, Report } from '../../src/cli/checks.js';
import { answerCheck } from '../../src/cli/explain.js';
import { formatReport } from '../../src/cli/report.js';
import { testCerts } from '../support/certs.js';
import { closedPort } from '../support/ports.js';
import { PROJECT_ID, PUBLIC_KEY, startSink } from '../support/sink.js';
import type { Sink } from '../support/sink.js';
import { runBin } from '../support/bin.js';
import type { BinRun } from '../support/bin.js';

/** The repo root (this file runs from dist/test). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'cli.js');

/** A key no other string in the output could contain by chance. */
const SECRET_KEY = 'doctorkey7f3a9c51e2b04d68';

type Run = BinRun;

const cli = (args: readonly string[], env: Record<string, string> = {}): Promise<Run> => runBin(CLI, args, env);

const shown = (run: Run): string => `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

/** The check lines of the text output, in order. */
function checkLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^ {2}[✔✘] /.test(l));
}

const names = (report: Report): string[] => report.checks.map((c) => c.name);
const find = (report: Report, name: Check['name']): Check => {
  const check = report.checks.find((c) => c.name === name);
  assert.ok(check, `no ${name} check in ${JSON.stringify(report.checks)}`);
  return check;
};

async function withSink<T>(options: Parameters<typeof startSink>[0], body: (sink: Sink) => Promise<T>): Promise<T> {
  const sink = await startSink(options);
  try {
    return await body(sink);
  } finally {
    await sink.close();
  }
}

describe('doctor CLI', () => {
  test('reachable HTTP sink with --send: every check passes, exit 0, and the sink gets an envelope and an OTLP export', async () => {
    await withSink({}, async (sink) => {
      const run = await cli(['doctor', '--send'], { SENTRY_DSN: sink.dsn });
      assert.equal(run.code, 0, shown(run));
      assert.equal(run.stderr, '');
      const lines = checkLines(run.stdout);
      assert.deepEqual(
        lines.map((l) => l.trim().split(/\s{2,}/)[0]),
        ['✔ settings', '✔ DSN', '✔ CA bundle', '✔ DNS', '✔ TCP', '✔ envelope', '✔ OTLP traces'],
        shown(run),
      );
      assert.match(run.stdout, new RegExp(`127\\.0\\.0\\.1:${sink.port}, project ${PROJECT_ID} \\(http\\)`));
      assert.match(run.stdout, /All 7 checks passed\./);

      const auth = `Sentry sentry_version=7, sentry_key=${PUBLIC_KEY}`;
      const envelope = sink.requests.find((r) => r.url === `/api/${PROJECT_ID}/envelope/`);
      assert.ok(envelope, `no envelope request: ${JSON.stringify(sink.requests.map((r) => r.url))}`);
      assert.equal(envelope.method, 'POST');
      assert.equal(envelope.headers['x-sentry-auth'], auth);
      assert.ok(!envelope.url.includes(PUBLIC_KEY), 'the key travels in the header, not the URL');
      assert.deepEqual(
        sink.items.map((i) => i.type),
        ['client_report'],
      );
      const otlp = sink.requests.find((r) => r.url === `/api/${PROJECT_ID}/integration/otlp/v1/traces/`);
      assert.ok(otlp, `no OTLP request: ${JSON.stringify(sink.requests.map((r) => r.url))}`);
      assert.equal(otlp.headers['x-sentry-auth'], auth);
      assert.equal(otlp.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(otlp.body), { resourceSpans: [] });
      assert.equal(sink.requests.length, 2);
    });
  });

  test('without --send nothing is sent, and the summary says how to send', async () => {
    await withSink({}, async (sink) => {
      const run = await cli(['doctor'], { SENTRY_DSN: sink.dsn });
      assert.equal(run.code, 0, shown(run));
      assert.deepEqual(sink.requests, []);
      assert.match(run.stdout, /All 5 checks passed\. Add --send/);
    });
  });

  test('--json parses, holds the same checks as the text output, and is alone on stdout', async () => {
    await withSink({}, async (sink) => {
      const env = { SENTRY_DSN: sink.dsn, SENTRY_TRACES_SAMPLE_RATE: 'lots' };
      const [text, json] = await Promise.all([cli(['doctor', '--send'], env), cli(['doctor', '--send', '--json'], env)]);
      assert.equal(json.code, 1, shown(json));
      assert.equal(text.code, 1, shown(text));
      assert.equal(json.stderr, '');
      const report = JSON.parse(json.stdout) as Report;
      assert.equal(report.ok, false);
      assert.deepEqual(names(report), ['settings', 'dsn', 'ca', 'dns', 'tcp', 'envelope', 'otlp']);
      assert.equal(report.config.dsn.host, `127.0.0.1:${sink.port}`);
      assert.equal(report.config.sampling.ratio, 0.25);
      assert.deepEqual(report.config.sampling.excludedPaths, ['/readiness', '/liveness', '/metrics', '/']);

      // Timings differ between the two runs; everything else is the same.
      const same = (s: string): string => s.replace(/\d+ ms\b/g, 'N ms');
      const lines = checkLines(text.stdout);
      assert.equal(lines.length, report.checks.length, shown(text));
      report.checks.forEach((check, i) => {
        const line = same(lines[i] ?? '');
        assert.ok(line.startsWith(`  ${check.ok ? '✔' : '✘'} `), line);
        assert.ok(line.endsWith(same(check.detail)), `${line}\n  vs ${check.detail}`);
        if (check.fix) assert.ok(text.stdout.includes(`fix: ${check.fix}`), check.fix);
      });
      assert.equal(report.checks.filter((c) => !c.ok).length, lines.filter((l) => l.startsWith('  ✘')).length);
    });
  });

  test("the DSN's key is never printed, in text or JSON, with or without --send", async () => {
    await withSink({}, async (sink) => {
      const dsn = sink.dsn.replace(PUBLIC_KEY, SECRET_KEY);
      const runs = await Promise.all(
        [['doctor'], ['doctor', '--json'], ['doctor', '--send'], ['doctor', '--send', '--json']].map((args) =>
          cli(args, { SENTRY_DSN: dsn }),
        ),
      );
      for (const run of runs) {
        assert.equal(run.code, 0, shown(run));
        assert.ok(!(run.stdout + run.stderr).includes(SECRET_KEY), shown(run));
      }
      // The key was in use: the sink saw it.
      assert.ok(sink.requests.some((r) => String(r.headers['x-sentry-auth']).includes(SECRET_KEY)));
    });
  });

  test('a bad DSN: ✘ DSN with the reason, no network checks, exit 1, and the value never printed', async () => {
    const bad = `https://${SECRET_KEY}@127.0.0.1/not-a-project`;
    for (const args of [['doctor'], ['doctor', '--json']]) {
      const run = await cli(args, { SENTRY_DSN: bad });
      assert.equal(run.code, 1, shown(run));
      assert.ok(!(run.stdout + run.stderr).includes(SECRET_KEY), shown(run));
      assert.ok(!(run.stdout + run.stderr).includes('not-a-project'), shown(run));
      if (args.includes('--json')) {
        const report = JSON.parse(run.stdout) as Report;
        assert.deepEqual(names(report), ['settings', 'dsn', 'ca']);
        assert.equal(report.config.dsn.status, 'invalid');
        assert.match(find(report, 'dsn').detail, /not a valid Sentry DSN \(no numeric project id at the end of the path\)/);
      } else {
        assert.match(run.stdout, /✘ DSN +SENTRY_DSN is not a valid Sentry DSN \(no numeric project id/);
      }
    }
  });

  test('no SENTRY_DSN: the configuration, ✘ "SENTRY_DSN not set" with the fix, exit 1', async () => {
    const run = await cli(['doctor'], {});
    assert.equal(run.code, 1, shown(run));
    assert.match(run.stdout, /^Configuration\n {2}DSN +not set\n/);
    assert.match(run.stdout, /environment +development/);
    assert.match(run.stdout, /✘ DSN +SENTRY_DSN not set; the app would run without Sentry\n +fix: set SENTRY_DSN: /);
    assert.match(run.stdout, /1 of 3 checks failed\./);
  });

  test('connection refused: ✘ TCP, exit 1', async () => {
    const port = await closedPort();
    const run = await cli(['doctor', '--send'], { SENTRY_DSN: `http://${PUBLIC_KEY}@127.0.0.1:${port}/${PROJECT_ID}` });
    assert.equal(run.code, 1, shown(run));
    assert.match(run.stdout, new RegExp(`✘ TCP +connection to 127\\.0\\.0\\.1:${port} refused`));
    assert.deepEqual(
      checkLines(run.stdout).map((l) => l.trim().split(/\s{2,}/)[0]),
      ['✔ settings', '✔ DSN', '✔ CA bundle', '✔ DNS', '✘ TCP'],
    );
  });

  const usage: Array<{ args: string[]; code: number; stream: 'stdout' | 'stderr'; says: RegExp }> = [
    { args: ['--help'], code: 0, stream: 'stdout', says: /^Usage: sentry-register <command> \[options\]\n\nCommands:\n {2}doctor /m },
    { args: ['doctor', '-h'], code: 0, stream: 'stdout', says: /^Usage: sentry-register doctor/ },
    { args: [], code: 2, stream: 'stderr', says: /^Usage: sentry-register <command>/ },
    { args: ['doctor', '--port', '1'], code: 2, stream: 'stderr', says: /^unknown option: --port\n\nUsage: sentry-register doctor/ },
    { args: ['doktor'], code: 2, stream: 'stderr', says: /^unknown command or argument: doktor\n/ },
    { args: ['doctor', '--sned'], code: 2, stream: 'stderr', says: /Unknown option '--sned'/ },
  ];
  for (const c of usage) {
    test(`usage: sentry-register ${c.args.join(' ')} -> exit ${c.code}`, async () => {
      const run = await cli(c.args);
      assert.equal(run.code, c.code, shown(run));
      assert.match(run[c.stream], c.says);
      assert.equal(run[c.stream === 'stdout' ? 'stderr' : 'stdout'], '');
    });
  }
});

describe('runDoctor: TLS', () => {
  const certs = testCerts();

  test('HTTPS sink with SENTRY_CA_CERTS = its CA: TLS ✔, and --send goes through', async () => {
    await withSink({ tls: certs }, async (sink) => {
      const report = await runDoctor({ SENTRY_DSN: sink.dsn, SENTRY_CA_CERTS: certs.caPath }, { cwd: ROOT, send: true });
      assert.deepEqual(names(report), ['settings', 'dsn', 'ca', 'dns', 'tcp', 'tls', 'envelope', 'otlp']);
      assert.ok(report.ok, JSON.stringify(report.checks, null, 2));
      assert.match(find(report, 'ca').detail, /: 1 certificate, added to Node's root certificates$/);
      assert.match(find(report, 'tls').detail, /certificate for 127\.0\.0\.1 issued by sentry-register test CA/);
      assert.deepEqual(report.config.caBundle, { status: 'loaded', path: certs.caPath, certificates: 1 });
      assert.equal(sink.requests.length, 2);
    });
  });

  test('HTTPS sink without the CA: TLS ✘ naming the certificate, fix naming SENTRY_CA_CERTS, nothing sent', async () => {
    await withSink({ tls: certs }, async (sink) => {
      const report = await runDoctor({ SENTRY_DSN: sink.dsn }, { cwd: ROOT, send: true });
      assert.equal(report.ok, false);
      assert.deepEqual(names(report), ['settings', 'dsn', 'ca', 'dns', 'tcp', 'tls']);
      const tls = find(report, 'tls');
      assert.equal(tls.ok, false);
      assert.match(tls.detail, /certificate is not trusted/);
      assert.match(tls.fix ?? '', /SENTRY_CA_CERTS/);
      assert.deepEqual(sink.requests, []);
      assert.match(formatReport(report), /✘ TLS +the server's certificate is not trusted/);
    });
  });

  test('an https DSN at a plain HTTP port: TLS ✘ saying the port may not speak TLS', async () => {
    await withSink({}, async (sink) => {
      const report = await runDoctor({ SENTRY_DSN: sink.dsn.replace('http:', 'https:') }, { cwd: ROOT, timeoutMs: 2000 });
      const tls = find(report, 'tls');
      assert.equal(tls.ok, false);
      assert.match(tls.fix ?? '', /may not speak TLS/);
    });
  });
});

describe('runDoctor: the ingest answers', () => {
  test('401 from the sink: envelope and OTLP ✘ "the DSN\'s key is wrong or revoked"', async () => {
    await withSink({ status: 401 }, async (sink) => {
      const report = await runDoctor({ SENTRY_DSN: sink.dsn }, { cwd: ROOT, send: true });
      assert.equal(report.ok, false);
      for (const name of ['envelope', 'otlp'] as const) {
        const check = find(report, name);
        assert.equal(check.ok, false);
        assert.match(check.detail, /^HTTP 401: the DSN's key is wrong or revoked$/);
      }
      assert.equal(sink.requests.length, 2);
    });
  });

  test('a sink that never answers: ✘ within the timeout, and the doctor returns', async () => {
    await withSink({ hang: true }, async (sink) => {
      const report = await runDoctor({ SENTRY_DSN: sink.dsn }, { cwd: ROOT, send: true, timeoutMs: 300 });
      assert.match(find(report, 'envelope').detail, /no answer within 300 ms/);
      assert.match(find(report, 'otlp').detail, /no answer within 300 ms/);
    });
  });

  test('a host that does not resolve: ✘ DNS, nothing further', async () => {
    const report = await runDoctor(
      { SENTRY_DSN: `https://${PUBLIC_KEY}@doctor-test.invalid/${PROJECT_ID}` },
      { cwd: ROOT, timeoutMs: 2000 },
    );
    assert.deepEqual(names(report), ['settings', 'dsn', 'ca', 'dns']);
    assert.equal(find(report, 'dns').ok, false);
    assert.match(find(report, 'dns').fix ?? '', /SENTRY_DSN/);
  });

  const answers: Array<{ status: number; retryAfter?: string; ok: boolean; detail: RegExp }> = [
    { status: 200, ok: true, detail: /^HTTP 200: accepted/ },
    { status: 202, ok: true, detail: /^HTTP 202: accepted/ },
    { status: 401, ok: false, detail: /key is wrong or revoked/ },
    { status: 403, ok: false, detail: /key is wrong or revoked/ },
    { status: 429, retryAfter: '60', ok: false, detail: /^HTTP 429: rate limited for 60 s/ },
    { status: 404, ok: false, detail: /does not exist on this host/ },
    { status: 302, ok: false, detail: /redirect/ },
    { status: 503, ok: false, detail: /failed/ },
    { status: 400, ok: false, detail: /^HTTP 400 \(bad envelope\): rejected/ },
  ];
  for (const a of answers) {
    test(`HTTP ${a.status}: ${a.ok ? '✔' : '✘'}`, () => {
      const body = a.status === 400 ? '{"detail":"bad envelope"}' : '{}';
      const check = answerCheck({ ok: true, value: { status: a.status, body, retryAfter: a.retryAfter }, ms: 1 }, 'the endpoint');
      assert.equal(check.ok, a.ok);
      assert.match(check.detail, a.detail);
      assert.equal(check.fix === undefined, a.ok, 'a failure has a fix, a pass has none');
    });
  }
});

describe('runDoctor: configuration as the preload resolves it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'doctor-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('no DSN: config still reported, no network checks', async () => {
    const report = await runDoctor({ SENTRY_ENVIRONMENT: 'staging', OTEL_SERVICE_NAME: 'svc' }, { cwd: dir });
    assert.deepEqual(names(report), ['settings', 'dsn', 'ca']);
    assert.equal(report.config.environment, 'staging');
    assert.equal(report.config.serviceName, 'svc');
    assert.deepEqual(report.config.dsn, { status: 'missing' });
    assert.equal(report.config.endpoints, undefined);
  });

  test('bad settings: one ✘ per warning, naming the variable; the fallback is in the config', async () => {
    const report = await runDoctor({ SENTRY_TRACES_SAMPLE_RATE: '2', SENTRY_ENVIROMENT: 'prod' }, { cwd: dir });
    const settings = report.checks.filter((c) => c.name === 'settings');
    assert.equal(settings.length, 2);
    assert.ok(settings.every((c) => !c.ok && c.fix));
    assert.match(settings.map((c) => c.detail).join('\n'), /SENTRY_TRACES_SAMPLE_RATE must be a number/);
    assert.match(settings.map((c) => c.detail).join('\n'), /did you mean SENTRY_ENVIRONMENT\?/);
    assert.equal(report.config.sampling.ratio, 0.25);
    assert.equal(report.config.sampling.sampler, 'LightspeedSampler{POST,ratio=0.25}');
    assert.equal(report.config.warnings.length, 2);
  });

  test('the release: SENTRY_RELEASE, the entry script, the working directory, or none', async () => {
    const app = join(dir, 'app');
    mkdirSync(join(app, 'lib'), { recursive: true });
    writeFileSync(join(app, 'package.json'), '{"version":"3.1.4"}');
    writeFileSync(join(app, 'lib', 'package.json'), '{"version":"7.0.0"}');
    const cases: Array<{ env: Record<string, string>; entry?: string; cwd: string; value: string | null; source: RegExp }> = [
      { env: { SENTRY_RELEASE: 'r@9' }, cwd: app, value: 'r@9', source: /^SENTRY_RELEASE$/ },
      { env: { OTEL_SERVICE_NAME: 'svc' }, cwd: app, value: 'svc@3.1.4', source: /app[/\\]package\.json$/ },
      { env: { OTEL_SERVICE_NAME: 'svc' }, entry: 'lib/main.js', cwd: app, value: 'svc@7.0.0', source: /lib[/\\]package\.json$/ },
      { env: {}, cwd: join(app, '..'), value: null, source: /^none: no version found/ },
    ];
    for (const c of cases) {
      const report = await runDoctor(c.env, { cwd: c.cwd, entry: c.entry });
      assert.equal(report.config.release.value, c.value);
      assert.match(report.config.release.source, c.source);
    }
  });

  const caFiles: Array<{ name: string; text?: string; detail: RegExp }> = [
    { name: 'a missing file', detail: /does not exist; the preload ignores it$/ },
    { name: 'a file without PEM', text: 'not a certificate\n', detail: /holds no PEM certificate/ },
    {
      name: 'a PEM block that is not a certificate',
      text: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
      detail: /certificate 1 of 1 is not a valid certificate$/,
    },
  ];
  for (const c of caFiles) {
    test(`SENTRY_CA_CERTS at ${c.name}: ✘ CA bundle with the reason`, async () => {
      const path = join(dir, `${c.name.replace(/\W+/g, '-')}.pem`);
      if (c.text !== undefined) writeFileSync(path, c.text);
      const report = await runDoctor({ SENTRY_CA_CERTS: path }, { cwd: dir });
      const ca = find(report, 'ca');
      assert.equal(ca.ok, false);
      assert.match(ca.detail, c.detail);
      assert.match(ca.fix ?? '', /SENTRY_CA_CERTS/);
    });
  }
});

test('importing the doctor has no side effects: no output, no Sentry loaded, nothing left running', async () => {
  const script = [
    `const doctor = await import(${JSON.stringify(join(ROOT, 'dist', 'src', 'cli', 'doctor.js'))});`,
    `await import(${JSON.stringify(join(ROOT, 'dist', 'src', 'cli', 'report.js'))});`,
    "const sentry = Object.keys(globalThis).includes('__SENTRY__');",
    'process.stdout.write(JSON.stringify({ run: typeof doctor.runDoctor, sentry }));',
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const [code] = (await once(child, 'close')) as [number];
  assert.equal(code, 0, err);
  assert.equal(err, '');
  assert.deepEqual(JSON.parse(out), { run: 'function', sentry: false });
});

describe('runDoctor: the second trace backend (OTEL_EXPORTER_OTLP_*)', () => {
  const HEADER_SECRET = 'collectorsecret5e8d21';

  test('--send: an empty export in its protocol with its headers; header values never shown', async () => {
    await withSink({}, (sentry) =>
      withSink({}, async (collector) => {
        for (const [protocol, contentType] of [
          ['http/protobuf', 'application/x-protobuf'],
          ['http/json', 'application/json'],
        ] as const) {
          const report = await runDoctor(
            {
              SENTRY_DSN: sentry.dsn,
              OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`,
              OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
              OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${HEADER_SECRET}`,
              K8S_POD_NAME: 'cart-1',
            },
            { cwd: ROOT, send: true },
          );
          assert.equal(find(report, 'collector').ok, true, JSON.stringify(report.checks));
          const request = collector.requests.at(-1);
          assert.equal(request?.url, '/v1/traces');
          assert.equal(request?.headers['content-type'], contentType);
          assert.equal(request?.headers['x-api-key'], HEADER_SECRET);
          assert.deepEqual(report.config.collector?.headers, ['x-api-key']);
          assert.deepEqual(report.config.resource, { 'k8s.pod.name': 'cart-1' });
          const text = formatReport(report);
          assert.match(
            text,
            new RegExp(`also traces to +http://127\\.0\\.0\\.1:${collector.port}/v1/traces \\(${protocol.replace('/', '\\/')}`),
          );
          assert.ok(!text.includes(HEADER_SECRET) && !JSON.stringify(report).includes(HEADER_SECRET), 'a header value was shown');
        }
        assert.equal(collector.requests.length, 2);
      }),
    );
  });

  test('without --send: a connection only, nothing sent to the collector', async () => {
    await withSink({}, (collector) =>
      withSink({}, async (sentry) => {
        const report = await runDoctor(
          { SENTRY_DSN: sentry.dsn, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${collector.port}/v1/traces` },
          { cwd: ROOT },
        );
        assert.match(find(report, 'collector').detail, /connected to 127\.0\.0\.1:\d+ .*add --send/);
        assert.equal(collector.requests.length, 0);
      }),
    );
  });

  const failures: Array<{ name: string; status?: number; refused?: boolean; detail: RegExp; fix: RegExp }> = [
    { name: 'refused', refused: true, detail: /refused/, fix: /OTEL_EXPORTER_OTLP_\(TRACES_\)ENDPOINT/ },
    { name: '401', status: 401, detail: /HTTP 401: the collector refused the credentials/, fix: /OTEL_EXPORTER_OTLP_\(TRACES_\)HEADERS/ },
    { name: '404', status: 404, detail: /no OTLP traces receiver/, fix: /appended/ },
  ];
  for (const f of failures) {
    test(`a collector that answers ${f.name}: ✘ collector naming the OTLP variable to fix; Sentry's checks unaffected`, async () => {
      await withSink({}, (sentry) =>
        withSink({ status: f.status ?? 200 }, async (collector) => {
          const port = f.refused ? await closedPort() : collector.port;
          const report = await runDoctor(
            { SENTRY_DSN: sentry.dsn, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
            { cwd: ROOT, send: true },
          );
          const check = find(report, 'collector');
          assert.equal(check.ok, false);
          assert.match(check.detail, f.detail);
          assert.match(check.fix ?? '', f.fix);
          assert.equal(find(report, 'otlp').ok, true);
          assert.equal(report.ok, false);
        }),
      );
    });
  }

  test('OTEL_SDK_DISABLED: tracing off in the configuration, and no collector check', async () => {
    await withSink({}, async (sentry) => {
      const report = await runDoctor(
        { SENTRY_DSN: sentry.dsn, OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
        { cwd: ROOT },
      );
      assert.equal(report.config.tracing, false);
      assert.ok(!names(report).includes('collector'));
      assert.match(formatReport(report), /tracing +off \(OTEL_SDK_DISABLED\): errors only/);
    });
  });
});
