import { z } from 'zod';
import { PlanSchema } from './plan/plan.js';
import { ResultsSchema } from './results/model.js';
import { DeploymentRecordSchema } from './cluster/deploy.js';
import { ImagesSchema } from './build/images.js';
import { ResourceProfileSchema } from './suite/profile.js';

/** Every record streamstress writes, by the name of its emitted JSON Schema file. */
export const RECORD_SCHEMAS = {
  plan: PlanSchema,
  results: ResultsSchema,
  deployment: DeploymentRecordSchema,
  images: ImagesSchema,
  'resource-profile': ResourceProfileSchema,
} as const;

export function jsonSchemaOf(name: keyof typeof RECORD_SCHEMAS): string {
  const schema = z.toJSONSchema(RECORD_SCHEMAS[name], { target: 'draft-2020-12' });
  return `${JSON.stringify({ title: `streamstress ${name} record`, ...schema }, null, 2)}\n`;
}
