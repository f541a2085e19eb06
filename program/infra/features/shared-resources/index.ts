/** The platform's shared KMS key and artifact bucket (`pipeline.shared`): looked up at deploy, used instead of the stack's own. */
export * from './shared-resources';
