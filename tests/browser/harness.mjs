// What the browser scripts share: their arguments, the system's headless Chromium, checks
// that print one line each and stop at the first failure, page navigation, axe-core, and the
// closing "N passed, N failed" with the exit code.

import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { mkdir } from 'node:fs/promises';

// BASE_URL and ARTIFACT_DIR from the command line (the folder made), or usage and exit.
export async function setUp(script) {
  const [base, artifacts] = process.argv.slice(2);
  if (!base || !artifacts) {
    console.error(`usage: node ${script} BASE_URL ARTIFACT_DIR`);
    process.exit(2);
  }
  await mkdir(artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.AJAR_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { base, artifacts, browser };
}

let passed = 0;
let failed = 0;
let stop = false;

// Runs one named check; after a failure the rest are reported skipped.
export async function check(name, body) {
  if (stop) {
    failed += 1;
    console.log(`not ok - ${name} (skipped: an earlier step failed)`);
    return;
  }
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    stop = true;
    console.log(`not ok - ${name}\n  ${String(error && error.stack || error).split('\n').join('\n  ')}`);
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// Clicks a link or button that loads a new page and waits for that page's load event:
// `waitForLoadState` right after a click would see the old page, already loaded.
export async function navigate(page, locator) {
  await Promise.all([page.waitForEvent('load'), locator.click()]);
}

// No serious or critical axe-core violation on the page.
export async function axe(page, name) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert(bad.length === 0, `${name}: ` + bad.map((v) => `${v.impact}: ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`).join('\n'));
}

export async function finish(browser) {
  await browser.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}
