/**
 * The Vega-Lite version every chart is written in: v5, the one JupyterLab's own renderer
 * (vega5-extension) draws.
 */

/** The MIME type of a Vega-Lite v5 specification. */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** The JSON schema a specification names. */
export const VEGALITE_SCHEMA =
  'https://vega.github.io/schema/vega-lite/v5.json';

/** A Vega-Lite specification, its data inlined. */
export type VegaLiteSpec = Record<string, unknown>;
