import { IListRuns, IRunSummary } from '../api/types';
import { RunPages } from '../runs/runsPages';
import { makeRun, makeRuns } from './runsFixtures';

/** A page of `runs`, continued by `token`. */
function pageOf(runs: IRunSummary[], token: string | null): IListRuns {
  return {
    runs,
    next_page_token: token,
    warnings: [],
    columns: { params: [], metrics: [], tags: [] }
  };
}

/** 1,000 runs newest first: a head of the first 100 and a tail of the last 100. */
function headAndTail(): { pages: RunPages; all: IRunSummary[] } {
  const all = makeRuns(1000);
  const pages = new RunPages(100);
  pages.replace(pageOf(all.slice(0, 100), '100'));
  pages.setCount({ total: 1000, complete: true, isEstimate: false });
  pages.extendTail(pageOf(all.slice(900).reverse(), 'r100'));
  return { pages, all };
}

describe('RunPages', () => {
  it('given a head and a tail, then row i is the head, the gap or the tail counted from the end', () => {
    const { pages, all } = headAndTail();

    expect(pages.rowCount).toBe(1000);
    expect(pages.rowAt(99)).toBe(all[99]);
    expect(pages.rowAt(100)).toBeUndefined();
    expect(pages.rowAt(899)).toBeUndefined();
    expect(pages.rowAt(900)).toBe(all[900]);
    expect(pages.rowAt(999)).toBe(all[999]);
    expect(pages.hasGap).toBe(true);
  });

  it('given the view in the middle, then the nearer end is walked, with its own token', () => {
    const { pages } = headAndTail();

    expect(pages.wanted(150, 180)).toEqual({
      reverse: false,
      token: '100',
      size: 100
    });
    expect(pages.wanted(700, 720)).toEqual({
      reverse: true,
      token: 'r100',
      size: 200
    });
    expect(pages.wanted(950, 999)).toBeNull();
  });

  it('given a head page holding a run of the tail, then they join in order and nothing is missing', () => {
    const { pages, all } = headAndTail();

    pages.append(pageOf(all.slice(100, 901), '901'));

    expect(pages.hasGap).toBe(false);
    expect(pages.tail).toEqual([]);
    expect(pages.rows).toEqual(all);
    expect(pages.total).toBe(1000);
    expect(pages.wanted(0, 999, true)).toBeNull();
  });

  it('given a tail that reaches the start, then it joins the head', () => {
    const all = makeRuns(150);
    const pages = new RunPages(100);
    pages.replace(pageOf(all.slice(0, 100), '100'));

    pages.extendTail(pageOf(all.slice(50).reverse(), null));

    expect(pages.rows).toEqual(all);
    expect(pages.hasGap).toBe(false);
    expect(pages.complete).toBe(true);
  });

  it('given a tail, when a run of it is removed and put back, then it is back in its place and the count follows', () => {
    const { pages, all } = headAndTail();

    const place = pages.remove(all[950].id);
    expect(place).toEqual({ tail: true, index: 49 });
    expect(pages.total).toBe(999);
    expect(pages.rowAt(998)).toBe(all[999]);

    pages.insert(all[950], place!);
    expect(pages.total).toBe(1000);
    expect(pages.rowAt(950)).toBe(all[950]);
  });

  it('given a tail, when a fresh first page brings two new runs, then they join the head and the tail stays at the end', () => {
    const { pages, all } = headAndTail();
    const fresh = [makeRun(1001), makeRun(1000), ...all.slice(0, 98)];

    pages.merge(pageOf(fresh, '98'));

    expect(pages.rows[0].name).toBe('sweep-1001');
    expect(pages.rows).toHaveLength(102);
    expect(pages.total).toBe(1002);
    expect(pages.rowAt(1001)).toBe(all[999]);
    expect(pages.tail).toHaveLength(100);
  });

  it('given a tail, when a new first page replaces the rows, then the tail is gone and a tail page asked before is dropped', () => {
    const { pages, all } = headAndTail();
    const generation = pages.generation;

    pages.replace(pageOf(all.slice(0, 100), '100'));

    expect(pages.tail).toEqual([]);
    expect(pages.total).toBeNull();
    expect(pages.generation).toBe(generation + 1);
  });

  it('given a count that stopped at its bound, then the table spans the bound, the loaded runs and one more', () => {
    const all = makeRuns(300);
    const pages = new RunPages(100);
    pages.replace(pageOf(all.slice(0, 100), '100'));
    pages.setCount({ total: 50, complete: false, isEstimate: false });

    expect(pages.rowCount).toBe(101);
    pages.setCount({ total: 1000, complete: false, isEstimate: false });
    expect(pages.rowCount).toBe(1000);
    // Not exact: a row far down is walked to from the start.
    expect(pages.wanted(600, 620)?.reverse).toBe(false);
    // The last row of the bound: the end, asked directly.
    expect(pages.wanted(990, 999)).toEqual({
      reverse: true,
      token: null,
      size: 100
    });
  });
});
