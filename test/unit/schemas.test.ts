import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECORD_SCHEMAS, jsonSchemaOf } from '../../src/schemas.js';
import { ROOT } from '../helpers/cli.js';

// The JSON Schemas in schemas/ are what other tools read; they must follow the zod schemas.
// `npm run schemas` rewrites them.
describe('emitted JSON Schemas', () => {
  it.each(Object.keys(RECORD_SCHEMAS) as (keyof typeof RECORD_SCHEMAS)[])(
    'schemas/%s.schema.json matches the zod schema',
    (name) => {
      const file = `${ROOT}schemas/${name}.schema.json`;
      const emitted = jsonSchemaOf(name);
      if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(file, emitted);
      expect(existsSync(file), `${file} is missing: run npm run schemas`).toBe(true);
      expect(readFileSync(file, 'utf8'), 'out of date: run npm run schemas').toBe(emitted);
      expect(JSON.parse(emitted).properties.schemaVersion).toEqual({ type: 'number', const: 1 });
    },
  );
});
