import * as fs from 'fs';
import * as path from 'path';
import { PipelineModel } from './pipeline-model';
import { parseYaml } from './portable-yaml';
import { OptionStyle, formatOption } from './validation';

/** What the previous synth wrote into the Pulumi project's folder, read before this synth rewrites it. */
export interface PreviousSynth {
  /** `backend.url` of the previous `Pulumi.yaml`. */
  readonly backendUrl?: string;
  /** Whether the previous settings had self-update on. */
  readonly selfUpdate: boolean;
  /** The deploy stages of the previous settings, in order. */
  readonly stages: readonly string[];
}

/** Reads the managed files of the previous synth in `<outdir>/<infraDir>`; nothing when there was none. */
export function readPreviousSynth(outdir: string, infraDir: string, settingsFile: string): PreviousSynth {
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.join(outdir, infraDir, file), 'utf-8');
    } catch {
      return undefined;
    }
  };
  let backendUrl: string | undefined;
  let settings: { selfUpdate?: unknown; stages?: Array<{ name?: unknown }> } = {};
  try {
    const url = (parseYaml(read('Pulumi.yaml') ?? '') as { backend?: { url?: unknown } } | null)?.backend?.url;
    if (typeof url === 'string' && url !== '') backendUrl = url;
  } catch {
    // A hand-broken file records nothing; projen rewrites it.
  }
  try {
    settings = JSON.parse(read(settingsFile) ?? '{}') ?? {};
  } catch {
    settings = {};
  }
  const stages = Array.isArray(settings.stages) ? settings.stages.map(stage => stage?.name).filter((name): name is string => typeof name === 'string') : [];
  return { ...(backendUrl ? { backendUrl } : {}), selfUpdate: settings.selfUpdate !== undefined, stages };
}

/**
 * The backend `Pulumi.yaml` records. With self-update it is the configured
 * one. Without it, the one recorded before stays: the stack's state lives
 * there, and a `Pulumi.yaml` that forgot it would send the next
 * `npx projen deploy` to whatever backend the person is logged in to, where
 * the stack does not exist (a new, empty stack would create a second
 * pipeline). Deleting `Pulumi.yaml` and synthesizing again forgets it.
 */
export function recordedBackendUrl(model: PipelineModel, previous: PreviousSynth): string | undefined {
  return model.selfUpdate?.backend.url ?? previous.backendUrl;
}

/**
 * What this synth changes that the deployed pipeline's update stage may not
 * apply, so that a person must deploy it: turning self-update off (the
 * deployed UpdatePipeline stage would run a program that deletes its own
 * role, project and log group) and removing a deploy stage (its role,
 * project and log group are deleted; the update role deletes none of them).
 * Compared with the previous synth's settings, so each change is said once:
 * the next synth reads the settings this one writes.
 */
export function handoverWarnings(model: PipelineModel, previous: PreviousSynth, style: OptionStyle, projenrc: string): string[] {
  if (!previous.selfUpdate) return [];
  const deploy = 'run "npx projen deploy" as a person (with rights to change the pipeline\'s roles) right after merging it: ' +
    'until then the pipeline\'s UpdatePipeline stage stops on every execution and asks for it';
  const warnings: string[] = [];
  if (!model.selfUpdate) {
    warnings.push(`${formatOption('pipeline.selfUpdate', style)} was removed from ${projenrc}: the deployed pipeline's update stage may not ` +
      `delete its own role, project and log group, so ${deploy}. The backend stays recorded in Pulumi.yaml (${previous.backendUrl ?? 'none recorded'}).`);
  }
  const kept = new Set(model.stages.map(stage => stage.name));
  const removed = previous.stages.filter(name => !kept.has(name));
  if (model.selfUpdate && removed.length > 0) {
    warnings.push(`Deploy stage${removed.length > 1 ? 's' : ''} ${removed.map(name => JSON.stringify(name)).join(', ')} ` +
      `${removed.length > 1 ? 'were' : 'was'} removed from ${formatOption('pipeline.stages', style)}: the update role may not delete a stage's role, ` +
      `project and log group, so ${deploy}.`);
  }
  return warnings;
}
