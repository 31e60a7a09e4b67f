import fs from 'fs';

import { apiTypes, DOCUMENT, TYPES } from '../../scripts/api-types';

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
});
