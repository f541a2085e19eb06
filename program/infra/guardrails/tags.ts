/** Guardrails of physical names, their limits, and the required tags (scope.ts, settings.ts). */
import * as fs from 'fs';
import * as path from 'path';
import { GuardrailPart, pipelineOf, TYPES } from './kit';
import { isTaggable, MOCK_ACCOUNT } from './mock-run';

export const TAGS: GuardrailPart = {
  part: 'names and tags',
  checks: {
    'every taggable resource carries every required tag with its configured value': ({ resources, settings, environment }) => {
      const required: Record<string, string> = { ...settings.tags, Environment: environment, ManagedBy: 'Pulumi' };
      const taggable = resources.filter(r => isTaggable(r.type));
      expect(taggable.length).toBeGreaterThanOrEqual(10);
      const { key } = settings.fleet.versionTag;
      for (const resource of taggable) {
        // The fleet's version tag is the pipeline's and the build projects' (checked below).
        const { [key]: _version, ...tags } = resource.inputs.tags ?? {};
        expect({ resource: resource.name, tags }).toEqual({ resource: resource.name, tags: required });
      }
    },
    'the pipeline and its build projects carry the type\'s version (fleet view); no other resource does': ({ resources, settings }) => {
      const { key, value } = settings.fleet.versionTag;
      const versioned = resources.filter(r => r.inputs.tags?.[key] !== undefined).map(r => `${r.type}::${r.name}`).sort();
      const expected = resources.filter(r => r.type === TYPES.pipeline || r.type === TYPES.project).map(r => `${r.type}::${r.name}`).sort();
      expect(versioned).toEqual(expected);
      expect(expected.length).toBeGreaterThanOrEqual(2);
      for (const resource of resources.filter(r => r.inputs.tags?.[key] !== undefined)) expect(resource.inputs.tags[key]).toBe(value);
    },
    'physical names are derived from the pipeline name and the environment suffix': ({ resources, settings, environment }) => {
      // A shared bucket is named by the platform.
      const bucket = resources.filter(r => r.type === TYPES.bucket).map(r => r.inputs.bucket);
      expect(bucket).toEqual(settings.shared?.artifactBucket ? [] : [`${settings.name}-${environment}-artifacts-${MOCK_ACCOUNT}`]);
      expect(pipelineOf(resources).name).toBe(`${settings.name}-${environment}`);
    },
    'every name fits its AWS limit (S3 bucket 63, IAM role 64)': ({ resources }) => {
      for (const bucket of resources.filter(r => r.type === TYPES.bucket)) expect(bucket.inputs.bucket.length).toBeLessThanOrEqual(63);
      for (const role of resources.filter(r => r.type === TYPES.role)) expect(role.inputs.name.length).toBeLessThanOrEqual(64);
    },
  },
  fileChecks: {
    'the tagging policy requires exactly the tag values the resources carry': ({ settings, environment }, repoRoot) => {
      const required: Record<string, string> = { ...settings.tags, Environment: environment, ManagedBy: 'Pulumi' };
      const policy = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tagging-policy.json'), 'utf-8'));
      for (const rule of Object.values<any>(policy.tags)) {
        const key = rule.tag_key['@@assign'];
        const values: string[] | undefined = rule.tag_value?.['@@assign'];
        expect(required).toHaveProperty([key]);
        if (values) expect(values).toContain(required[key]);
      }
    },
  },
};
