/**
 * The self-update feature (`selfUpdate`): the stage that keeps the pipeline's own stack current, the scheduled drift
 * check, the backend and stack access they share, every role's ceiling (boundary), and the gate the update build runs.
 */
export * from './backend';
export * from './stack-arns';
export * from './stack-access';
export * from './stack-runner';
export * from './boundary';
export * from './update-role-never';
export * from './self-update';
export * from './drift';
