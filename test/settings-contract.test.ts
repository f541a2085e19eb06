import { FULL_PROPS, PROMOTION_PROPS } from './helpers';
import type { NameKey as ProgramNameKey, PipelineSettings, StageNameKey as ProgramStageNameKey } from '../program/infra/settings';
import { NameKey as LibraryNameKey, StageNameKey as LibraryStageNameKey } from '../src/naming';
import { resolvePipeline } from '../src/pipeline-model';
import { renderSettings } from '../src/settings-file';

/*
 * The library renders the settings and the shipped program reads them; they are
 * compiled separately (the program never imports the library). These lines are
 * the contract: `npx projen typecheck` fails when either side changes alone.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const nameKeysAgree: Same<LibraryNameKey, ProgramNameKey> = true;
const stageNameKeysAgree: Same<LibraryStageNameKey, ProgramStageNameKey> = true;
const rendered: PipelineSettings = renderSettings(resolvePipeline(FULL_PROPS), 'buildspec.yml', 'payments');
const withStages: PipelineSettings = renderSettings(resolvePipeline(PROMOTION_PROPS), 'buildspec.yml', 'web-app');

test('the rendered settings are what the program reads (checked by the type-checker; here, at run time too)', () => {
  expect(nameKeysAgree).toBe(true);
  expect(Object.keys(rendered.names).sort()).toEqual([
    'artifactBucket', 'buildProject', 'buildRole', 'connection', 'logGroup', 'notificationRule', 'notificationTopic',
    'pipeline', 'pipelineRole', 'repository',
  ]);
  expect(rendered.schemaVersion).toBe(1);
  expect(stageNameKeysAgree).toBe(true);
  expect(withStages.stages.map(stage => Object.keys(stage.names).sort())).toEqual([
    ['deployLogGroup', 'deployProject', 'deployRole'], ['deployLogGroup', 'deployProject', 'deployRole'],
  ]);
});
