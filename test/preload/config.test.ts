import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_ENVIRONMENT, DEFAULT_SERVICE_NAME, DEFAULT_TRACES_SAMPLE_RATE, readConfig } from '../../src/preload/config.js';
import type { Config, Env } from '../../src/preload/config.js';

const PUBLIC_KEY = 'f00dfeedcafe4242';
const DSN = `https://${PUBLIC_KEY}@o17.ingest.sentry.io/4242`;

function read(env: Env): { config: Readonly<Config>; warnings: string[] } {
  const warnings: string[] = [];
  const config = readConfig(env, (message) => warnings.push(message));
  return { config, warnings };
}

/** A bad value gives exactly one warning, naming the variable and never quoting the DSN. */
function assertOneWarning(warnings: readonly string[], variable: string): void {
  assert.equal(warnings.length, 1, `expected one warning, got ${JSON.stringify(warnings)}`);
  assert.match(warnings[0] ?? '', new RegExp(`\\b${variable}\\b`));
}

function assertNoSecrets(warnings: readonly string[], secrets: readonly string[]): void {
  for (const warning of warnings) {
    for (const secret of secrets) assert.ok(!warning.includes(secret), `warning leaks a secret: ${warning}`);
  }
}

describe('readConfig: SENTRY_DSN', () => {
  const valid: Array<{ name: string; value: string; host: string; projectId: string; publicKey: string }> = [
    { name: 'SaaS DSN', value: DSN, host: 'o17.ingest.sentry.io', projectId: '4242', publicKey: PUBLIC_KEY },
    {
      name: 'self-hosted with port and path prefix',
      value: 'http://abcd1234@sentry.local:9000/sub/7',
      host: 'sentry.local:9000',
      projectId: '7',
      publicKey: 'abcd1234',
    },
    {
      name: 'legacy DSN with a secret key',
      value: 'https://pub1234:sec5678@sentry.example.com/3',
      host: 'sentry.example.com',
      projectId: '3',
      publicKey: 'pub1234',
    },
  ];
  for (const c of valid) {
    test(`valid: ${c.name}`, () => {
      const { config, warnings } = read({ SENTRY_DSN: c.value });
      assert.deepEqual(warnings, []);
      assert.equal(config.dsnStatus, 'ok');
      assert.deepEqual(config.dsn, { value: c.value, publicKey: c.publicKey, host: c.host, projectId: c.projectId });
    });
  }

  test('valid DSN is trimmed', () => {
    const { config, warnings } = read({ SENTRY_DSN: `  ${DSN}\n` });
    assert.deepEqual(warnings, []);
    assert.equal(config.dsn?.value, DSN);
  });

  const unset: Array<{ name: string; env: Env }> = [
    { name: 'absent', env: {} },
    { name: 'empty', env: { SENTRY_DSN: '' } },
    { name: 'whitespace only', env: { SENTRY_DSN: ' \t\n ' } },
  ];
  for (const c of unset) {
    test(`missing: ${c.name} means unset, without a warning`, () => {
      const { config, warnings } = read(c.env);
      assert.deepEqual(warnings, []);
      assert.equal(config.dsn, undefined);
      assert.equal(config.dsnStatus, 'missing');
    });
  }

  const invalid: Array<{ name: string; value: string; reason: RegExp }> = [
    { name: 'not a URL', value: `${PUBLIC_KEY} at o17.ingest.sentry.io`, reason: /not a URL/ },
    { name: 'ftp scheme', value: `ftp://${PUBLIC_KEY}@o17.ingest.sentry.io/4242`, reason: /scheme/ },
    { name: 'no public key', value: 'https://o17.ingest.sentry.io/4242', reason: /public key/ },
    { name: 'no project id', value: `https://${PUBLIC_KEY}@o17.ingest.sentry.io/`, reason: /project id/ },
    { name: 'non-numeric project id', value: `https://${PUBLIC_KEY}@o17.ingest.sentry.io/project`, reason: /project id/ },
    { name: 'query string', value: `${DSN}?x=1`, reason: /query/ },
    {
      name: 'malformed percent-encoding in the key',
      value: `https://${PUBLIC_KEY}%E0%A4%A@o17.ingest.sentry.io/4242`,
      reason: /percent-encoding/,
    },
  ];
  for (const c of invalid) {
    test(`invalid: ${c.name} gives one warning without the DSN or its key`, () => {
      const { config, warnings } = read({ SENTRY_DSN: c.value });
      assert.equal(config.dsn, undefined);
      assert.equal(config.dsnStatus, 'invalid');
      assertOneWarning(warnings, 'SENTRY_DSN');
      assert.match(warnings[0] ?? '', c.reason);
      assertNoSecrets(warnings, [c.value, PUBLIC_KEY]);
    });
  }
});

describe('readConfig: SENTRY_ENVIRONMENT', () => {
  const cases: Array<{ name: string; value: string | undefined; expected: string; warns: boolean }> = [
    { name: 'unset', value: undefined, expected: DEFAULT_ENVIRONMENT, warns: false },
    { name: 'blank', value: '   ', expected: DEFAULT_ENVIRONMENT, warns: false },
    { name: 'plain', value: 'production', expected: 'production', warns: false },
    { name: 'trimmed', value: ' staging\n', expected: 'staging', warns: false },
    { name: '64 characters', value: 'e'.repeat(64), expected: 'e'.repeat(64), warns: false },
    { name: 'inner space', value: 'my env', expected: DEFAULT_ENVIRONMENT, warns: true },
    { name: 'inner tab', value: 'my\tenv', expected: DEFAULT_ENVIRONMENT, warns: true },
    { name: 'slash', value: 'prod/eu', expected: DEFAULT_ENVIRONMENT, warns: true },
    { name: '"None"', value: 'None', expected: DEFAULT_ENVIRONMENT, warns: true },
    { name: '65 characters', value: 'e'.repeat(65), expected: DEFAULT_ENVIRONMENT, warns: true },
  ];
  for (const c of cases) {
    test(`${c.name} -> ${c.expected.length > 20 ? `${c.expected.length} chars` : c.expected}${c.warns ? ' with a warning' : ''}`, () => {
      const { config, warnings } = read({ SENTRY_ENVIRONMENT: c.value });
      assert.equal(config.environment, c.expected);
      if (c.warns) {
        assertOneWarning(warnings, 'SENTRY_ENVIRONMENT');
        assert.match(warnings[0] ?? '', /"development"/, 'the warning names the fallback');
      } else {
        assert.deepEqual(warnings, []);
      }
    });
  }
});

describe('readConfig: SENTRY_RELEASE', () => {
  const cases: Array<{ name: string; value: string | undefined; expected: string | undefined; warns: boolean }> = [
    { name: 'unset', value: undefined, expected: undefined, warns: false },
    { name: 'blank', value: ' ', expected: undefined, warns: false },
    { name: 'name@version', value: 'svc@1.2.3', expected: 'svc@1.2.3', warns: false },
    { name: 'git sha, trimmed', value: ' 4f2c9e1\n', expected: '4f2c9e1', warns: false },
    { name: 'slash', value: 'svc/1.2.3', expected: undefined, warns: true },
    { name: 'backslash', value: 'svc\\1.2.3', expected: undefined, warns: true },
    { name: 'inner tab', value: 'svc\t1', expected: undefined, warns: true },
    { name: '"."', value: '.', expected: undefined, warns: true },
    { name: '".."', value: '..', expected: undefined, warns: true },
    { name: '201 characters', value: 'r'.repeat(201), expected: undefined, warns: true },
  ];
  for (const c of cases) {
    test(`${c.name}${c.warns ? ' is rejected with a warning' : ''}`, () => {
      const { config, warnings } = read({ SENTRY_RELEASE: c.value });
      assert.equal(config.release, c.expected);
      if (c.warns) assertOneWarning(warnings, 'SENTRY_RELEASE');
      else assert.deepEqual(warnings, []);
    });
  }
});

describe('readConfig: plain strings', () => {
  const cases: Array<{ name: string; env: Env; field: 'serviceName' | 'caCertsPath'; expected: string | undefined }> = [
    { name: 'OTEL_SERVICE_NAME unset', env: {}, field: 'serviceName', expected: DEFAULT_SERVICE_NAME },
    { name: 'OTEL_SERVICE_NAME blank', env: { OTEL_SERVICE_NAME: '  ' }, field: 'serviceName', expected: 'lightspeed-stack' },
    { name: 'OTEL_SERVICE_NAME trimmed', env: { OTEL_SERVICE_NAME: ' checkout \n' }, field: 'serviceName', expected: 'checkout' },
    { name: 'SENTRY_CA_CERTS unset', env: {}, field: 'caCertsPath', expected: undefined },
    { name: 'SENTRY_CA_CERTS blank', env: { SENTRY_CA_CERTS: '' }, field: 'caCertsPath', expected: undefined },
    {
      name: 'SENTRY_CA_CERTS trimmed',
      env: { SENTRY_CA_CERTS: ' /etc/ssl/corp.pem ' },
      field: 'caCertsPath',
      expected: '/etc/ssl/corp.pem',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { config, warnings } = read(c.env);
      assert.equal(config[c.field], c.expected);
      assert.deepEqual(warnings, []);
    });
  }
});

describe('readConfig: SENTRY_TRACES_SAMPLE_RATE', () => {
  const cases: Array<{ value: string | undefined; expected: number; warns: boolean }> = [
    { value: undefined, expected: DEFAULT_TRACES_SAMPLE_RATE, warns: false },
    { value: '', expected: 0.25, warns: false },
    { value: '  ', expected: 0.25, warns: false },
    { value: '0', expected: 0, warns: false },
    { value: '0.25', expected: 0.25, warns: false },
    { value: '1', expected: 1, warns: false },
    { value: '1e-1', expected: 0.1, warns: false },
    { value: ' 0.5 ', expected: 0.5, warns: false },
    { value: '.75', expected: 0.75, warns: false },
    { value: 'abc', expected: 0.25, warns: true },
    { value: '-1', expected: 0.25, warns: true },
    { value: '2', expected: 0.25, warns: true },
    { value: 'NaN', expected: 0.25, warns: true },
    { value: 'Infinity', expected: 0.25, warns: true },
    { value: '0x1', expected: 0.25, warns: true },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.value)} -> ${c.expected}${c.warns ? ' with a warning' : ''}`, () => {
      const { config, warnings } = read({ SENTRY_TRACES_SAMPLE_RATE: c.value });
      assert.equal(config.tracesSampleRate, c.expected);
      if (c.warns) {
        assertOneWarning(warnings, 'SENTRY_TRACES_SAMPLE_RATE');
        assert.match(warnings[0] ?? '', /0\.25/, 'the warning names the fallback');
      } else {
        assert.deepEqual(warnings, []);
      }
    });
  }
});

describe('readConfig: booleans', () => {
  const values: Array<{ value: string | undefined; expected: boolean; warns: boolean }> = [
    { value: undefined, expected: false, warns: false },
    { value: '', expected: false, warns: false },
    { value: 'true', expected: true, warns: false },
    { value: 'TRUE', expected: true, warns: false },
    { value: ' yes ', expected: true, warns: false },
    { value: '1', expected: true, warns: false },
    { value: 'on', expected: true, warns: false },
    { value: 'false', expected: false, warns: false },
    { value: 'no', expected: false, warns: false },
    { value: '0', expected: false, warns: false },
    { value: 'garbage', expected: false, warns: true },
    { value: '2', expected: false, warns: true },
  ];
  const variables = [
    { variable: 'SENTRY_DEBUG', field: 'debug', fallback: false },
    { variable: 'SENTRY_REQUIRED', field: 'required', fallback: false },
    // On unless turned off: unset, blank or unreadable leave it on.
    { variable: 'SENTRY_RELEASE_HEALTH', field: 'releaseHealth', fallback: true },
  ] as const;
  for (const { variable, field, fallback } of variables) {
    for (const c of values) {
      const expected = c.value === undefined || c.value === '' || c.warns ? fallback : c.expected;
      test(`${variable}=${JSON.stringify(c.value)} -> ${expected}${c.warns ? ' with a warning' : ''}`, () => {
        const { config, warnings } = read({ [variable]: c.value });
        assert.equal(config[field], expected);
        if (c.warns) assertOneWarning(warnings, variable);
        else assert.deepEqual(warnings, []);
      });
    }
  }
});

describe('readConfig: the error-storm budget', () => {
  const cases: Array<{ env: Record<string, string>; expected: { burst: number; intervalMs: number; perSecond: number }; warns?: string }> =
    [
      { env: {}, expected: { burst: 5, intervalMs: 10_000, perSecond: 20 } },
      {
        env: { SENTRY_STORM_BURST: '20', SENTRY_STORM_INTERVAL: '60', SENTRY_STORM_MAX_PER_SECOND: '5' },
        expected: { burst: 20, intervalMs: 60_000, perSecond: 5 },
      },
      { env: { SENTRY_STORM_BURST: ' 1 ' }, expected: { burst: 1, intervalMs: 10_000, perSecond: 20 } },
      { env: { SENTRY_STORM_BURST: '0' }, expected: { burst: 5, intervalMs: 10_000, perSecond: 20 }, warns: 'SENTRY_STORM_BURST' },
      { env: { SENTRY_STORM_INTERVAL: '2.5' }, expected: { burst: 5, intervalMs: 10_000, perSecond: 20 }, warns: 'SENTRY_STORM_INTERVAL' },
      {
        env: { SENTRY_STORM_MAX_PER_SECOND: 'lots' },
        expected: { burst: 5, intervalMs: 10_000, perSecond: 20 },
        warns: 'SENTRY_STORM_MAX_PER_SECOND',
      },
      {
        env: { SENTRY_STORM_MAX_PER_SECOND: '-3' },
        expected: { burst: 5, intervalMs: 10_000, perSecond: 20 },
        warns: 'SENTRY_STORM_MAX_PER_SECOND',
      },
    ];
  for (const c of cases) {
    test(`${JSON.stringify(c.env)} -> ${JSON.stringify(c.expected)}${c.warns ? ' with a warning' : ''}`, () => {
      const { config, warnings } = read(c.env);
      assert.deepEqual({ ...config.storm }, c.expected);
      if (c.warns) assertOneWarning(warnings, c.warns);
      else assert.deepEqual(warnings, []);
    });
  }
});

describe('readConfig: the whole', () => {
  test('defaults from an empty env, frozen, without warnings', () => {
    const { config, warnings } = read({});
    assert.deepEqual(warnings, []);
    assert.ok(Object.isFrozen(config));
    assert.deepEqual(
      { ...config },
      {
        dsn: undefined,
        dsnStatus: 'missing',
        environment: 'development',
        release: undefined,
        serviceName: 'lightspeed-stack',
        caCertsPath: undefined,
        tracesSampleRate: 0.25,
        debug: false,
        required: false,
        scrubKeys: [],
        ignoreErrors: [],
        tracing: true,
        releaseHealth: true,
        storm: { burst: 5, intervalMs: 10_000, perSecond: 20 },
        collector: undefined,
        resourceAttributes: {},
      },
    );
  });

  test('one warning per bad variable, none of them naming the DSN or its key', () => {
    const env: Env = {
      SENTRY_DSN: DSN,
      SENTRY_ENVIRONMENT: 'None',
      SENTRY_RELEASE: '..',
      SENTRY_TRACES_SAMPLE_RATE: 'lots',
      SENTRY_DEBUG: 'maybe',
      SENTRY_REQUIRED: 'perhaps',
    };
    const { config, warnings } = read(env);
    assert.equal(config.dsnStatus, 'ok');
    assert.equal(warnings.length, 5, JSON.stringify(warnings));
    for (const variable of ['SENTRY_ENVIRONMENT', 'SENTRY_RELEASE', 'SENTRY_TRACES_SAMPLE_RATE', 'SENTRY_DEBUG', 'SENTRY_REQUIRED']) {
      assert.equal(warnings.filter((w) => w.startsWith(`${variable} `)).length, 1, `one warning for ${variable}`);
    }
    assertNoSecrets(warnings, [DSN, PUBLIC_KEY]);
  });

  test('an invalid DSN among other bad values still gives one warning for it, without the value', () => {
    const bad = `ftp://${PUBLIC_KEY}@o17.ingest.sentry.io/4242`;
    const { warnings } = read({ SENTRY_DSN: bad, SENTRY_ENVIRONMENT: 'a b', SENTRY_DEBUG: 'x' });
    assert.equal(warnings.length, 3);
    assert.equal(warnings.filter((w) => w.includes('SENTRY_DSN')).length, 1);
    assertNoSecrets(warnings, [bad, PUBLIC_KEY]);
  });
});

describe('readConfig: SENTRY_SCRUB_KEYS and SENTRY_IGNORE_ERRORS', () => {
  test('SENTRY_SCRUB_KEYS is a trimmed comma-separated list', () => {
    const { config, warnings } = read({ SENTRY_SCRUB_KEYS: ' tenant_secret , x-internal-id,, ' });
    assert.deepEqual(config.scrubKeys, ['tenant_secret', 'x-internal-id']);
    assert.deepEqual(warnings, []);
  });

  const matchers: Array<{ value: string; expected: Array<string | RegExp>; warnings: number }> = [
    { value: 'timeout, quota', expected: ['timeout', 'quota'], warnings: 0 },
    { value: '/^Aborted/i,flaky', expected: [/^Aborted/i, 'flaky'], warnings: 0 },
    { value: '/a{1,3}b/, c', expected: [/a{1,3}b/, 'c'], warnings: 0 },
    { value: '/a\\/b/', expected: [/a\/b/], warnings: 0 },
    { value: '/(unclosed/, ok', expected: ['ok'], warnings: 1 },
    { value: '/x/g', expected: [/x/], warnings: 0 },
  ];
  for (const c of matchers) {
    test(`SENTRY_IGNORE_ERRORS=${JSON.stringify(c.value)}`, () => {
      const { config, warnings } = read({ SENTRY_IGNORE_ERRORS: c.value });
      assert.deepEqual(
        config.ignoreErrors.map((m) => String(m)),
        c.expected.map((m) => String(m)),
      );
      assert.equal(warnings.length, c.warnings, JSON.stringify(warnings));
      if (c.warnings) assert.match(warnings[0] ?? '', /^SENTRY_IGNORE_ERRORS /);
    });
  }
});

describe('readConfig: unknown SENTRY_ variables', () => {
  const cases: Array<{ env: Env; expected: string[] }> = [
    {
      env: { SENTRY_ENVIROMENT: 'prod' },
      expected: ['SENTRY_ENVIROMENT is not a setting of @org/sentry-register (did you mean SENTRY_ENVIRONMENT?); ignoring it'],
    },
    { env: { SENTRY_FOO: 'x' }, expected: ['SENTRY_FOO is not a setting of @org/sentry-register; ignoring it'] },
    { env: { SENTRY_AUTH_TOKEN: 'sntrys_x', SENTRY_ORG: 'acme', SENTRY_TRACE: 'a-b-1' }, expected: [] },
    { env: { OTEL_SERVICE_NAME: 'x', NODE_ENV: 'production' }, expected: [] },
  ];
  for (const c of cases) {
    test(`${Object.keys(c.env).join(', ')}`, () => {
      const { warnings } = read(c.env);
      assert.deepEqual(warnings, c.expected);
      for (const value of Object.values(c.env)) assert.ok(!warnings.join('').includes(value ?? '\u0000'), 'a value was echoed');
    });
  }
});

describe('readConfig: the second trace backend (OTEL_EXPORTER_OTLP_*)', () => {
  const base = 'http://otel-collector.observability:4318';
  const cases: Array<{ name: string; env: Env; expect: Partial<NonNullable<Config['collector']>> | undefined; warns?: string }> = [
    {
      name: 'no endpoint: no collector at all',
      env: { OTEL_EXPORTER_OTLP_HEADERS: 'a=b', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      expect: undefined,
    },
    { name: 'blank endpoint means unset', env: { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, expect: undefined },
    {
      name: 'generic endpoint gets /v1/traces appended; spec defaults',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: base },
      expect: {
        url: `${base}/v1/traces`,
        host: 'otel-collector.observability:4318',
        source: 'OTEL_EXPORTER_OTLP_ENDPOINT',
        protocol: 'http/protobuf',
        headers: {},
        timeoutMs: undefined,
        compression: 'none',
      },
    },
    {
      name: 'generic endpoint with a path and a trailing slash',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `${base}/otlp/` },
      expect: { url: `${base}/otlp/v1/traces` },
    },
    {
      name: 'the traces endpoint is used as is and wins',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo.example:443/custom/traces' },
      expect: { url: 'https://tempo.example/custom/traces', source: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', host: 'tempo.example' },
    },
    {
      name: 'headers: percent-decoded, merged, traces-specific wins key by key, names lowercased',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: base,
        OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Basic%20YWJj, x-tenant = one ,x-keep=k',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'X-Tenant=two',
      },
      expect: { headers: { authorization: 'Basic YWJj', 'x-tenant': 'two', 'x-keep': 'k' } },
    },
    {
      name: 'protocol, timeout and compression, traces-specific first',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: base,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TIMEOUT: '900',
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
      },
      expect: { protocol: 'http/json', timeoutMs: 900, compression: 'gzip' },
    },
    {
      name: 'certificate files, traces-specific first',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: base,
        OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/ca.pem',
        OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: '/etc/client.pem',
        OTEL_EXPORTER_OTLP_CLIENT_KEY: '/etc/client.key',
      },
      expect: {
        certificate: { variable: 'OTEL_EXPORTER_OTLP_CERTIFICATE', path: '/etc/ca.pem' },
        clientCertificate: { variable: 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE', path: '/etc/client.pem' },
        clientKey: { variable: 'OTEL_EXPORTER_OTLP_CLIENT_KEY', path: '/etc/client.key' },
      },
    },
    {
      name: 'not a URL',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318' },
      expect: undefined,
      warns: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    },
    {
      name: 'a gRPC-style scheme',
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://c:4317' },
      expect: undefined,
      warns: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    },
    {
      name: 'grpc protocol',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      expect: { protocol: 'http/protobuf' },
      warns: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    },
    {
      name: 'unknown protocol',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift' },
      expect: { protocol: 'http/protobuf' },
      warns: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    },
    {
      name: 'timeout not a number',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_TIMEOUT: '10s' },
      expect: { timeoutMs: undefined },
      warns: 'OTEL_EXPORTER_OTLP_TIMEOUT',
    },
    {
      name: 'timeout zero',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '0' },
      expect: { timeoutMs: undefined },
      warns: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
    },
    {
      name: 'unknown compression',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' },
      expect: { compression: 'none' },
      warns: 'OTEL_EXPORTER_OTLP_COMPRESSION',
    },
    {
      name: 'malformed header entries are dropped, the rest kept',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_HEADERS: 'novalue,=x,bad name=1,ok=2,pct=%zz' },
      expect: { headers: { ok: '2' } },
      warns: 'OTEL_EXPORTER_OTLP_HEADERS',
    },
    {
      name: 'a client certificate without its key',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/etc/client.pem' },
      expect: { clientCertificate: undefined, clientKey: undefined },
      warns: 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { config, warnings } = read(c.env);
      if (c.warns) assertOneWarning(warnings, c.warns);
      else assert.deepEqual(warnings, []);
      if (c.expect === undefined) return assert.equal(config.collector, undefined);
      assert.ok(config.collector, 'expected a collector');
      for (const [key, value] of Object.entries(c.expect)) {
        assert.deepEqual(config.collector[key as keyof typeof c.expect], value, key);
      }
    });
  }

  test('warnings never quote endpoint credentials or header values', () => {
    const { warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://user:hunter2@collector',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=topsecret,broken',
    });
    assert.equal(warnings.length, 1);
    assertNoSecrets(warnings, ['hunter2', 'topsecret']);
    const second = read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'api-key=topsecret,broken=%zz' });
    assert.equal(second.warnings.length, 1);
    assertNoSecrets(second.warnings, ['topsecret', '%zz']);
  });
});

describe('readConfig: OTEL_SDK_DISABLED and resource attributes', () => {
  const cases: Array<{ name: string; env: Env; tracing: boolean; resource: Record<string, string>; warns?: string }> = [
    { name: 'defaults: tracing on, no extra attributes', env: {}, tracing: true, resource: {} },
    { name: 'OTEL_SDK_DISABLED=true turns tracing off', env: { OTEL_SDK_DISABLED: 'TRUE' }, tracing: false, resource: {} },
    { name: 'OTEL_SDK_DISABLED=false keeps it on', env: { OTEL_SDK_DISABLED: 'false' }, tracing: true, resource: {} },
    {
      name: 'a bad OTEL_SDK_DISABLED keeps tracing on',
      env: { OTEL_SDK_DISABLED: 'sometimes' },
      tracing: true,
      resource: {},
      warns: 'OTEL_SDK_DISABLED',
    },
    {
      name: 'downward-API variables under semantic-convention names',
      env: {
        K8S_POD_NAME: 'cart-7d9f',
        K8S_POD_UID: 'u-1',
        K8S_NAMESPACE_NAME: 'shop',
        K8S_NODE_NAME: 'worker-3',
        K8S_CONTAINER_NAME: 'app',
      },
      tracing: true,
      resource: {
        'k8s.pod.name': 'cart-7d9f',
        'k8s.pod.uid': 'u-1',
        'k8s.namespace.name': 'shop',
        'k8s.node.name': 'worker-3',
        'k8s.container.name': 'app',
      },
    },
    {
      name: 'OTEL_RESOURCE_ATTRIBUTES, percent-decoded, with K8S_* over it',
      env: { OTEL_RESOURCE_ATTRIBUTES: 'team=payments,k8s.pod.name=stale,region=eu%2Dwest', K8S_POD_NAME: 'fresh' },
      tracing: true,
      resource: { team: 'payments', 'k8s.pod.name': 'fresh', region: 'eu-west' },
    },
    {
      name: 'malformed OTEL_RESOURCE_ATTRIBUTES entries are dropped',
      env: { OTEL_RESOURCE_ATTRIBUTES: 'team=payments,oops' },
      tracing: true,
      resource: { team: 'payments' },
      warns: 'OTEL_RESOURCE_ATTRIBUTES',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { config, warnings } = read(c.env);
      if (c.warns) assertOneWarning(warnings, c.warns);
      else assert.deepEqual(warnings, []);
      assert.equal(config.tracing, c.tracing);
      assert.deepEqual({ ...config.resourceAttributes }, c.resource);
    });
  }
});
