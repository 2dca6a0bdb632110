// Headless Chromium through tag wrangling, driven by crates/ajar-web/tests/browser.rs (which
// starts a server holding a few Gilmore Girls works, spelling one relationship three ways,
// and a wrangler account), or by hand:
//
//   node tests/browser/wrangling.mjs BASE_URL ARTIFACT_DIR
//
// The wrangler logs in, opens the fandom's queue, accepts a suggestion with one click, makes
// a ship name a synonym on its wrangling page, and sets a parent; the canonical tag's
// listing counts change within a second of each. axe-core checks the wrangling pages.
// Prints one line per check and a closing "N passed, N failed"; exits non-zero on failure.

import { setUp, check, assert, navigate, axe, finish } from './harness.mjs';
import path from 'node:path';

const { base, artifacts, browser } = await setUp('wrangling.mjs');

const canonical = 'Rory Gilmore/Jess Mariano';
const listing = base + '/tags/Rory%20Gilmore*s*Jess%20Mariano/works';

// The listing's heading ("3 Works in ...") within a second: what a reader sees next.
async function worksListed(page, expected) {
  const started = Date.now();
  let heading = '';
  while (Date.now() - started < 1000) {
    await page.goto(listing);
    heading = await page.textContent('h1');
    if (heading.trim().startsWith(`${expected} Work`)) return Date.now() - started;
    await page.waitForTimeout(100);
  }
  throw new Error(`after a second the listing says "${heading.trim()}", not ${expected} works`);
}

const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const readerPage = await (await browser.newContext()).newPage();

await check('the wrangler logs in and opens the queue from the header', async () => {
  await page.goto(base + '/login');
  await page.getByLabel('User name or email').fill('wren');
  await page.getByLabel('Password').fill('password-wren');
  await navigate(page, page.getByRole('button', { name: 'Log in' }));
  await navigate(page, page.getByRole('link', { name: 'Wrangling' }));
  assert(new URL(page.url()).pathname === '/wrangling', `at ${page.url()}`);
  await page.getByLabel('Fandom').fill('Gilmore Girls');
  await navigate(page, page.getByRole('button', { name: 'Show its queue' }));
  const body = await page.textContent('body');
  assert(body.includes('Jess/Rory') && body.includes('Literati'), 'the queue lists both spellings');
  await axe(page, 'the queue');
  await page.screenshot({ path: path.join(artifacts, 'wrangling-queue.png'), fullPage: true });
  await worksListed(readerPage, 1);
});

await check('a suggestion is accepted with one click', async () => {
  await navigate(page, page.getByRole('button', { name: `Synonym of ${canonical}` }).first());
  assert((await page.textContent('body')).includes('The tag was wrangled'), 'the notice');
  const rows = await page.locator('tr.queued-tag').allTextContents();
  assert(!rows.some((r) => r.includes('Jess/Rory')), `Jess/Rory left the queue: ${rows}`);
  const took = await worksListed(readerPage, 2);
  console.log(`  # the listing showed 2 works ${took} ms after`);
});

await check('a ship name is made a synonym on its wrangling page', async () => {
  await navigate(page, page.getByRole('link', { name: 'Literati', exact: true }));
  await axe(page, 'a tag\'s wrangling page');
  await page.getByLabel('Synonym of').fill(canonical);
  await navigate(page, page.getByRole('button', { name: 'Save' }));
  const status = await page.textContent('.tag-status');
  assert(status.includes(`synonym of ${canonical}`), `status: ${status}`);
  await worksListed(readerPage, 3);
});

await check('a parent is set on the canonical tag, and the history shows each change', async () => {
  await page.goto(base + '/tags/Rory%20Gilmore*s*Jess%20Mariano/wrangle');
  await page.getByLabel(/Add a parent/).fill('Gilmore Girls');
  await navigate(page, page.getByRole('button', { name: 'Add' }).first());
  const parents = await page.locator('ul.tag-relations').first().textContent();
  assert(parents.includes('Gilmore Girls') || (await page.textContent('body')).includes('Parents'), 'the parent is listed');
  const history = await page.textContent('.wrangling-history');
  assert(history.includes('add parent') && history.includes('wren'), `history: ${history}`);
  await page.screenshot({ path: path.join(artifacts, 'wrangling-tag.png'), fullPage: true });
  await readerPage.goto(base + '/tags/Rory%20Gilmore*s*Jess%20Mariano');
  const tagPage = await readerPage.textContent('body');
  assert(tagPage.includes('Synonyms') && tagPage.includes('Literati') && tagPage.includes('Gilmore Girls'),
    'the tag page shows its synonyms and parent');
});

await finish(browser);
