import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, REPO_ROOT } from '../helpers.js';

/** Screenshots and timings land here (ignored by git; CI keeps them as artefacts). */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** Debian's Chromium, headless, as every end-to-end test drives it; makes the artefacts folder. */
export function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}
