/**
 * The ledger of dropped events: counted by reason and visible without Sentry,
 * so nobody has to take on trust that the filters drop only noise (seed 004,
 * Q4), or guess how many an error storm's budget and a full send buffer
 * cost. One debug line per drop with SENTRY_DEBUG, one summary line at exit.
 */
import type { DropReason } from './noise.js';
import type { Logger } from '../preload/log.js';

export class DropLedger {
  private readonly _counts = new Map<DropReason, number>();
  private readonly _log: Pick<Logger, 'debug' | 'info'>;

  constructor(log: Pick<Logger, 'debug' | 'info'>) {
    this._log = log;
  }

  record(reason: DropReason, what: string): void {
    this._counts.set(reason, (this._counts.get(reason) ?? 0) + 1);
    this._log.debug(`dropped ${what} (${reason})`);
  }

  get total(): number {
    let n = 0;
    for (const c of this._counts.values()) n += c;
    return n;
  }

  /** `dropped 3 events: client-disconnect=2, rate-limit=1`, or undefined when nothing was dropped. */
  summary(): string | undefined {
    const total = this.total;
    if (total === 0) return undefined;
    const parts = [...this._counts].sort(([a], [b]) => a.localeCompare(b)).map(([reason, n]) => `${reason}=${n}`);
    return `dropped ${total} event${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
  }

  /** Prints the summary once, when the process exits (also after process.exit()). */
  reportAtExit(proc: NodeJS.Process = process): void {
    proc.once('exit', () => {
      const line = this.summary();
      if (line) this._log.info(line);
    });
  }
}
