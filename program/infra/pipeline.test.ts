import * as path from 'path';
import { describeGuardrails } from './guardrails';
import { loadSettings } from './settings';

// Runs this repository's own pipeline program, with its own settings, under Pulumi mocks.
describeGuardrails(
  'the CI/CD pipeline of this repository',
  () => loadSettings(path.join(__dirname, 'pipeline-settings.json')),
  { repoRoot: path.join(__dirname, '..') },
);
