/**
 * The runs ticked in the table, to compare them.
 */
import { IRunSummary } from '../api/types';

/** The selected runs, in the order they were selected, and the last row clicked. */
export class RunSelection {
  /** The selected runs' ids, in the order they were selected. */
  get ids(): readonly string[] {
    return [...this._ids];
  }

  /** Whether a run is selected. */
  has(runId: string): boolean {
    return this._ids.has(runId);
  }

  /**
   * Select or unselect the table's run at `index` (`rowAt` gives a row's run, undefined
   * when not loaded). With `range`, every loaded run from the last one clicked to this
   * one takes this one's new state (Shift-click). False when there is no run at `index`.
   */
  toggle(
    rowAt: (index: number) => IRunSummary | undefined,
    index: number,
    range: boolean
  ): boolean {
    const run = rowAt(index);
    if (!run) {
      return false;
    }
    const select = !this._ids.has(run.id);
    const anchor = this._anchor;
    if (range && anchor !== null && anchor !== index) {
      const [from, to] = anchor < index ? [anchor, index] : [index, anchor];
      for (let i = from; i <= to; i++) {
        const id = rowAt(i)?.id;
        if (id === undefined) {
          continue;
        }
        if (select) {
          this._ids.add(id);
        } else {
          this._ids.delete(id);
        }
      }
    } else if (select) {
      this._ids.add(run.id);
    } else {
      this._ids.delete(run.id);
    }
    this._anchor = index;
    return true;
  }

  /** Unselect one run (it left the table); false when it was not selected. */
  remove(runId: string): boolean {
    this._anchor = null;
    return this._ids.delete(runId);
  }

  /** Unselect every run. */
  clear(): void {
    this._ids.clear();
    this._anchor = null;
  }

  /** Forget the last row clicked: the rows moved, so a range from it means nothing. */
  forgetAnchor(): void {
    this._anchor = null;
  }

  private readonly _ids = new Set<string>();
  private _anchor: number | null = null;
}
