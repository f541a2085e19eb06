import * as fs from 'fs';
import { classifyPreview, stopMessage } from './self-update-classifier';

/** The exit status when the preview holds a change only a person may make (self-update.buildspec.yml notifies then). */
export const STOPPED = 3;
/** The exit status when the preview could not be read: the stage stops too, failing closed. */
export const UNREADABLE = 2;

/**
 * `node self-update-check.js <preview.json> <message file>`: the update
 * stage's gate between `pulumi preview --json` and `pulumi up`. Exits 0 when
 * the update role may make every change; otherwise writes the message naming
 * each resource to the message file (and the log) and exits STOPPED.
 * PULUMI_STACK and PIPELINE_NAME (the project's variables) name the stack in it.
 */
export function main(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const [previewFile, messageFile] = args;
  if (!previewFile || !messageFile) {
    console.error('usage: self-update-check <preview.json> <message file>');
    return UNREADABLE;
  }
  let classification;
  try {
    classification = classifyPreview(JSON.parse(fs.readFileSync(previewFile, 'utf-8')));
  } catch (error) {
    console.error(`The self-update stopped: the preview in ${previewFile} could not be read (${(error as Error).message}). Nothing was applied.`);
    return UNREADABLE;
  }
  if (classification.stopped.length === 0) {
    console.log(`The update role may make every change of this preview (${classification.allowed.length}): applying it.`);
    return 0;
  }
  const message = stopMessage(classification.stopped, { stack: env.PULUMI_STACK ?? 'this stack', pipeline: env.PIPELINE_NAME });
  fs.writeFileSync(messageFile, `${message}\n`);
  console.error(message);
  return STOPPED;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2), process.env);
