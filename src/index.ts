export * from './pipeline-props';
export * from './supply-chain-props';
export * from './pipeline-infrastructure';
export * from './cicd-pipeline-project';
