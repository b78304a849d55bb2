#!/usr/bin/env node
/**
 * The `sentry-register` bin: `npx @org/sentry-register doctor` (arguments in,
 * one report out, an exit code; the checks are in doctor.ts) and
 * `npx @org/sentry-register sink` (a local receiver, sink.ts).
 */
import { parseArgs } from 'node:util';
import { runDoctor } from './doctor.js';
import { formatReport } from './report.js';
import { startSinkCommand } from './sink.js';
import { describeError, scrub } from '../preload/log.js';

const HELP = `Usage: sentry-register <command> [options]

Commands:
  doctor   check what the preload would do with this environment
  sink     run a local receiver that prints what the preload sends

Run "sentry-register <command> --help" for a command's options.
`;

const DOCTOR_HELP = `Usage: sentry-register doctor [--send] [--json] [--entry <file>]

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

const SINK_HELP = `Usage: sentry-register sink [--port <n>] [--host <address>] [--json]

A local stand-in for Sentry, to see on a laptop what the preload sends: it
prints the DSN to use, then one line for each error, message, session count,
client report and span that arrives. It answers every request with 200 and
keeps nothing. Stop it with Ctrl-C.

  npx sentry-register sink --port 9999
  SENTRY_DSN=http://sink@127.0.0.1:9999/1 node --import @org/sentry-register app.js

Options:
  --port <n>          port to listen on (default: 0, any free port)
  --host <address>    address to listen on (default: 127.0.0.1)
  --json              one JSON object a line instead of a summary
  -h, --help          show this help

Exit codes: 0 stopped by a signal, 2 usage error or the port is taken.
`;

// Written with a callback, then exit: a DNS lookup past its timeout cannot be
// cancelled and would otherwise keep the process alive.
function finish(code: number, out: string, err = ''): void {
  if (err) process.stderr.write(err);
  process.stdout.write(out, () => process.exit(code));
}

const OPTIONS = {
  send: { type: 'boolean' },
  json: { type: 'boolean' },
  entry: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Options that belong to another command, for a usage error. */
function foreign(values: Values, allowed: readonly (keyof Values)[]): string | undefined {
  const extra = (Object.keys(values) as (keyof Values)[]).filter((k) => values[k] !== undefined && !allowed.includes(k));
  return extra.length ? `unknown option: --${extra[0]}` : undefined;
}

async function main(argv: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (err) {
    return finish(2, '', `${(err as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  const help = command === 'doctor' ? DOCTOR_HELP : command === 'sink' ? SINK_HELP : HELP;
  if (values.help) return finish(0, help);
  if ((command !== 'doctor' && command !== 'sink') || extra.length > 0) {
    const problem = command === undefined ? '' : `unknown command or argument: ${[command, ...extra].join(' ')}\n\n`;
    return finish(2, '', `${problem}${help}`);
  }
  const problem = foreign(values, command === 'doctor' ? ['send', 'json', 'entry'] : ['port', 'host', 'json']);
  if (problem) return finish(2, '', `${problem}\n\n${help}`);
  return command === 'doctor' ? doctor(values) : sink(values);
}

async function doctor(values: Values): Promise<void> {
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

async function sink(values: Values): Promise<void> {
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return finish(2, '', `--port must be a whole number from 0 to 65535, not "${values.port}"\n\n${SINK_HELP}`);
  }
  const write = (line: string): void => void process.stdout.write(`${line}\n`);
  let receiver;
  try {
    receiver = await startSinkCommand({ host: values.host ?? '127.0.0.1', port, json: values.json === true, write });
  } catch (err) {
    return finish(2, '', `sentry-register sink: cannot listen: ${describeError(err)}\n`);
  }
  process.stderr.write(`sentry-register sink: listening; send to it with\n  SENTRY_DSN=${receiver.dsn}\n`);
  const stop = (): void => void receiver.close().finally(() => finish(0, ''));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main(process.argv.slice(2));
