/** The release gates (a deploy stage's `guard`): stage conditions on alarms, deployment windows and bake time, and their notifications. */
export * from './release-gates';
