/** Guardrails of the source (parts/source.ts) and the pipeline's trigger (parts/codepipeline.ts). */
import { actionsOf, GuardrailPart, one, pipelineOf, sourceActionOf, TYPES } from './kit';
import { RegisteredResource } from './mock-run';
import { PIPELINE_COMPONENT_TYPE } from '../pipeline';

export const SOURCE: GuardrailPart = {
  part: 'source and trigger',
  checks: {
    'the source is the configured GitHub repository and branch, through an AWS CodeStarSourceConnection action': ({ resources, settings }) => {
      const sources = actionsOf(resources).filter(a => a.category === 'Source');
      expect(sources).toHaveLength(1);
      expect(sources[0]).toMatchObject({ owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' });
      expect(sources[0].configuration.FullRepositoryId).toBe(settings.source.repository);
      expect(sources[0].configuration.BranchName).toBe(settings.source.branch);
    },
    'the source uses the configured connection, or a GitHub connection the program creates': ({ resources, settings }) => {
      const arn = sourceActionOf(resources).configuration.ConnectionArn;
      expect(arn).toMatch(/^arn:aws[a-z-]*:(codeconnections|codestar-connections):/);
      if (settings.source.connectionArn) {
        expect(arn).toBe(settings.source.connectionArn);
        expect(resources.filter(r => r.type === TYPES.connection)).toHaveLength(0);
      } else {
        expect(one(resources, TYPES.connection).inputs.providerType).toBe('GitHub');
      }
    },
    'no OAuth token, no GitHub v1 (ThirdParty) action: every action is owned by AWS': ({ resources }) => {
      expect(JSON.stringify(resources.map(r => r.inputs))).not.toMatch(/OAuthToken|ThirdParty/);
      expect(actionsOf(resources).every(a => a.owner === 'AWS')).toBe(true);
    },
    'the pipeline is V2 (the provider default V1 has no triggers)': ({ resources }) => {
      expect(pipelineOf(resources).pipelineType).toBe('V2');
    },
    'one push trigger on the source action watches the configured branch and file paths': ({ resources, settings }) => {
      const pipeline = pipelineOf(resources);
      expect(pipeline.triggers).toHaveLength(1);
      const [trigger] = pipeline.triggers;
      expect(trigger.providerType).toBe('CodeStarSourceConnection');
      expect(trigger.gitConfiguration.sourceActionName).toBe(sourceActionOf(resources).name);
      expect(trigger.gitConfiguration.pushes[0].branches.includes).toEqual([settings.source.branch]);
      const filePaths = trigger.gitConfiguration.pushes[0].filePaths;
      if (settings.source.filePaths.length > 0) expect(filePaths.includes).toEqual(settings.source.filePaths);
      else expect(filePaths).toBeUndefined();
    },
    'change detection is off, so one push starts one execution': ({ resources }) => {
      expect(sourceActionOf(resources).configuration.DetectChanges).toBe('false');
    },
    'until the connection is authorized there is no pipeline, only everything else and a nextStep that says what to do': ({ resources, beforeAuthorization }) => {
      expect(beforeAuthorization.filter(r => r.type === TYPES.pipeline)).toEqual([]);
      const logical = (list: RegisteredResource[]) => list.filter(r => r.type !== TYPES.pipeline).map(r => `${r.type}::${r.name}`).sort();
      expect(logical(beforeAuthorization)).toEqual(logical(resources));
      const waiting = one(beforeAuthorization, PIPELINE_COMPONENT_TYPE).outputs;
      expect(waiting.nextStep).toContain(waiting.connectionArn);
      expect(waiting.nextStep).toMatch(/authorize.*npx projen deploy/is);
      expect(one(resources, PIPELINE_COMPONENT_TYPE).outputs.nextStep).toBeUndefined();
    },
  },
};
