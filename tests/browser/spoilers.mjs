// Headless Chromium through spoiler-aware browsing, driven by crates/ajar-web/tests/browser.rs
// (which starts a server holding Gilmore Girls season 4 from episode 12 and three works in
// the fandom: the founding story, which spoils 4×13, one that spoils 4×12 and one that spoils
// nothing), or by hand:
//
//   node tests/browser/spoilers.mjs BASE_URL ARTIFACT_DIR
//
// A guest opens the fandom's page, says on its picker that they have seen up to 4×12, and
// finds the founding story gone from the fandom's works with the line "1 work hidden because
// they spoil episodes you haven't seen"; "show them" brings it back, marked; its page shows
// a gate naming the episode, and "Show it anyway" opens the text. Moving on to 4×13 clears
// it all. axe-core checks the picker and the gate.
// Prints one line per check and a closing "N passed, N failed"; exits non-zero on failure.

import { setUp, check, assert, navigate, axe, finish } from './harness.mjs';
import path from 'node:path';

const { base, artifacts, browser } = await setUp('spoilers.mjs');

const fandom = base + '/tags/Gilmore%20Girls';
const seed = "All That's Left";
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();

async function titles() {
  return page.locator('li.work h2').allTextContents();
}

await check('the fandom page offers the picker, and setting it hides the spoiler', async () => {
  await page.goto(fandom + '/works');
  assert((await titles()).join(' ').includes(seed), 'the seed is listed before');
  await page.goto(fandom);
  await axe(page, 'the fandom page with its picker');
  await page.getByLabel(/I’ve seen/).selectOption({ label: '4×12 A Family Matter' });
  await navigate(page, page.getByRole('button', { name: 'Save my progress' }));
  assert(new URL(page.url()).pathname === '/tags/Gilmore%20Girls', `back at ${page.url()}`);
  await navigate(page, page.getByRole('link', { name: /^Works tagged Gilmore Girls/ }));
  const line = await page.textContent('.spoilers-hidden');
  assert(/1 work\s+hidden because they spoil episodes you haven’t seen/.test(line), `line: ${line}`);
  const listed = (await titles()).join(' ');
  assert(!listed.includes(seed) && listed.includes('Safe Harbour'), `listed: ${listed}`);
  const heading = await page.textContent('h1');
  assert(heading.trim().startsWith('2 Works'), `heading: ${heading}`);
  await page.screenshot({ path: path.join(artifacts, 'spoilers-listing.png'), fullPage: true });
});

await check('"show them" lists it again with its summary hidden', async () => {
  await navigate(page, page.getByRole('link', { name: 'show them' }));
  const listed = (await titles()).join(' ');
  assert(listed.includes(seed), `listed: ${listed}`);
  const blurred = page.locator('details.spoiler-blur');
  assert(await blurred.count() === 1, 'one blurred summary');
  assert(!(await blurred.locator('blockquote').isVisible()), 'the summary starts hidden');
  await blurred.locator('summary').click();
  assert(await blurred.locator('blockquote').isVisible(), 'a click shows it');
});

await check('the work page shows a gate naming the episode, and opens on request', async () => {
  await navigate(page, page.getByRole('link', { name: seed }));
  const gate = await page.textContent('.spoiler-gate');
  assert(gate.includes('This work spoils Gilmore Girls 4×13, “Nag Hammadi'), `gate: ${gate}`);
  assert(!(await page.textContent('body')).includes('twenty-four hours'), 'no text behind the gate');
  await axe(page, 'the spoiler gate');
  await page.screenshot({ path: path.join(artifacts, 'spoilers-gate.png'), fullPage: true });
  await navigate(page, page.getByRole('link', { name: 'Show it anyway' }));
  assert((await page.textContent('body')).includes('twenty-four hours'), 'the text is shown');
});

await check('having seen the episode, the gate says so and nothing is hidden', async () => {
  await page.goBack();
  await navigate(page, page.getByRole('button', { name: /I’ve seen it/ }));
  assert((await page.textContent('body')).includes('twenty-four hours'), 'the text is shown');
  await page.goto(fandom + '/works');
  assert(await page.locator('.spoilers-hidden').count() === 0, 'no line');
  assert((await titles()).join(' ').includes(seed), 'the seed is listed');
});

await finish(browser);
