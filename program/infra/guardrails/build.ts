/** Guardrails of the Docker build and its buildspec (parts/build.ts). */
import { buildProjectOf, GuardrailPart, one, readBuildspec, stageOf, TYPES, yamlList } from './kit';
import { BUILD_VARIABLES_NAMESPACE } from '../parts/codepipeline';

export const BUILD: GuardrailPart = {
  part: 'build',
  checks: {
    'the build runs the managed buildspec on the pipeline\'s artifacts': ({ resources, settings }) => {
      const project = buildProjectOf(resources).inputs;
      expect(project.source).toEqual({ type: 'CODEPIPELINE', buildspec: settings.build.buildspec });
      expect(project.artifacts.type).toBe('CODEPIPELINE');
    },
    'the build runs privileged (docker) on the configured image and compute type': ({ resources, settings }) => {
      expect(buildProjectOf(resources).inputs.environment).toMatchObject({
        computeType: settings.build.computeType, image: settings.build.image, privilegedMode: true, type: settings.build.environmentType,
      });
    },
    'the build knows the repository URI and name and the account id': ({ resources }) => {
      expect(buildProjectOf(resources).inputs.environment.environmentVariables.map((v: any) => v.name)).toEqual(
        expect.arrayContaining(['REPOSITORY_URI', 'REPOSITORY_NAME', 'AWS_ACCOUNT_ID']));
    },
    'the build stops after the configured timeout': ({ resources, settings }) => {
      expect(buildProjectOf(resources).inputs.buildTimeout).toBe(settings.build.timeoutMinutes);
    },
    'the build caches the source and docker layers': ({ resources }) => {
      expect(buildProjectOf(resources).inputs.cache.modes).toEqual(expect.arrayContaining(['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_SOURCE_CACHE']));
    },
    'the Build action publishes its variables under the BuildVariables namespace': ({ resources }) => {
      const builds = stageOf(resources, 'Build').actions;
      expect(builds.map((a: any) => a.namespace)).toEqual([BUILD_VARIABLES_NAMESPACE]);
    },
    'build logs go to their log group, kept for the configured days': ({ resources, settings }) => {
      const logs = buildProjectOf(resources).inputs.logsConfig.cloudwatchLogs;
      const logGroup = one(resources, TYPES.logGroup, 'build-logs').inputs;
      expect(logs.status).toBe('ENABLED');
      expect(logs.groupName).toBe(logGroup.name);
      expect(logGroup.retentionInDays).toBe(settings.build.logRetentionDays);
    },
  },
  fileChecks: {
    'the buildspec at the configured path is a version 0.2 spec that logs in to ECR': ({ settings }, repoRoot) => {
      const buildspec = readBuildspec(settings, repoRoot);
      expect(buildspec).toMatch(/^version: "?0\.2"?$/m);
      expect(buildspec).toContain('get-login-password');
    },
    'every exported build variable is set with export (CodeBuild reads them from the environment)': ({ settings }, repoRoot) => {
      const text = readBuildspec(settings, repoRoot);
      const exported = yamlList(text, 'exported-variables');
      expect(exported).toEqual(expect.arrayContaining(['IMAGE_TAG', 'IMAGE_URI', 'IMAGE_DIGEST']));
      for (const name of exported) {
        expect({ name, exportedBy: new RegExp(`(^|[\\s"';&|])export ${name}(=|[\\s"']|$)`, 'm').test(text) }).toEqual({ name, exportedBy: true });
      }
    },
    'the build hands on imagedefinitions.json (ECS standard deploy) and imageDetail.json (ECS blue/green)': ({ settings }, repoRoot) => {
      const text = readBuildspec(settings, repoRoot);
      expect(yamlList(text, 'files')).toEqual(expect.arrayContaining(['imagedefinitions.json', 'imageDetail.json']));
      expect(text).toMatch(/"imageUri".*> imagedefinitions\.json/);
      expect(text).toMatch(/"ImageURI".*> imageDetail\.json/);
    },
  },
};
