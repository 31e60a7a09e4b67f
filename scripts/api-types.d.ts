/** The OpenAPI document the types are generated from (src/api/openapi.json). */
export const DOCUMENT: string;

/** The generated types (src/api/schema.ts). */
export const TYPES: string;

/** The types of an OpenAPI document, as the text of a TypeScript module. */
export function apiTypes(document: object): Promise<string>;
