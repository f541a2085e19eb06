import { JsonFile, Project } from 'projen';
import { ENVIRONMENT_TAG, MANAGED_BY_TAG, PipelineModel } from './pipeline-model';

/**
 * The required tags in AWS Organizations tag-policy syntax, so the same file
 * documents the tags in the repository and can be attached to an OU.
 * Policy keys are the lowercased tag keys; `@@assign` fixes each key's
 * capitalization and its allowed values.
 */
export function renderTaggingPolicy(model: PipelineModel) {
  const rules: Record<string, unknown> = {
    [ENVIRONMENT_TAG.toLowerCase()]: {
      tag_key: { '@@assign': ENVIRONMENT_TAG },
      tag_value: { '@@assign': model.environments },
    },
    [MANAGED_BY_TAG.toLowerCase()]: {
      tag_key: { '@@assign': MANAGED_BY_TAG },
      tag_value: { '@@assign': ['Pulumi'] },
    },
  };
  for (const [key, value] of Object.entries(model.tags)) {
    rules[key.toLowerCase()] = { tag_key: { '@@assign': key }, tag_value: { '@@assign': [value] } };
  }
  return { tags: rules };
}

/** Writes the tagging policy as a managed JSON file. */
export class TaggingPolicyFile extends JsonFile {
  public constructor(project: Project, filePath: string, model: PipelineModel) {
    // AWS Organizations rejects unknown top-level keys, so no projen "//" marker here.
    super(project, filePath, { obj: renderTaggingPolicy(model), newline: true, marker: false });
  }
}
