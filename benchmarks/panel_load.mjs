// The side panel and the lineage view timed in Debian's Chromium against a running JupyterLab.
//
// Started by panel_load.py, which seeds the store and starts the server, with the path of a
// JSON file: {lab, oldestRunId, lineage: {kind, nodeId}, tries, scroll, timeoutMs, mlflow?},
// or, on the 1M-run store, {lab, oldestRunId, tries, timeoutMs, million: {filter,
// scrollRows}}. Prints one JSON document with every try's times to stdout; progress goes
// to stderr.
//
// Every try opens a fresh browser context (no cache, no storage) on a workspace reset so that
// the left area is collapsed and the main area empty. Times are taken inside the page with
// performance.now() (and event.timeStamp, on the same clock), so Playwright's own round
// trips are not in them. "Painted" is the first task after the next animation frame once the
// element is in the DOM and visible: the frame that shows it has been produced by then.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'ui-tests', 'package.json'));
const { chromium } = require('@playwright/test');

const PANEL_TAB = '.jp-SideBar [data-id="mlops-jlab-panel"]';
const ROW = '#mlops-jlab-panel [role="row"][data-run-id]';
const SCROLLER = '#mlops-jlab-panel .jp-MlopsRuns-scroller';
const LAID_OUT = '.jp-MlopsLineage[data-laid-out="true"]';
const SECTION = '#mlops-jlab-panel .jp-MlopsRuns';
const FILTER = '#mlops-jlab-panel input[aria-label="Filter runs"]';
const COUNT = '#mlops-jlab-panel .jp-MlopsRuns-count';
const VIEWPORT = { width: 1440, height: 900 };

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const log = message => process.stderr.write(`${message}\n`);

/** The workspace every try starts from: left area collapsed, nothing in the main area. */
async function resetWorkspace() {
  const body = {
    data: {
      'layout-restorer:data': {
        // No `current` keys: JupyterLab's restorer takes a null one for a widget name.
        main: { dock: null },
        left: { collapsed: true, visible: true, widgets: [] },
        right: { collapsed: true, visible: true, widgets: [] },
        down: { size: 0, collapsed: true, widgets: [] },
        relativeSizes: [0.2, 0.8, 0]
      }
    },
    metadata: { id: 'default' }
  };
  const response = await fetch(`${config.lab}lab/api/workspaces/default`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body)
  });
  if (!response.ok) {
    throw new Error(`resetting the workspace answered ${response.status}`);
  }
}

/** A fresh page on JupyterLab, started and idle, with the panel's tab shown. */
async function freshLab(browser) {
  await resetWorkspace();
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  page.on('pageerror', error => log(`  page error: ${error.message}`));
  await page.goto(`${config.lab}lab`);
  await page.waitForFunction(() => window.jupyterapp !== undefined, null, {
    timeout: config.timeoutMs
  });
  await page.evaluate(() => window.jupyterapp.restored);
  await page.locator(PANEL_TAB).waitFor({ state: 'visible' });
  // Let the start-up work (kernel specs, settings, the news check) settle first.
  await page
    .waitForLoadState('networkidle', { timeout: 15000 })
    .catch(() => undefined);
  await page.waitForTimeout(1000);
  await page.evaluate(() => {
    performance.setResourceTimingBufferSize(100000);
    performance.clearResourceTimings();
  });
  return { context, page };
}

/**
 * Installs a watcher in the page: once `selector` matches a visible element (checked on
 * every DOM change and every frame), the time after the next paint goes to
 * window.__bench[name].painted.
 */
async function watchFor(page, name, selector) {
  await page.evaluate(
    ({ name, selector }) => {
      const state = { painted: null, found: null };
      window.__bench = window.__bench || {};
      window.__bench[name] = state;
      let done = false;
      const check = () => {
        if (done) {
          return;
        }
        const element = document.querySelector(selector);
        if (
          element &&
          element.checkVisibility() &&
          element.getBoundingClientRect().height > 0
        ) {
          done = true;
          observer.disconnect();
          state.found = performance.now();
          requestAnimationFrame(() =>
            setTimeout(() => {
              state.painted = performance.now();
            }, 0)
          );
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, {
        childList: true,
        subtree: true,
        attributes: true
      });
      const frame = () => {
        check();
        if (!done) {
          requestAnimationFrame(frame);
        }
      };
      requestAnimationFrame(frame);
    },
    { name, selector }
  );
}

async function painted(page, name) {
  await page.waitForFunction(n => window.__bench[n].painted !== null, name, {
    timeout: config.timeoutMs,
    polling: 50
  });
  return page.evaluate(n => window.__bench[n], name);
}

/** The API requests the page made from `start` to `end` (ms on the page's clock). */
async function requestsBetween(page, start, end, pattern) {
  return page.evaluate(
    ({ start, end, pattern }) =>
      performance
        .getEntriesByType('resource')
        .filter(e => e.startTime >= start && e.responseEnd <= end)
        .filter(e => (pattern ? e.name.includes(pattern) : true))
        .map(e => ({
          url: e.name,
          path:
            new URL(e.name).pathname.split('/api/').pop() +
            new URL(e.name).search,
          start: e.startTime - start,
          ms: e.responseEnd - e.startTime,
          // Sending to the first byte of the answer: the server's time and the loopback.
          waiting: e.responseStart - e.requestStart,
          bytes: e.encodedBodySize
        })),
    { start, end, pattern }
  );
}

/** The other files the page fetched meanwhile (scripts and styles loaded on demand). */
async function otherFiles(page, start, end, pattern) {
  const all = await requestsBetween(page, start, end, null);
  const others = all.filter(r => !r.url.includes(pattern));
  return {
    count: others.length,
    bytes: others.reduce((sum, r) => sum + r.bytes, 0),
    ms_total: round(others.reduce((sum, r) => sum + r.ms, 0))
  };
}

function summarise(requests) {
  return {
    count: requests.length,
    ms_total: round(requests.reduce((sum, r) => sum + r.ms, 0)),
    waiting_ms_total: round(requests.reduce((sum, r) => sum + r.waiting, 0)),
    requests: requests.slice(0, 5).map(({ url, ...r }) => ({
      ...r,
      start: round(r.start),
      ms: round(r.ms),
      waiting: round(r.waiting)
    }))
  };
}

const round = value => Math.round(value * 10) / 10;

/**
 * Start the clock of the measure `name` at the next `type` event on `selector`, by the
 * event's own time (before any handler of the page runs).
 */
async function startOn(page, selector, type, name) {
  await page.evaluate(
    ([target, eventType, measure]) => {
      document.querySelector(target).addEventListener(
        eventType,
        event => {
          window.__bench[measure].start = event.timeStamp;
        },
        { capture: true, once: true }
      );
    },
    [selector, type, name]
  );
}

/** Click the panel's tab; time until the first run row is painted. */
async function openPanel(page) {
  await watchFor(page, 'open', ROW);
  await startOn(page, PANEL_TAB, 'pointerdown', 'open');
  await page.click(PANEL_TAB);
  const state = await painted(page, 'open');
  const api = await requestsBetween(
    page,
    state.start,
    state.painted,
    '/mlops-jlab/api/'
  );
  const rows = await page.locator(ROW).count();
  return {
    ms: round(state.painted - state.start),
    in_dom_ms: round(state.found - state.start),
    rows_in_dom: rows,
    api: summarise(api),
    other_files: await otherFiles(
      page,
      state.start,
      state.painted,
      '/mlops-jlab/api/'
    )
  };
}

/** Scroll the runs table to its bottom, again as it grows, until the oldest run is painted. */
async function scrollToEnd(page, oldestRunId) {
  await page.locator(SCROLLER).waitFor({ state: 'visible' });
  const target = `#mlops-jlab-panel [role="row"][data-run-id="${oldestRunId}"]`;
  await watchFor(page, 'scroll', target);
  await page.evaluate(scroller => {
    const element = document.querySelector(scroller);
    const state = window.__bench.scroll;
    state.start = performance.now();
    state.scrolls = 0;
    const down = () => {
      if (state.found !== null) {
        return;
      }
      if (element.scrollTop + element.clientHeight < element.scrollHeight - 1) {
        element.scrollTop = element.scrollHeight;
        state.scrolls += 1;
      }
      requestAnimationFrame(down);
    };
    down();
  }, SCROLLER);
  const state = await painted(page, 'scroll');
  const api = await requestsBetween(
    page,
    state.start,
    state.painted,
    '/mlops-jlab/api/'
  );
  return {
    ms: round(state.painted - state.start),
    scroll_steps: state.scrolls,
    api: summarise(api)
  };
}

/** Execute the lineage command; time until its graph is laid out and painted. */
async function openLineage(page, lineage) {
  await watchFor(page, 'lineage', LAID_OUT);
  await page.evaluate(
    args => {
      window.__bench.lineage.start = performance.now();
      void window.jupyterapp.commands.execute('mlops-jlab:open-lineage', args);
    },
    { kind: lineage.kind, nodeId: lineage.nodeId }
  );
  const state = await painted(page, 'lineage');
  const view = page.locator(LAID_OUT).first();
  const nodes = Number(await view.getAttribute('data-node-count'));
  // The view's own measure of its layout (dagre), a part of the time.
  const layoutMs = Number(await view.getAttribute('data-layout-ms'));
  const api = await requestsBetween(
    page,
    state.start,
    state.painted,
    '/mlops-jlab/api/'
  );
  return {
    ms: round(state.painted - state.start),
    in_dom_ms: round(state.found - state.start),
    nodes,
    layout_ms: Number.isNaN(layoutMs) ? null : layoutMs,
    api: summarise(api),
    other_files: await otherFiles(
      page,
      state.start,
      state.painted,
      '/mlops-jlab/api/'
    )
  };
}

/** MLflow's UI: open the experiment's page, time until its first run rows are painted. */
async function mlflowFirstRows(browser, mlflow) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  // The app's shell and its list of experiments first, then the experiment's page as a
  // click in that list opens it: the scripts that page loads on demand are in the time
  // (other_files), as they are for a user.
  await page.goto(`${mlflow.url}#/experiments`);
  // The list of experiments (its UI polls, so the network never goes idle).
  await page
    .locator(`a[href*="experiments/${mlflow.experimentId}"]`)
    .first()
    .waitFor({ state: 'visible', timeout: config.timeoutMs });
  await page.waitForTimeout(1500);
  await page.evaluate(() => {
    performance.setResourceTimingBufferSize(100000);
    performance.clearResourceTimings();
  });
  await watchFor(page, 'mlflow', mlflow.rowSelector);
  await page.evaluate(url => {
    window.__bench.mlflow.start = performance.now();
    window.location.hash = url;
  }, `#/experiments/${mlflow.experimentId}/runs`);
  const state = await painted(page, 'mlflow');
  const api = await requestsBetween(
    page,
    state.start,
    state.painted,
    '/ajax-api/'
  );
  const rows = await page.locator(mlflow.rowSelector).count();
  const other = await otherFiles(
    page,
    state.start,
    state.painted,
    '/ajax-api/'
  );
  await context.close();
  return {
    ms: round(state.painted - state.start),
    in_dom_ms: round(state.found - state.start),
    rows_in_dom: rows,
    api: summarise(api),
    other_files: other
  };
}

/**
 * Type a filter and press Enter; time from the Enter key to the first row of its answer
 * painted (the section is busy while a query is on its way, then shows its rows), and
 * to its count shown.
 */
async function typeFilter(page, filter) {
  await page.locator(FILTER).fill(filter);
  await page.evaluate(
    ({ section, row, count }) => {
      const state = {
        painted: null,
        found: null,
        counted: null,
        sawBusy: false
      };
      window.__bench.filter = state;
      const root = document.querySelector(section);
      let done = false;
      const check = () => {
        const busy = root.classList.contains('jp-mod-busy');
        state.sawBusy = state.sawBusy || busy;
        const counter = document.querySelector(count);
        if (
          state.sawBusy &&
          !busy &&
          state.counted === null &&
          counter &&
          !counter.textContent.includes('counting') &&
          /\d/.test(counter.textContent)
        ) {
          state.counted = performance.now();
        }
        const element = document.querySelector(row);
        if (!done && state.sawBusy && !busy && element?.checkVisibility()) {
          done = true;
          state.found = performance.now();
          requestAnimationFrame(() =>
            setTimeout(() => (state.painted = performance.now()), 0)
          );
        }
      };
      new MutationObserver(check).observe(root, {
        childList: true,
        subtree: true,
        attributes: true,
        characterData: true
      });
    },
    { section: SECTION, row: ROW, count: COUNT }
  );
  await startOn(page, FILTER, 'keydown', 'filter');
  await page.locator(FILTER).press('Enter');
  const state = await painted(page, 'filter');
  await page.waitForFunction(
    () => window.__bench.filter.counted !== null,
    null,
    {
      timeout: config.timeoutMs,
      polling: 50
    }
  );
  const counted = await page.evaluate(() => window.__bench.filter.counted);
  const api = await requestsBetween(
    page,
    state.start,
    state.painted,
    '/mlops-jlab/api/'
  );
  return {
    ms: round(state.painted - state.start),
    in_dom_ms: round(state.found - state.start),
    count_shown_ms: round(counted - state.start),
    count_text: await page.locator(COUNT).textContent(),
    api: summarise(api)
  };
}

/** Focus the first row in view and press End; time until the oldest run is painted. */
async function pressEnd(page, oldestRunId) {
  const target = `#mlops-jlab-panel [role="row"][data-run-id="${oldestRunId}"]`;
  await watchFor(page, 'end', target);
  await page.evaluate(row => {
    const first = document.querySelector(row);
    first.focus();
    first.addEventListener(
      'keydown',
      event => {
        window.__bench.end.start = event.timeStamp;
      },
      { capture: true, once: true }
    );
  }, ROW);
  await page.keyboard.press('End');
  const state = await painted(page, 'end');
  const api = await requestsBetween(
    page,
    state.start,
    state.painted,
    '/mlops-jlab/api/'
  );
  return {
    ms: round(state.painted - state.start),
    in_dom_ms: round(state.found - state.start),
    api: summarise(api)
  };
}

/**
 * Scroll the runs table down a view at a time, each step once the rows in view are
 * loaded, until the row `rows` is painted; the time taken and the requests made.
 */
async function scrollThrough(page, rows) {
  const started = await page.evaluate(() => performance.now());
  await page.evaluate(
    ({ scroller, rows }) =>
      new Promise((resolve, reject) => {
        const element = document.querySelector(scroller);
        const deadline = performance.now() + 120000;
        const step = () => {
          if (element.querySelector(`[data-index="${rows}"][data-run-id]`)) {
            resolve();
            return;
          }
          if (performance.now() > deadline) {
            reject(new Error(`row ${rows} never painted`));
            return;
          }
          if (!element.querySelector('.jp-mod-placeholder')) {
            element.scrollTop += element.clientHeight;
          }
          requestAnimationFrame(step);
        };
        step();
      }),
    { scroller: SCROLLER, rows }
  );
  const ended = await page.evaluate(() => performance.now());
  const api = await requestsBetween(page, started, ended, '/mlops-jlab/api/');
  return { rows, ms: round(ended - started), api: summarise(api) };
}

/** The tab's JS heap in use after a garbage collection, in MB (CDP's own measure). */
async function heapMb(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const used = metrics.find(metric => metric.name === 'JSHeapUsedSize').value;
  return round(used / 1024 / 1024);
}

/** The trace events named so, summed: where the page's main thread spent its time. */
const TRACED = [
  'RunTask',
  'FunctionCall',
  'EvaluateScript',
  'V8.GC_SCAVENGER',
  'MajorGC',
  'MinorGC',
  'UpdateLayoutTree',
  'Layout',
  'PrePaint',
  'Paint',
  'Layerize',
  'ParseHTML',
  'ResourceReceivedData'
];

/**
 * `measure()` under a Chromium performance trace (CDP tracing, the timeline categories);
 * its result, with the renderer main thread's busy time by event name (`RunTask`: every
 * task, the others nested in them) over the trace.
 */
async function traced(browser, page, measure) {
  await browser.startTracing(page, {
    categories: [
      'devtools.timeline',
      'disabled-by-default-devtools.timeline',
      'v8'
    ]
  });
  const result = await measure();
  const { traceEvents } = JSON.parse((await browser.stopTracing()).toString());
  const threads = traceEvents.filter(
    e => e.name === 'thread_name' && e.args?.name === 'CrRendererMain'
  );
  // The page's renderer: the main thread that ran the most tasks.
  let busiest = null;
  for (const thread of threads) {
    const tasks = traceEvents.filter(
      e => e.pid === thread.pid && e.tid === thread.tid && e.name === 'RunTask'
    ).length;
    if (!busiest || tasks > busiest.tasks) {
      busiest = { pid: thread.pid, tid: thread.tid, tasks };
    }
  }
  const busy = {};
  for (const event of traceEvents) {
    if (
      busiest &&
      event.pid === busiest.pid &&
      event.tid === busiest.tid &&
      event.ph === 'X' &&
      TRACED.includes(event.name)
    ) {
      busy[event.name] = (busy[event.name] ?? 0) + event.dur / 1000;
    }
  }
  const spans = traceEvents.filter(e => e.ts > 0).map(e => e.ts);
  return {
    ...result,
    trace: {
      span_ms: round((Math.max(...spans) - Math.min(...spans)) / 1000),
      main_thread_ms: Object.fromEntries(
        Object.entries(busy).map(([name, ms]) => [name, round(ms)])
      )
    }
  };
}

/**
 * One try on the 1M-run store: the panel opened, End, the JS heap around scrolling and
 * End; then, on a fresh page, a broad filter typed. With `config.trace`, the panel's
 * opening and the filter are timed under a performance trace.
 */
async function millionTry(browser) {
  const result = {};
  let { context, page } = await freshLab(browser);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  result.open_panel = config.trace
    ? await traced(browser, page, () => openPanel(page))
    : await openPanel(page);
  // The build the page runs (the server may find another than the one measured).
  result.remote_entry = await page.evaluate(() =>
    Array.from(document.querySelectorAll('script[src*="mlops-jlab"]'))
      .map(script => script.src.split('/').pop())
      .find(name => name.startsWith('remoteEntry.'))
  );
  log(`  try ${config.number}: panel ${result.open_panel.ms} ms`);
  const heap = { after_open_mb: await heapMb(cdp) };
  result.scroll = await scrollThrough(page, config.million.scrollRows);
  heap.after_scroll_mb = await heapMb(cdp);
  log(`  try ${config.number}: scrolled ${result.scroll.rows} rows`);
  result.end = await pressEnd(page, config.oldestRunId);
  heap.after_end_mb = await heapMb(cdp);
  result.heap = heap;
  log(
    `  try ${config.number}: End ${result.end.ms} ms, heap ${JSON.stringify(heap)}`
  );
  await context.close();
  ({ context, page } = await freshLab(browser));
  await openPanel(page);
  await page.waitForTimeout(500);
  result.filter = config.trace
    ? await traced(browser, page, () => typeFilter(page, config.million.filter))
    : await typeFilter(page, config.million.filter);
  log(
    `  try ${config.number}: filter ${result.filter.ms} ms, count ${result.filter.count_shown_ms} ms`
  );
  await context.close();
  return result;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking']
  });
  const results = { browser: browser.version(), viewport: VIEWPORT, tries: [] };
  try {
    for (let index = 0; config.million && index < config.tries; index++) {
      results.tries.push(await millionTry(browser));
    }
    for (let index = 0; !config.million && index < config.tries; index++) {
      const tryResult = {};
      let { context, page } = await freshLab(browser);
      tryResult.open_panel = await openPanel(page);
      log(`  try ${config.number}: panel ${tryResult.open_panel.ms} ms`);
      if (config.scroll) {
        tryResult.scroll_to_end = await scrollToEnd(page, config.oldestRunId);
        log(
          `  try ${config.number}: scroll to the end ${tryResult.scroll_to_end.ms} ms`
        );
      }
      await context.close();
      ({ context, page } = await freshLab(browser));
      tryResult.lineage = await openLineage(page, config.lineage);
      log(
        `  try ${config.number}: lineage ${tryResult.lineage.ms} ms (${tryResult.lineage.nodes} nodes)`
      );
      await context.close();
      results.tries.push(tryResult);
    }
    if (config.mlflow) {
      results.mlflow = [];
      for (let index = 0; index < config.mlflow.tries; index++) {
        const tryResult = await mlflowFirstRows(browser, config.mlflow);
        log(`  try ${config.number}: MLflow first rows ${tryResult.ms} ms`);
        results.mlflow.push(tryResult);
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch(error => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
