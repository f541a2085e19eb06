import { FULL_PROPS, PROMOTION_PROPS, SELF_UPDATE_CLOUD } from './helpers';
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
// With self-update: the backend, secrets key, token and schedule the program reads.
// With release gates: the guard of a stage (alarms with and without ARN, bake, window, retry) as the program reads it.
const guarded: PipelineSettings = renderSettings(resolvePipeline({
  ...PROMOTION_PROPS,
  stages: [
    { ...PROMOTION_PROPS.stages![0], guard: { window: { cron: '* * 9-15 ? * MON-THU', timezone: 'Europe/Berlin' }, retryOnFailure: true } },
    { ...PROMOTION_PROPS.stages![1], rollbackOnFailure: false, guard: { alarms: ['a', 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:b'], bakeMinutes: 30 } },
  ],
}), 'buildspec.yml', 'web-app');
const selfUpdating: PipelineSettings = renderSettings(resolvePipeline({ ...FULL_PROPS, selfUpdate: SELF_UPDATE_CLOUD }), 'buildspec.yml', 'payments');

test('the rendered settings are what the program reads (checked by the type-checker; here, at run time too)', () => {
  expect(nameKeysAgree).toBe(true);
  expect(Object.keys(rendered.names).sort()).toEqual([
    'artifactBucket', 'boundaryPolicy', 'buildProject', 'buildRole', 'connection', 'driftFailureRule', 'driftLogGroup',
    'driftPipelinePolicy', 'driftProject', 'driftRole', 'driftScheduleRule', 'eventsRole', 'logGroup', 'notificationRule',
    'notificationTopic', 'pipeline', 'pipelineRole', 'repository', 'signingProfilePrefix', 'updateLogGroup', 'updatePipelinePolicy', 'updateProject', 'updateRole',
  ]);
  expect(rendered.schemaVersion).toBe(1);
  expect(stageNameKeysAgree).toBe(true);
  expect(withStages.stages.map(stage => Object.keys(stage.names).sort())).toEqual([
    ['deployLogGroup', 'deployProject', 'deployRole'], ['deployLogGroup', 'deployProject', 'deployRole'],
  ]);
  expect(withStages.stages.every(stage => stage.guard === undefined)).toBe(true);
  expect(guarded.stages.map(stage => stage.guard)).toEqual([
    { alarms: [], window: { cron: '* * 9-15 ? * MON-THU', timezone: 'Europe/Berlin' }, retryOnFailure: true },
    { alarms: [{ name: 'a' }, { name: 'b', arn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:b' }], bakeMinutes: 30, retryOnFailure: false },
  ]);
  expect(rendered.selfUpdate).toBeUndefined();
  expect(Object.keys(selfUpdating.selfUpdate!).sort()).toEqual([
    'accessTokenSecretArn', 'backend', 'buildspecs', 'computeType', 'driftSchedule', 'driftScheduled', 'image', 'secretsKey', 'stack',
    'timeoutMinutes',
  ]);
});
