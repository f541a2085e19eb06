import { JsonFile, Project } from 'projen';
import { ENVIRONMENT_PATTERN, NameKey, nameRules } from './naming';
import { PipelineModel } from './pipeline-model';

/**
 * The settings the shipped Pulumi program reads (`infra/pipeline-settings.json`).
 * Its shape is the program's `PipelineSettings`; a test in this repository
 * type-checks one against the other.
 */
export function renderSettings(model: PipelineModel, buildspecPath: string, pulumiProject: string) {
  const rules = nameRules(model.name);
  const names = {} as Record<NameKey, { template: string; maxLength: number }>;
  for (const key of Object.keys(rules) as NameKey[]) {
    names[key] = { template: rules[key].template, maxLength: rules[key].maxLength };
  }
  return {
    schemaVersion: 1 as const,
    pulumiProject,
    name: model.name,
    source: {
      repository: model.repository,
      branch: model.branch,
      filePaths: model.filePaths,
      ...(model.connectionArn ? { connectionArn: model.connectionArn } : {}),
    },
    environment: { pattern: ENVIRONMENT_PATTERN, listed: model.environments, ephemeral: model.ephemeralEnvironments },
    names,
    build: {
      buildspec: buildspecPath,
      computeType: model.build.computeType,
      image: model.build.image,
      timeoutMinutes: model.build.timeoutMinutes,
      logRetentionDays: model.build.logRetentionDays,
    },
    registry: model.registry,
    artifacts: model.artifacts,
    notifications: model.notifications,
    tags: model.tags,
  };
}

/** Writes the rendered settings as a managed JSON file. */
export class PipelineSettingsFile extends JsonFile {
  public constructor(project: Project, filePath: string, model: PipelineModel, buildspecPath: string, pulumiProject: string) {
    // The program lives in another folder; the buildspec path it hands CodeBuild is relative to the repository root.
    super(project, filePath, { obj: renderSettings(model, buildspecPath, pulumiProject), newline: true });
  }
}
