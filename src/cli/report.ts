/**
 * The doctor's report as operators read it: the configuration, then one line
 * per check with its fix, then the verdict. (`--json` prints the Report itself.)
 */
import { plural } from './checks.js';
import type { Check, Report } from './checks.js';

const LABELS: Readonly<Record<Check['name'], string>> = {
  settings: 'settings',
  dsn: 'DSN',
  ca: 'CA bundle',
  dns: 'DNS',
  tcp: 'TCP',
  tls: 'TLS',
  envelope: 'envelope',
  otlp: 'OTLP traces',
  collector: 'collector',
};

/** The report as operators read it: the configuration, then one line per check, then the verdict. */
export function formatReport(report: Report): string {
  const { config } = report;
  const rows: Array<[string, string]> = [
    [
      'DSN',
      config.dsn.status === 'ok'
        ? `${config.dsn.host}, project ${config.dsn.projectId} (${config.dsn.scheme})`
        : config.dsn.status === 'missing'
          ? 'not set'
          : 'invalid',
    ],
    ['environment', config.environment],
    ['service name', config.serviceName],
    ['release', config.release.value === null ? config.release.source : `${config.release.value} (from ${config.release.source})`],
    [
      'sampling',
      `${config.sampling.ratio} of POST requests, except to ${config.sampling.excludedPaths.join(', ')} (${config.sampling.sampler})`,
    ],
    [
      'CA bundle',
      config.caBundle.status === 'not set'
        ? "not set (Node's root certificates)"
        : config.caBundle.status === 'loaded'
          ? `${config.caBundle.path} (${plural(config.caBundle.certificates ?? 0, 'certificate')})`
          : `${config.caBundle.path} (unusable, ignored)`,
    ],
  ];
  if (config.endpoints) rows.push(['errors to', config.endpoints.envelope], ['traces to', config.endpoints.otlpTraces]);
  if (!config.tracing) rows.push(['tracing', 'off (OTEL_SDK_DISABLED): errors only']);
  else if (config.collector) {
    const { url, protocol, compression, timeoutMs, headers } = config.collector;
    const extras = [
      protocol,
      compression === 'gzip' ? 'gzip' : '',
      timeoutMs ? `timeout ${timeoutMs} ms` : '',
      headers.length ? `headers ${headers.join(', ')}` : '',
    ];
    rows.push(['also traces to', `${url} (${extras.filter(Boolean).join(', ')})`]);
  }
  const resource = Object.entries(config.resource);
  if (resource.length) rows.push(['resource', resource.map(([k, v]) => `${k}=${v}`).join(', ')]);
  rows.push(
    ['debug', String(config.debug)],
    ['required', String(config.required)],
    ['scrub keys', config.scrubKeys.length ? config.scrubKeys.join(', ') : 'built-in only'],
    ['ignore errors', config.ignoreErrors ? `${plural(config.ignoreErrors, 'extra matcher')}` : 'built-in only'],
  );

  const lines = ['Configuration'];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) lines.push(`  ${k.padEnd(width)}  ${v}`);
  lines.push('', 'Checks');
  const labelWidth = Math.max(...report.checks.map((c) => LABELS[c.name].length));
  for (const check of report.checks) {
    lines.push(`  ${check.ok ? '✔' : '✘'} ${LABELS[check.name].padEnd(labelWidth)}  ${check.detail}`);
    if (check.fix) lines.push(`    ${' '.repeat(labelWidth)}  fix: ${check.fix}`);
  }
  const failed = report.checks.filter((c) => !c.ok).length;
  const sent = report.checks.some((c) => c.name === 'envelope');
  lines.push(
    '',
    failed > 0
      ? `${failed} of ${plural(report.checks.length, 'check')} failed.`
      : `All ${report.checks.length} checks passed.${config.endpoints && !sent ? ' Add --send to test an authenticated request too.' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
