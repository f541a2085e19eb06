/**
 * The opt-in features, one folder each (self-update/, release-gates/, supply-chain/, shared-resources/; a new
 * feature gets its own folder here and its guardrails in guardrails/).
 */
export * from './self-update';
export * from './release-gates';
export * from './supply-chain';
export * from './shared-resources';
