import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import React, { useEffect, useRef, useState } from 'react';

import { VEGALITE_MIME, VegaLiteSpec } from './charts';
import { ErrorMessage } from './ErrorMessage';

/**
 * The theme JupyterLab shows, as a number that changes whenever the theme does: the
 * renderer picks Vega's light or dark colours when it draws, so a chart is drawn again
 * after a theme change instead of keeping dark text on a dark background.
 */
function useThemeGeneration(): number {
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const observer = new MutationObserver(() => setGeneration(n => n + 1));
    observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-light', 'data-jp-theme-name']
    });
    return () => observer.disconnect();
  }, []);
  return generation;
}

/**
 * A Vega config in the colours of JupyterLab's current theme, read from its CSS variables:
 * Vega draws on a canvas, which cannot use the variables themselves, and its own dark theme
 * leaves text marks black.
 */
export function themeConfig(
  categoryColors: readonly string[] = []
): Record<string, unknown> {
  const style = getComputedStyle(document.body);
  const read = (name: string): string | undefined =>
    style.getPropertyValue(name).trim() || undefined;
  // The categories' colours, where the chart names theme variables for them (Vega's own
  // scheme starts with a dark blue that a dark theme's background swallows).
  const categories = categoryColors.map(read);
  const range =
    categories.every(Boolean) && categories.length > 0
      ? { category: categories }
      : undefined;
  const font = read('--jp-ui-font-color1');
  const muted = read('--jp-ui-font-color2');
  const grid = read('--jp-border-color2');
  const line = read('--jp-border-color1');
  const family = read('--jp-ui-font-family');
  const config = {
    font: family,
    text: { color: font },
    title: { color: font },
    axis: {
      labelColor: muted,
      titleColor: font,
      gridColor: grid,
      domainColor: line,
      tickColor: line
    },
    legend: { labelColor: font, titleColor: font },
    style: { 'guide-label': { fill: muted }, 'guide-title': { fill: font } },
    range
  };
  // Leave out what the page does not define (as in tests), so Vega's defaults apply.
  return JSON.parse(JSON.stringify(config));
}

/** Properties of {@link VegaLite}. */
export interface IVegaLiteProps {
  /** A Vega-Lite v5 specification, data inlined. */
  spec: VegaLiteSpec;
  /** JupyterLab's renderers; without them the chart is replaced by a note. */
  rendermime: IRenderMimeRegistry | null;
  /** What the chart shows, for screen readers. */
  label: string;
  /**
   * Theme variables (`--jp-brand-color1`) giving the colours of the chart's categories,
   * in order, read again when the theme changes; Vega's scheme when left out.
   */
  categoryColors?: readonly string[];
}

/**
 * A Vega-Lite chart drawn by JupyterLab's own renderer, so the extension ships no
 * charting library and the chart follows the JupyterLab theme.
 */
export function VegaLite({
  spec,
  rendermime,
  label,
  categoryColors
}: IVegaLiteProps): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const theme = useThemeGeneration();
  const canRender =
    rendermime !== null && rendermime.mimeTypes.includes(VEGALITE_MIME);

  useEffect(() => {
    if (!canRender || !host.current) {
      return;
    }
    let renderer: IRenderMime.IRenderer | null =
      rendermime!.createRenderer(VEGALITE_MIME);
    const model = new MimeModel({
      data: {
        [VEGALITE_MIME]: spec as any,
        // The renderer draws every chart a second time into a PNG for the notebook's
        // output unless one is there already; a view never saves it, so skip that work.
        'image/png': 'unused'
      },
      metadata: {
        [VEGALITE_MIME]: {
          embed_options: { config: themeConfig(categoryColors) as any }
        }
      },
      trusted: true
    });
    host.current.appendChild(renderer.node);
    renderer
      .renderModel(model)
      .then(() => setError(null))
      .catch((reason: Error) => setError(reason.message));
    return () => {
      // The renderer's node was appended by hand, not attached as a Lumino widget, so
      // disposing it leaves the node: remove it, or a redraw shows the chart twice.
      renderer?.node.remove();
      renderer?.dispose();
      renderer = null;
    };
  }, [spec, rendermime, canRender, theme, categoryColors]);

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
      <ErrorMessage
        message={
          error === null ? null : `The chart could not be drawn: ${error}`
        }
      />
    </figure>
  );
}
