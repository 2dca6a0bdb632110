// Headless Chromium checks of ajar's reading pages, driven by crates/ajar-web/tests/browser.rs
// (which starts the server and fills it), or by hand:
//
//   node tests/browser/run.mjs BASE_URL ARTIFACT_DIR WORK_PATH LISTING_PATH
//
// WORK_PATH is a work with at least three chapters; LISTING_PATH a listing with works.
// Uses the system browser (/usr/bin/chromium, or $AJAR_CHROMIUM); never downloads one.
// Prints one line per check and a closing "N passed, N failed"; exits non-zero on failure.

import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

const [base, artifacts, workPath, listingPath] = process.argv.slice(2);
if (!base || !artifacts || !workPath || !listingPath) {
  console.error('usage: node run.mjs BASE_URL ARTIFACT_DIR WORK_PATH LISTING_PATH');
  process.exit(2);
}
await mkdir(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.AJAR_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

let passed = 0;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${String(error && error.stack || error).split('\n').join('\n  ')}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}
// Clicks a link or button that navigates, and waits until the page it leads to has loaded
// and its path and query end with `suffix`: `page.url()` changes when a navigation commits, before
// the new document is there to query.
async function follow(page, locator, suffix) {
  await Promise.all([
    page.waitForURL((url) => (url.pathname + url.search).endsWith(suffix), { waitUntil: 'load' }),
    locator.click(),
  ]);
}

const pages = [
  ['home', '/'],
  ['listing', listingPath],
  ['work', workPath],
  ['settings', '/settings'],
];
const widths = [['desktop', 1280, 900], ['phone', 375, 812]];

// Every key page renders, fits the screen, and is saved as a screenshot at both widths.
for (const [width, w, h] of widths) {
  const context = await browser.newContext({ viewport: { width: w, height: h } });
  const page = await context.newPage();
  for (const [name, url] of pages) {
    await check(`${name} renders at ${width} width (${w}px)`, async () => {
      const response = await page.goto(base + url);
      assert(response.status() === 200, `status ${response.status()}`);
      const title = await page.title();
      assert(title.length > 0 && title.includes('ajar'), `title "${title}"`);
      assert(await page.locator('h1').first().isVisible(), 'a visible h1');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 1, `the page is ${overflow}px wider than the window`);
      await page.screenshot({ path: path.join(artifacts, `${name}-${width}.png`), fullPage: true });
    });
  }
  // The filter sidebar is part of the page (no box of its own to scroll, hiding tags), and
  // wraps long tag names rather than cutting them.
  await check(`the filter sidebar shows every tag whole at ${width} width (${w}px)`, async () => {
    await page.goto(base + listingPath);
    const sidebar = page.locator('form.filters');
    assert(await sidebar.count() === 1, 'a filter sidebar');
    const box = await sidebar.evaluate((el) => ({
      overflow: getComputedStyle(el).overflowY,
      hidden: el.scrollHeight - el.clientHeight,
    }));
    assert(box.overflow === 'visible', `the sidebar scrolls on its own (overflow-y: ${box.overflow})`);
    assert(box.hidden <= 1, `the sidebar hides ${box.hidden}px of its tags`);
    const cut = await page.locator('form.filters .facet td:last-child').evaluateAll((cells) => cells
      .filter((c) => c.scrollWidth > c.clientWidth + 1 || c.getBoundingClientRect().right > c.closest('form').getBoundingClientRect().right + 1)
      .map((c) => c.textContent.trim()));
    assert(cut.length === 0, `cut tag names: ${cut.join('; ')}`);
    const long = page.locator('form.filters', { hasText: 'Lorelai Gilmore/Luke Danes/Christopher Hayden' });
    assert(await long.count() === 1, 'the long relationship is listed');
  });
  await context.close();
}

// Chapter navigation: next, previous, the chapter index and the entire work, without script.
{
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await check('chapter navigation moves between chapters and to the entire work', async () => {
    await page.goto(base + workPath);
    await follow(page, page.getByRole('link', { name: 'Next Chapter →' }).first(), '/chapters/2');
    assert(page.url().endsWith('/chapters/2'), `next went to ${page.url()}`);
    assert(await page.locator('#chapter-2-title').isVisible(), 'chapter 2 heading');
    await follow(page, page.getByRole('link', { name: '← Previous Chapter' }).first(), '/chapters/1');
    assert(page.url().endsWith('/chapters/1'), `previous went to ${page.url()}`);
    await page.locator('details.chapter-index summary').click();
    await follow(page, page.locator('details.chapter-index a').nth(2), '/chapters/3');
    assert(page.url().endsWith('/chapters/3'), `the index went to ${page.url()}`);
    assert(await page.locator('a[rel="next"]').count() === 0, 'no next link on the last chapter');
    await follow(page, page.getByRole('link', { name: 'Entire Work' }).first(), '/full');
    assert(page.url().endsWith('/full'), `entire work went to ${page.url()}`);
    for (const n of [1, 2, 3]) {
      assert(await page.locator(`#chapter-${n}`).count() === 1, `chapter ${n} on the full page`);
    }
  });
  await context.close();
}

// Reader settings: saved from the form (no script), applied on the page we came from,
// kept across visits, and applied to listings.
{
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await check('reader settings are saved, applied and kept', async () => {
    await page.goto(base + workPath);
    await follow(page, page.getByRole('link', { name: 'Settings' }), '/settings');
    assert(new URL(page.url()).pathname === '/settings', `settings at ${page.url()}`);
    await page.getByLabel('Dark', { exact: true }).check();
    await page.getByLabel('130%').check();
    await page.getByLabel('Narrow (about 55 characters)').check();
    await page.getByLabel('Hide additional tags').check();
    await page.getByLabel(/Hide archive warnings/).check();
    await follow(page, page.getByRole('button', { name: 'Save settings' }), new URL(base + workPath).pathname);
    assert(new URL(page.url()).pathname === new URL(base + workPath).pathname, `returned to ${page.url()}`);
    const classes = await page.locator('html').getAttribute('class');
    assert(classes.includes('theme-dark') && classes.includes('font-130') && classes.includes('width-narrow'), `html class "${classes}"`);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(background === 'rgb(22, 23, 26)', `dark background, got ${background}`);
    const fontSize = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
    assert(fontSize === '20.8px', `130% text, got ${fontSize}`);
    await page.screenshot({ path: path.join(artifacts, 'work-dark-desktop.png') });

    await page.goto(base + listingPath);
    assert((await page.locator('html').getAttribute('class')).includes('theme-dark'), 'kept on the next page');
    assert(await page.locator('li.freeforms').count() === 0, 'additional tags hidden');
    const hidden = page.locator('details.hidden-warnings').first();
    assert(await hidden.isVisible(), 'warnings hidden behind a control');
    assert(!(await hidden.locator('li.warnings').first().isVisible()), 'warnings not shown until asked');
    await hidden.locator('summary').click();
    assert(await hidden.locator('li.warnings').first().isVisible(), 'warnings shown on request');

    await page.goto(base + '/settings');
    await page.getByLabel('High contrast').check();
    await follow(page, page.getByRole('button', { name: 'Save settings' }), '/settings?saved=1');
    await page.goto(base + '/');
    assert((await page.locator('html').getAttribute('class')).includes('theme-contrast'), 'high contrast');
    await page.screenshot({ path: path.join(artifacts, 'home-contrast-desktop.png') });
    await page.goto(base + '/settings');
    await follow(page, page.getByRole('button', { name: 'Reset to defaults' }), '/settings?saved=1');
    await page.goto(base + '/');
    assert((await page.locator('html').getAttribute('class')).includes('theme-system'), 'reset');
  });
  await context.close();
}

// Accessibility: axe-core finds no serious or critical violation, in the default theme and
// in the dark and high-contrast ones.
for (const theme of ['system', 'dark', 'contrast']) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const host = new URL(base).hostname;
  if (theme !== 'system') {
    await context.addCookies([{ name: 'ajar_prefs', value: `theme=${theme}&font=100&width=medium&hide=warnings`, domain: host, path: '/' }]);
  }
  const page = await context.newPage();
  for (const [name, url] of pages) {
    await check(`axe: no serious or critical violations on ${name} (${theme} theme)`, async () => {
      await page.goto(base + url);
      const results = await new AxeBuilder({ page }).analyze();
      assert(results.passes.length > 10, `axe ran only ${results.passes.length} rules`);
      const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      const minor = results.violations.filter((v) => !bad.includes(v));
      for (const v of minor) console.log(`  note (${v.impact}): ${v.id}: ${v.help}`);
      assert(bad.length === 0, bad.map((v) => `${v.impact}: ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`).join('\n'));
    });
  }
  await context.close();
}

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
