/** Guardrails of the supply-chain gate (features/supply-chain/). */
import type * as Guardrails from './kit';
import * as Kit from './kit';
import { MOCK_ACCOUNT, MOCK_REGION, RegisteredResource } from './mock-run';
import { SBOM_ARTIFACT, SCAN_ACTION, SCAN_STAGE, thresholdConfiguration } from '../features/supply-chain/supply-chain';

/** The kit's helpers the checks use. */
export interface GuardrailKit {
  readonly one: typeof Guardrails.one;
  readonly statementsOf: typeof Guardrails.statementsOf;
  readonly asList: typeof Guardrails.asList;
  readonly TYPES: typeof Guardrails.TYPES;
}

const SCAN_ACTIONS = ['inspector-scan:ScanSbom', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'ecr:BatchCheckLayerAvailability'];

/** The supply-chain gate's promises (the scan between Build and the deploy stages, its grants, its evidence), one check each. */
export function supplyChainGuardrails(kit: GuardrailKit): Record<string, Guardrails.Check> {
  const { one, statementsOf, asList, TYPES } = kit;
  const stagesOf = (resources: RegisteredResource[]): any[] => one(resources, TYPES.pipeline).inputs.stages;
  const pipelineGrants = (resources: RegisteredResource[], action: string): string[] => statementsOf(one(resources, TYPES.policy, 'pipeline-policy'))
    .filter(s => s.Effect === 'Allow' && asList(s.Action).includes(action)).flatMap(s => asList(s.Resource));

  return {
    'with the supply-chain gate, the Scan stage comes right after Build, before every deploy stage; without it there is none': ({ resources, settings }) => {
      const names = stagesOf(resources).map(stage => stage.name);
      const build = names.indexOf('Build');
      expect({ scan: names.indexOf(SCAN_STAGE) === -1 ? 'none' : names.indexOf(SCAN_STAGE) - build })
        .toEqual({ scan: settings.supplyChain ? 1 : 'none' });
    },
    'the Scan stage runs Inspector on the image the build pushed (ECRImageScan, this repository, the commit tag) with the configured thresholds, and keeps the SBOM as an artifact': ({ resources, settings }) => {
      if (!settings.supplyChain) return;
      const stage = stagesOf(resources).find(s => s.name === SCAN_STAGE);
      expect(stage.actions).toEqual([{
        name: SCAN_ACTION,
        category: 'Invoke',
        owner: 'AWS',
        provider: 'InspectorScan',
        version: '1',
        outputArtifacts: [SBOM_ARTIFACT],
        configuration: {
          InspectorRunMode: 'ECRImageScan',
          ECRRepositoryName: one(resources, TYPES.repository).inputs.name,
          ImageTag: '#{BuildVariables.IMAGE_TAG}',
          ...thresholdConfiguration(settings.supplyChain),
        },
      }]);
    },
    'the pipeline role may scan, read only this stack\'s repository\'s images and write only its own managed-compute logs (and nothing of it without the gate)': ({ resources, settings }) => {
      const repository = `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT}:repository/${one(resources, TYPES.repository).inputs.name}`;
      const logGroup = `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws/codepipeline/${one(resources, TYPES.pipeline).inputs.name}`;
      const granted = Object.fromEntries([...SCAN_ACTIONS, 'logs:PutLogEvents'].map(action => [action, pipelineGrants(resources, action)]));
      expect(granted).toEqual(settings.supplyChain ? {
        'inspector-scan:ScanSbom': ['*'],
        'ecr:GetDownloadUrlForLayer': [repository],
        'ecr:BatchGetImage': [repository],
        'ecr:BatchCheckLayerAvailability': [repository],
        'logs:PutLogEvents': [logGroup, `${logGroup}:*`],
      } : Object.fromEntries([...SCAN_ACTIONS, 'logs:PutLogEvents'].map(action => [action, []])));
    },
    'with the gate, every approval request names the scan evidence (thresholds passed, where the SBOM is)': ({ resources, settings }) => {
      if (!settings.supplyChain) return;
      for (const stage of stagesOf(resources)) {
        for (const approval of stage.actions.filter((a: any) => a.category === 'Approval')) {
          expect({ stage: stage.name, evidence: /Scan gate passed \(critical<=\d+ high<=\d+[^)]*\); SBOM: .*sbom artifact/.test(approval.configuration.CustomData) })
            .toEqual({ stage: stage.name, evidence: true });
          expect(approval.configuration.CustomData.length).toBeLessThanOrEqual(500);
        }
      }
    },
    'with the gate, a failed scan reaches the topic as its own "Scan gate" message, from a rule the topic policy lets publish (none without it)': ({ resources, settings }) => {
      const rules = resources.filter(r => r.type === TYPES.rule && r.name === 'gate-scan');
      const targets = resources.filter(r => r.type === TYPES.target && r.name === 'gate-scan-to-topic');
      expect({ rules: rules.length, targets: targets.length }).toEqual(settings.supplyChain ? { rules: 1, targets: 1 } : { rules: 0, targets: 0 });
      if (!settings.supplyChain) return;
      const pipeline = one(resources, TYPES.pipeline).inputs.name;
      expect(JSON.parse(rules[0].inputs.eventPattern)).toEqual({
        'source': ['aws.codepipeline'],
        'detail-type': ['CodePipeline Stage Execution State Change'],
        'detail': { pipeline: [pipeline], stage: [SCAN_STAGE], state: ['FAILED'] },
      });
      expect(targets[0].inputs.arn).toBe(statementsOf(one(resources, TYPES.topicPolicy))[0].Resource);
      expect(JSON.parse(targets[0].inputs.inputTransformer.inputTemplate)).toMatch(/^Scan gate: /);
      expect(one(resources, TYPES.topicPolicy).inputs.policy).toContain(`:rule/${rules[0].inputs.name}`);
    },
  };
}

export const SUPPLY_CHAIN: Kit.GuardrailPart = {
  part: 'supply-chain gate',
  checks: supplyChainGuardrails({ one: Kit. one, statementsOf: Kit.statementsOf, asList: Kit.asList, TYPES: Kit.TYPES }),
};
