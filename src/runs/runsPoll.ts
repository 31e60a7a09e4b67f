/**
 * The runs table's live refresh: a poll that runs only while the table is on screen and
 * an interval is set, and backs off while the server fails.
 */
import { Poll } from '@lumino/polling';

/** The refresh interval unless the settings say otherwise (their default), in seconds. */
const DEFAULT_INTERVAL = 1.5;

/** The longest wait between refreshes while the server keeps failing, in ms. */
const MAX_BACKOFF = 60 * 1000;

/** Calls `refresh` every interval while visible; a rejected refresh backs the poll off. */
export class RunsPoll {
  constructor(refresh: () => Promise<void>, seconds?: number) {
    this._interval = Math.max(0, seconds ?? DEFAULT_INTERVAL);
    this._poll = new Poll({
      auto: false,
      factory: refresh,
      frequency: {
        interval: this._intervalMs(),
        backoff: true,
        max: MAX_BACKOFF
      },
      name: 'mlops-jlab:runs',
      standby: 'when-hidden'
    });
  }

  /** Seconds between refreshes; 0 when off. */
  get interval(): number {
    return this._interval;
  }

  /** Whether the refresh is scheduled (visible, and an interval set). */
  get polling(): boolean {
    const phase = this._poll.state.phase;
    return phase !== 'stopped' && phase !== 'constructed';
  }

  /** Seconds between refreshes while visible; 0 turns the refresh off. */
  setInterval(seconds: number): void {
    const interval = Number.isFinite(seconds) ? Math.max(0, seconds) : 0;
    if (interval === this._interval) {
      return;
    }
    this._interval = interval;
    if (interval > 0) {
      this._poll.frequency = {
        ...this._poll.frequency,
        interval: this._intervalMs()
      };
    }
    this._schedule();
  }

  /** Whether the table is on screen: the refresh runs only then. */
  setVisible(visible: boolean): void {
    this._visible = visible;
    this._schedule();
  }

  dispose(): void {
    this._poll.dispose();
  }

  private _schedule(): void {
    if (this._visible && this._interval > 0 && !this._poll.isDisposed) {
      void this._poll.start();
    } else {
      void this._poll.stop();
    }
  }

  private _intervalMs(): number {
    // The poll needs some interval even while off.
    return Math.round(
      (this._interval > 0 ? this._interval : DEFAULT_INTERVAL) * 1000
    );
  }

  private readonly _poll: Poll;
  private _interval: number;
  private _visible = false;
}
