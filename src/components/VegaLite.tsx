import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import React, { useEffect, useRef, useState } from 'react';

/** The Vega-Lite version JupyterLab's own renderer (vega5-extension) draws. */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** Properties of {@link VegaLite}. */
export interface IVegaLiteProps {
  /** A Vega-Lite v5 specification, data inlined. */
  spec: Record<string, unknown>;
  /** JupyterLab's renderers; without them the chart is replaced by a note. */
  rendermime: IRenderMimeRegistry | null;
  /** What the chart shows, for screen readers. */
  label: string;
}

/**
 * A Vega-Lite chart drawn by JupyterLab's own renderer, so the extension ships no
 * charting library and the chart follows the JupyterLab theme.
 */
export function VegaLite({
  spec,
  rendermime,
  label
}: IVegaLiteProps): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const canRender =
    rendermime !== null && rendermime.mimeTypes.includes(VEGALITE_MIME);

  useEffect(() => {
    if (!canRender || !host.current) {
      return;
    }
    let renderer: IRenderMime.IRenderer | null =
      rendermime!.createRenderer(VEGALITE_MIME);
    const model = new MimeModel({
      data: { [VEGALITE_MIME]: spec as any },
      trusted: true
    });
    host.current.appendChild(renderer.node);
    renderer
      .renderModel(model)
      .then(() => setError(null))
      .catch((reason: Error) => setError(reason.message));
    return () => {
      renderer?.dispose();
      renderer = null;
    };
  }, [spec, rendermime, canRender]);

  if (!canRender) {
    return (
      <div className="jp-MlopsChart-unavailable">
        Charts need JupyterLab&apos;s Vega-Lite renderer, which is disabled.
      </div>
    );
  }
  return (
    <figure className="jp-MlopsChart" aria-label={label}>
      <div ref={host} />
      {error !== null && (
        <div className="jp-MlopsPanel-error" role="alert">
          The chart could not be drawn: {error}
        </div>
      )}
    </figure>
  );
}
