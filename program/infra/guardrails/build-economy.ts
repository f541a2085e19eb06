/** Guardrails of the build's economics: the registry cache, the architecture, the deploy compute (parts/build.ts, registry.ts, stages.ts). */
import * as fs from 'fs';
import * as path from 'path';
import type * as Guardrails from './kit';
import * as Kit from './kit';
import { lifecyclePolicy } from '../parts/registry';
import { DeployStageSettings } from '../settings';

/** The kit's helpers the checks use. */
export interface EconomyKit {
  readonly one: typeof Guardrails.one;
  readonly TYPES: typeof Guardrails.TYPES;
}

type Check = (run: Guardrails.GuardrailRun) => void;
type FileCheck = (run: Guardrails.GuardrailRun, repoRoot: string) => void;

/** CodeBuild's environment type per architecture, and Lambda compute's. */
const CONTAINER_TYPES: Record<string, string> = { x86_64: 'LINUX_CONTAINER', arm64: 'ARM_CONTAINER' };
const LAMBDA_TYPES: Record<string, string> = { x86_64: 'LINUX_LAMBDA_CONTAINER', arm64: 'ARM_LAMBDA_CONTAINER' };
const LAMBDA_MAX_MINUTES = 15;

const deployProject = (resources: Guardrails.GuardrailRun['resources'], one: EconomyKit['one'], TYPES: EconomyKit['TYPES'], stage: DeployStageSettings) =>
  one(resources, TYPES.project, `deploy-${stage.name}`).inputs;

/**
 * The promises of the build's economics: a layer cache that survives between
 * builds (registry cache on one mutable tag, spared by the lifecycle policy),
 * the configured architecture, and light compute for deploys.
 */
export function economyGuardrails({ one, TYPES }: EconomyKit): Record<string, Check> {
  return {
    'release tags are immutable; only the build cache tag is excluded (IMMUTABLE_WITH_EXCLUSION)': ({ resources, settings }) => {
      const repository = one(resources, TYPES.repository).inputs;
      expect(repository.imageTagMutability).toBe('IMMUTABLE_WITH_EXCLUSION');
      // An exact filter: a wildcard would let a commit SHA tag be overwritten too.
      expect(repository.imageTagMutabilityExclusionFilters).toEqual([{ filterType: 'WILDCARD', filter: settings.registry.cacheTag }]);
      expect(settings.registry.cacheTag).not.toMatch(/^[0-9a-f]{40}$|\*/);
    },
    'the lifecycle policy never expires the build cache: its tag is selected first and allowed one image': ({ resources, settings }) => {
      const rules: any[] = JSON.parse(one(resources, TYPES.ecrLifecycle).inputs.policy).rules;
      const byPriority = [...rules].sort((a, b) => a.rulePriority - b.rulePriority);
      expect(byPriority[0].selection).toEqual({
        tagStatus: 'tagged', tagPatternList: [settings.registry.cacheTag], countType: 'imageCountMoreThan', countNumber: 1,
      });
      // The keep rule counts tagged images only: superseded (untagged) cache manifests take no release image's place.
      expect(byPriority[byPriority.length - 1].selection).toMatchObject({ tagStatus: 'tagged', tagPatternList: ['*'] });
    },
    'untagged images expire, and the configured number of release images is kept besides the cache': ({ resources, settings }) => {
      const rules: any[] = JSON.parse(one(resources, TYPES.ecrLifecycle).inputs.policy).rules;
      expect(rules.find(r => r.selection.tagStatus === 'untagged').selection.countNumber).toBe(settings.registry.untaggedExpiryDays);
      // The keep rule still counts the cache it may not expire.
      expect(rules.find(r => r.selection.tagPatternList?.[0] === '*').selection.countNumber).toBe(settings.registry.keepImages + 1);
      expect(rules).toEqual(lifecyclePolicy(settings.registry).rules);
    },
    'the build runs on the configured architecture\'s environment type (LINUX_CONTAINER x86_64, ARM_CONTAINER arm64)': ({ resources, settings }) => {
      const environment = one(resources, TYPES.project, 'build').inputs.environment;
      expect({ architecture: settings.build.architecture, type: environment.type })
        .toEqual({ architecture: settings.build.architecture, type: CONTAINER_TYPES[settings.build.architecture] });
    },
    'each deploy stage runs on its configured compute, on the build\'s architecture': ({ resources, settings }) => {
      for (const stage of settings.stages) {
        const environment = deployProject(resources, one, TYPES, stage).environment;
        const { type, computeType, image } = stage.environment;
        expect({ stage: stage.name, type: environment.type, computeType: environment.computeType, image: environment.image })
          .toEqual({ stage: stage.name, type, computeType, image });
        const lambda = stage.environment.computeType.startsWith('BUILD_LAMBDA_');
        const expected = (lambda ? LAMBDA_TYPES : CONTAINER_TYPES)[settings.build.architecture];
        expect({ stage: stage.name, type: environment.type }).toEqual({ stage: stage.name, type: expected });
      }
    },
    'a Lambda deploy stage is unprivileged, sets no timeout (Lambda stops it after 15 minutes), and an EC2 one stops after the build\'s timeout':
      ({ resources, settings }) => {
        for (const stage of settings.stages) {
          const project = deployProject(resources, one, TYPES, stage);
          const lambda = Object.values(LAMBDA_TYPES).includes(stage.environment.type);
          const got = { buildTimeout: project.buildTimeout, queuedTimeout: project.queuedTimeout, privileged: project.environment.privilegedMode };
          const buildTimeout = lambda ? undefined : settings.build.timeoutMinutes;
          expect({ stage: stage.name, ...got }).toEqual({ stage: stage.name, buildTimeout, queuedTimeout: undefined, privileged: false });
          if (lambda) {
            expect({ stage: stage.name, max: stage.environment.timeoutMinutes }).toEqual({ stage: stage.name, max: LAMBDA_MAX_MINUTES });
          }
        }
      },
  };
}

/** The promises of the managed buildspecs about the cache and the compute they run on. */
export const ECONOMY_FILE_GUARDRAILS: Record<string, FileCheck> = {
  'the build reads and refreshes the registry cache on the cache tag, with the options ECR needs (image-manifest, OCI media types)': ({ settings }, repoRoot) => {
    const text = fs.readFileSync(path.join(repoRoot, settings.build.buildspec), 'utf-8');
    expect(text).toContain(`:${settings.registry.cacheTag}`);
    expect(text).toMatch(/docker buildx build [^\n]*--cache-from "type=registry,ref=\$\{CACHE_REF\}"/);
    expect(text).toMatch(/--cache-to "\$\{CACHE_TO\}"/);
    expect(text).toContain('mode=max,image-manifest=true,oci-mediatypes=true');
  },
  'the build skips an image whose commit tag exists (release tags are immutable)': ({ settings }, repoRoot) => {
    const text = fs.readFileSync(path.join(repoRoot, settings.build.buildspec), 'utf-8');
    expect(text).toMatch(/describe-images [^\n]*imageTag="\$\{IMAGE_TAG\}"[^\n]*IMAGE_EXISTS=true/);
    // Every command that builds or pushes runs only when the image is not there yet.
    const building = text.split('\n').filter(line => /docker (buildx )?(build|push) /.test(line));
    expect(building.length).toBeGreaterThan(0);
    for (const line of building) expect(line).toMatch(/if \[ "\$\{IMAGE_EXISTS\}" = false \]/);
  },
  'a Lambda deploy buildspec has no on-failure attribute (Lambda compute rejects it)': ({ settings }, repoRoot) => {
    for (const stage of settings.stages.filter(s => Object.values(LAMBDA_TYPES).includes(s.environment.type))) {
      const text = fs.readFileSync(path.join(repoRoot, stage.buildspec), 'utf-8');
      expect({ file: stage.buildspec, onFailure: /on-failure/.test(text) }).toEqual({ file: stage.buildspec, onFailure: false });
    }
  },
};

export const BUILD_ECONOMY: Kit.GuardrailPart = {
  part: 'registry cache, architecture, deploy compute',
  checks: economyGuardrails({ one: Kit. one, TYPES: Kit.TYPES }),
  fileChecks: ECONOMY_FILE_GUARDRAILS,
};
