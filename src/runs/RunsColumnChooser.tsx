import { tableRowsIcon } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import { IKeyColumn, keyColumnId, RunKeyKind } from './runsKeys';
import { RunsModel } from './runsModel';

/** Properties of {@link RunsColumnChooser}. */
export interface IRunsColumnChooserProps {
  model: RunsModel;
}

const GROUPS: [RunKeyKind, string][] = [
  ['metrics', 'Metrics'],
  ['params', 'Params'],
  ['tags', 'Tags']
];

/**
 * The "Columns" button and its popup: every param, metric and tag key seen in the runs
 * loaded, each with a checkbox that shows or hides its column. A search narrows long
 * lists; Escape or the button closes it.
 */
export function RunsColumnChooser({
  model
}: IRunsColumnChooserProps): JSX.Element {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!open) {
      return;
    }
    searchRef.current?.focus();
    // A click anywhere else closes it, as JupyterLab's own menus do.
    const onPointerDown = (event: Event) => {
      if (!rootRef.current?.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    document.addEventListener('pointerdown', onPointerDown, true);
    return () =>
      document.removeEventListener('pointerdown', onPointerDown, true);
  }, [open]);

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };

  const shown = new Set(model.visibleKeys.map(keyColumnId));
  const needle = search.trim().toLowerCase();
  const keys = model.keys;
  const total = keys.params.length + keys.metrics.length + keys.tags.length;

  return (
    <div className="jp-MlopsRuns-chooser" ref={rootRef}>
      <button
        ref={buttonRef}
        className="jp-Button jp-mod-minimal jp-mod-small jp-MlopsRuns-toolButton"
        aria-haspopup="dialog"
        aria-expanded={open}
        title="Choose the param, metric and tag columns"
        onClick={() => setOpen(!open)}
      >
        <tableRowsIcon.react tag="span" className="jp-MlopsRuns-buttonIcon" />
        Columns
      </button>
      {open && (
        <div
          className="jp-MlopsRuns-chooserPopup"
          role="dialog"
          aria-label="Choose columns"
          onKeyDown={event => {
            if (event.key === 'Escape') {
              event.stopPropagation();
              close();
            }
          }}
        >
          <input
            ref={searchRef}
            className="jp-mod-styled jp-MlopsRuns-chooserSearch"
            type="search"
            placeholder="Search keys"
            aria-label="Search column keys"
            value={search}
            onChange={event => setSearch(event.target.value)}
          />
          {total === 0 && (
            <p className="jp-MlopsPanel-hint">
              No params, metrics or tags in the runs loaded.
            </p>
          )}
          {GROUPS.map(([kind, title]) => {
            const matching = keys[kind].filter(key =>
              key.toLowerCase().includes(needle)
            );
            if (matching.length === 0) {
              return null;
            }
            return (
              <fieldset key={kind} className="jp-MlopsRuns-chooserGroup">
                <legend>{title}</legend>
                {matching.map(key => {
                  const column: IKeyColumn = { kind, key };
                  const id = keyColumnId(column);
                  return (
                    <label key={id} className="jp-MlopsRuns-chooserItem">
                      <input
                        type="checkbox"
                        checked={shown.has(id)}
                        onChange={() => model.toggleKey(column)}
                      />
                      <span>{key}</span>
                    </label>
                  );
                })}
              </fieldset>
            );
          })}
          <div className="jp-MlopsRuns-chooserFooter">
            <button
              className="jp-Button jp-mod-styled jp-mod-reject"
              onClick={() => model.setVisibleKeys([])}
            >
              Hide all
            </button>
            <button
              className="jp-Button jp-mod-styled jp-mod-accept"
              onClick={close}
            >
              Done
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
