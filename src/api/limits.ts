/**
 * The REST API's limits as its OpenAPI document states them (./openapi.json, written from
 * the server's pydantic models and default limits by `jlpm generate:api`), so the server
 * stays their one home and the frontend follows when they change.
 */
import openapi from './openapi.json';

/** A bound the document states; a missing one means the document changed shape. */
function stated(value: unknown, what: string): number {
  if (typeof value !== 'number') {
    throw new Error(
      `src/api/openapi.json states no ${what}: run \`jlpm generate:api\``
    );
  }
  return value;
}

const runIds = openapi.components.schemas.CompareRuns.properties.run_ids;

/** The fewest runs `POST runs/compare` takes. */
export const COMPARE_MIN = stated(runIds.minItems, 'fewest runs to compare');

/** The most runs `POST runs/compare` takes. */
export const COMPARE_MAX = stated(runIds.maxItems, 'most runs to compare');

const pageSize = openapi.paths['/runs'].get.parameters.find(
  parameter => parameter.name === 'page_size'
)?.schema;

/** The most runs one page of `GET runs` holds (a server's default limit). */
export const MAX_PAGE_SIZE = stated(pageSize?.maximum, 'largest page of runs');

const countLimit = openapi.paths['/runs/count'].get.parameters.find(
  parameter => parameter.name === 'limit'
)?.schema;

/** How many runs `GET runs/count` counts before it stops (`complete: false`). */
export const COUNT_LIMIT = stated(
  countLimit?.default,
  'bound of a count of runs'
);
