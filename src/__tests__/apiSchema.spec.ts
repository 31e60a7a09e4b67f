import fs from 'fs';

import { apiTypes, DOCUMENT, TYPES } from '../../scripts/api-types';
import {
  COMPARE_MAX,
  COMPARE_MIN,
  COUNT_LIMIT,
  MAX_PAGE_SIZE
} from '../api/limits';

describe('the API types', () => {
  it('given the committed OpenAPI document, when its types are generated, then they are the committed ones', async () => {
    const document = JSON.parse(fs.readFileSync(DOCUMENT, 'utf8'));

    const generated = await apiTypes(document);

    const committed = fs.readFileSync(TYPES, 'utf8');
    if (generated !== committed) {
      throw new Error(
        'src/api/schema.ts is not what openapi-typescript makes of src/api/openapi.json: ' +
          'run `jlpm generate:api` and commit both files.'
      );
    }
  });

  it("given the document, then the limits the frontend applies are the server's", () => {
    expect([COMPARE_MIN, COMPARE_MAX]).toEqual([2, 50]);
    expect(MAX_PAGE_SIZE).toBe(1000);
    expect(COUNT_LIMIT).toBe(100_000);
  });
});
