/**
 * The demo's HTML report: one self-contained page (no scripts, no external
 * assets) with the request timeline, kept against dropped, and the events
 * that arrived.
 */

export interface SentRequest {
  readonly route: string;
  readonly path: string;
  readonly method: string;
  /** Milliseconds since the traffic started. */
  readonly at: number;
  readonly status: number;
  /** A span for it arrived at the sink. */
  kept?: boolean;
}

export interface RouteSummary {
  readonly label: string;
  readonly traced: boolean;
  readonly sent: number;
  readonly spans: number;
}

/** Request sessions (release health) received for one release and environment. */
export interface SessionSummary {
  readonly release: string;
  readonly environment: string;
  exited: number;
  errored: number;
  crashed: number;
}

export interface DemoResult {
  readonly release: string;
  readonly environment: string;
  readonly routes: readonly RouteSummary[];
  readonly requests: readonly SentRequest[];
  readonly errors: ReadonlyArray<{ message: string; release: string; environment: string; traceId: string | undefined; linked: boolean }>;
  /** Error events not built (the storm budget), as Sentry's client reports count them. */
  readonly sampledErrors: number;
  readonly sessions: readonly SessionSummary[];
  readonly shutdownMs: number;
  readonly exitCode: number;
  readonly privacy: {
    readonly checked: readonly string[];
    readonly leaks: readonly string[];
    readonly structural: number;
    readonly payloads: number;
  };
  readonly preloadLog: readonly string[];
  readonly problems: readonly string[];
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const COLORS = { kept: '#2f9e44', dropped: '#adb5bd', error: '#e03131' };

function timeline(r: DemoResult): string {
  const labels = r.routes.map((x) => x.label);
  const end = Math.max(1, ...r.requests.map((q) => q.at));
  const left = 200;
  const width = 900;
  const row = 22;
  const height = labels.length * row + 40;
  const x = (at: number): number => left + (at / end) * (width - left - 10);
  const marks = r.requests
    .map((q) => {
      const y = labels.indexOf(q.route) * row + 10;
      const color = q.status >= 500 ? COLORS.error : q.kept ? COLORS.kept : COLORS.dropped;
      return `<rect x="${x(q.at).toFixed(1)}" y="${y}" width="3" height="${row - 6}" fill="${color}"><title>${escape(`${q.method} ${q.path} → ${q.status}${q.kept ? ', span kept' : ''}`)}</title></rect>`;
    })
    .join('');
  const names = labels
    .map((l, i) => `<text x="${left - 8}" y="${i * row + 25}" text-anchor="end" font-size="12">${escape(l)}</text>`)
    .join('');
  const axis = `<text x="${left}" y="${height - 8}" font-size="11" fill="#555">0 ms</text><text x="${width - 10}" y="${height - 8}" font-size="11" fill="#555" text-anchor="end">${Math.round(end)} ms</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">${names}${marks}${axis}</svg>`;
}

export function reportHtml(r: DemoResult): string {
  const rows = r.routes
    .map(
      (x) =>
        `<tr><td>${escape(x.label)}</td><td>${x.sent}</td><td>${x.spans}</td><td>${x.sent ? Math.round((x.spans / x.sent) * 100) : 0}%</td><td>${x.traced ? 'POST, sampled' : 'never traced'}</td></tr>`,
    )
    .join('');
  const events = r.errors
    .map(
      (e) =>
        `<tr><td>${escape(e.message)}</td><td>${escape(e.release)}</td><td>${escape(e.environment)}</td><td><code>${escape(e.traceId ?? 'none')}</code></td><td>${e.linked ? 'trace arrived' : 'trace not sampled'}</td></tr>`,
    )
    .join('');
  const verdict =
    r.problems.length === 0
      ? '<p class="ok">✔ Everything expected arrived.</p>'
      : `<ul class="bad">${r.problems.map((p) => `<li>✘ ${escape(p)}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>@org/sentry-register demo</title>
<style>
body { font-family: sans-serif; margin: 2rem; color: #222; max-width: 1000px; }
table { border-collapse: collapse; margin: 1rem 0; } td, th { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; font-size: 14px; }
.ok { color: ${COLORS.kept}; font-weight: bold; } .bad { color: ${COLORS.error}; font-weight: bold; }
.key span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 16px; vertical-align: middle; }
pre { background: #f6f8fa; padding: 8px; font-size: 12px; white-space: pre-wrap; }
</style></head><body>
<h1>@org/sentry-register demo</h1>
${verdict}
<p>Release <code>${escape(r.release)}</code>, environment <code>${escape(r.environment)}</code>. SIGTERM to exit in ${Math.round(r.shutdownMs)} ms, exit code ${r.exitCode}.</p>
<h2>Requests over time</h2>
<p class="key"><span style="background:${COLORS.kept}"></span>span kept <span style="background:${COLORS.dropped}"></span>dropped <span style="background:${COLORS.error}"></span>error (500)</p>
${timeline(r)}
<h2>Per route</h2>
<table><tr><th>route</th><th>sent</th><th>spans received</th><th>sampled</th><th>policy</th></tr>${rows}</table>
<h2>Error events received (${r.errors.length})</h2>
<table><tr><th>error</th><th>release</th><th>environment</th><th>trace id</th><th>trace</th></tr>${events}</table>
<h2>Privacy</h2>
<p>Every request carried ${r.privacy.checked.map(escape).join(', ')}. ${
    r.privacy.leaks.length === 0 && r.privacy.structural === 0
      ? `None of them appears in any of the ${r.privacy.payloads} payloads the sink received, and no event carries request headers, cookies or an IP address.`
      : `<strong class="bad">Leaked: ${r.privacy.leaks.map(escape).join(', ')}; ${r.privacy.structural} event(s) with headers, cookies or an IP address.</strong>`
  }</p>
<h2>What the preload printed</h2>
<pre>${r.preloadLog.map(escape).join('\n')}</pre>
</body></html>
`;
}
