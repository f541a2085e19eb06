import { JsonFile, Project } from 'projen';
import { deployBuildspecPath } from './deploy-buildspec';
import { DeployStageModel } from './deploy-stages';
import { ENVIRONMENT_PATTERN, NameKey, NameRule, StageNameKey, nameRules, stageNameRules } from './naming';
import { PipelineModel } from './pipeline-model';
import { secretArns } from './variables';

/** The templates and limits of names, as the program reads them. */
function templates<K extends string>(rules: Record<K, NameRule>): Record<K, { template: string; maxLength: number }> {
  const names = {} as Record<K, { template: string; maxLength: number }>;
  for (const key of Object.keys(rules) as K[]) {
    names[key] = { template: rules[key].template, maxLength: rules[key].maxLength };
  }
  return names;
}

/** What the program needs of a deploy stage: the buildspec that holds its commands and what its role may do. */
function renderStage(model: PipelineModel, stage: DeployStageModel) {
  return {
    name: stage.name,
    buildspec: deployBuildspecPath(stage.name),
    secrets: secretArns(stage.secrets),
    ...(stage.assumeRoleArn ? { assumeRoleArn: stage.assumeRoleArn } : {}),
    ...(stage.manualApproval ? { manualApproval: { emails: stage.manualApproval.emails } } : {}),
    rollbackOnFailure: stage.rollbackOnFailure,
    names: templates<StageNameKey>(stageNameRules(model.name, stage.name)),
  };
}

/**
 * The settings the shipped Pulumi program reads (`infra/pipeline-settings.json`).
 * Its shape is the program's `PipelineSettings`; a test in this repository
 * type-checks one against the other.
 */
export function renderSettings(model: PipelineModel, buildspecPath: string, pulumiProject: string) {
  const names = templates<NameKey>(nameRules(model.name));
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
      secrets: secretArns(model.build.secrets),
    },
    registry: model.registry,
    artifacts: model.artifacts,
    notifications: model.notifications,
    tags: model.tags,
    stages: model.stages.map(stage => renderStage(model, stage)),
    executionMode: model.executionMode,
  };
}

/** Writes the rendered settings as a managed JSON file. */
export class PipelineSettingsFile extends JsonFile {
  public constructor(project: Project, filePath: string, model: PipelineModel, buildspecPath: string, pulumiProject: string) {
    // The program lives in another folder; the buildspec path it hands CodeBuild is relative to the repository root.
    super(project, filePath, { obj: renderSettings(model, buildspecPath, pulumiProject), newline: true });
  }
}
