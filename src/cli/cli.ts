#!/usr/bin/env node
/**
 * The `sentry-register` bin: `npx @org/sentry-register doctor`. Arguments in,
 * one report out, an exit code; the checks themselves are in doctor.ts.
 */
import { parseArgs } from 'node:util';
import { runDoctor } from './doctor.js';
import { formatReport } from './report.js';
import { describeError, scrub } from '../preload/log.js';

const HELP = `Usage: sentry-register doctor [--send] [--json] [--entry <file>]

Shows what the preload (node --import @org/sentry-register app.js) would do
with this environment: the configuration it resolves, then one line per check
(settings, DSN, CA bundle, DNS, TCP, TLS), each with the reason and the fix.
The DSN's key is never printed.

Options:
  --send          also POST an authenticated test to the envelope endpoint (an
                  empty client report) and to the OTLP traces endpoint (no spans)
  --json          print the report as JSON on stdout: { config, checks, ok }
  --entry <file>  the app's entry script, to derive the release as the preload
                  does (default: the package.json in the working directory)
  -h, --help      show this help

Exit codes: 0 every check passed, 1 a check failed, 2 usage error.
`;

// Written with a callback, then exit: a DNS lookup past its timeout cannot be
// cancelled and would otherwise keep the process alive.
function finish(code: number, out: string, err = ''): void {
  if (err) process.stderr.write(err);
  process.stdout.write(out, () => process.exit(code));
}

async function main(argv: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        send: { type: 'boolean' },
        json: { type: 'boolean' },
        entry: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return finish(2, '', `${(err as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return finish(0, HELP);
  const [command, ...extra] = positionals;
  if (command !== 'doctor' || extra.length > 0) {
    const problem = command === undefined ? '' : `unknown command or argument: ${[command, ...extra].join(' ')}\n\n`;
    return finish(2, '', `${problem}${HELP}`);
  }

  try {
    const report = await runDoctor(process.env, { send: values.send, entry: values.entry, cwd: process.cwd() });
    const out = values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report);
    return finish(report.ok ? 0 : 1, out);
  } catch (err) {
    // runDoctor reports failures as checks; this is a bug in it, still without the DSN.
    const dsn = process.env['SENTRY_DSN']?.trim();
    return finish(2, '', `sentry-register doctor failed: ${scrub(describeError(err), dsn ? [dsn] : [])}\n`);
  }
}

await main(process.argv.slice(2));
