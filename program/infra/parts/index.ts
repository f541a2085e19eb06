/** The pipeline's parts, one file each, in pipeline order: each a function that takes what it needs and returns what the next part uses. */
export * from './key';
export * from './source';
export * from './artifacts';
export * from './registry';
export * from './build';
export * from './secrets';
export * from './roles';
export * from './stages';
export * from './notifications';
export * from './codepipeline';
