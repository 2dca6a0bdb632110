// Headless Chromium through the community side of ajar, driven by
// crates/ajar-web/tests/browser.rs (which starts an empty server), or by hand:
//
//   node tests/browser/community.mjs BASE_URL ARTIFACT_DIR
//
// One writer signs up and posts a two-chapter work through the forms; a second reader signs
// up, leaves kudos and a comment; the writer sees both. axe-core checks the new pages.
// Prints one line per check and a closing "N passed, N failed"; exits non-zero on failure.

import { setUp, check, assert, navigate, axe, finish } from './harness.mjs';
import path from 'node:path';

const { base, artifacts, browser } = await setUp('community.mjs');

async function signUp(page, name) {
  await page.goto(base + '/');
  await navigate(page, page.getByRole('link', { name: 'Sign up' }));
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Email').fill(`${name}@example.org`);
  await page.getByLabel('Password', { exact: true }).fill(`password-${name}`);
  await page.getByLabel('Password again').fill(`password-${name}`);
  await navigate(page, page.getByRole('button', { name: 'Sign up' }));
  assert(await page.getByRole('link', { name, exact: true }).first().isVisible(), `${name} is logged in`);
}

const writer = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: false });
const reader = await browser.newContext({ viewport: { width: 375, height: 812 } });
const writerPage = await writer.newPage();
const readerPage = await reader.newPage();
let workUrl = '';

await check('a writer signs up', async () => {
  await signUp(writerPage, 'lanternwriter');
  await writerPage.screenshot({ path: path.join(artifacts, 'community-signed-up.png') });
});

await check('the writer posts a work through the form', async () => {
  await navigate(writerPage, writerPage.getByRole('link', { name: 'Post', exact: true }));
  assert(new URL(writerPage.url()).pathname === '/works/new', `posting at ${writerPage.url()}`);
  await axe(writerPage, 'new work form');
  await writerPage.getByLabel('Rating').selectOption({ label: 'Teen And Up Audiences' });
  await writerPage.getByLabel('No Archive Warnings Apply').check();
  await writerPage.getByLabel('Fandoms').fill('Original Work');
  await writerPage.getByLabel('Characters').fill('The Lighthouse Keeper, The Cartographer');
  await writerPage.getByLabel('Additional tags').fill('Fluff, Found Family');
  await writerPage.getByLabel('Title', { exact: true }).fill('Two Lamps at Sea');
  await writerPage.getByLabel('Summary', { exact: true }).fill('A keeper, a mapmaker, and a storm that lasts two chapters.');
  await writerPage.getByLabel('Chapter title').fill('The Storm');
  await writerPage.getByLabel('Text of the first chapter').fill(
    'The storm came in from the west at dusk.\n\nShe lit both lamps, because one was never enough.');
  await navigate(writerPage, writerPage.getByRole('button', { name: 'Post', exact: true }));
  assert(/\/works\/\d+/.test(new URL(writerPage.url()).pathname), `posted to ${writerPage.url()}`);
  workUrl = base + new URL(writerPage.url()).pathname.match(/\/works\/\d+/)[0];
  assert(await writerPage.getByRole('heading', { name: 'Two Lamps at Sea' }).isVisible(), 'the work page');
  assert((await writerPage.textContent('body')).includes('She lit both lamps'), 'the text');
});

await check('the writer adds a second chapter', async () => {
  await navigate(writerPage, writerPage.getByRole('link', { name: 'Add chapter' }).first());
  await axe(writerPage, 'new chapter form');
  await writerPage.getByLabel('Chapter title').fill('The Calm');
  await writerPage.getByLabel('Chapter text').fill('In the morning the sea was flat as a plate.');
  await navigate(writerPage, writerPage.getByRole('button', { name: 'Save chapter' }));
  await writerPage.goto(workUrl + '/chapters/2');
  assert((await writerPage.textContent('body')).includes('flat as a plate'), 'chapter 2 is there');
  await writerPage.goto(workUrl);
  assert((await writerPage.textContent('dd.chapters')).trim().startsWith('2/'), 'the work has 2 chapters');
});

await check('a second reader signs up and finds the work', async () => {
  await signUp(readerPage, 'seareader');
  await readerPage.goto(base + '/works/search?q=lamps');
  await navigate(readerPage, readerPage.getByRole('link', { name: 'Two Lamps at Sea' }).first());
  assert(readerPage.url().startsWith(workUrl), `found ${readerPage.url()}`);
});

await check('the reader leaves kudos', async () => {
  await navigate(readerPage, readerPage.getByRole('button', { name: /Kudos/ }));
  const kudos = await readerPage.textContent('#kudos');
  assert(kudos.includes('seareader'), `kudos list: ${kudos}`);
});

await check('the reader leaves a comment', async () => {
  await readerPage.goto(workUrl);
  await readerPage.getByLabel('Comment', { exact: true }).fill('Both lamps! I cried a little.');
  await navigate(readerPage, readerPage.getByRole('button', { name: 'Comment', exact: true }));
  await readerPage.goto(workUrl + '/full');
  const comments = await readerPage.textContent('#comments');
  assert(comments.includes('I cried a little'), `comments: ${comments}`);
  await readerPage.screenshot({ path: path.join(artifacts, 'community-comment-phone.png'), fullPage: true });
  await axe(readerPage, 'work page with kudos and a comment');
});

await check('the writer sees the kudos and the comment', async () => {
  await writerPage.goto(workUrl + '/full');
  const body = await writerPage.textContent('body');
  assert(body.includes('seareader'), 'the kudos giver');
  assert(body.includes('I cried a little'), 'the comment');
  assert((await writerPage.textContent('dd.kudos')).trim() === '1', 'one kudos in the stats');
  assert((await writerPage.textContent('dd.comments')).trim() === '1', 'one comment in the stats');
  await writerPage.screenshot({ path: path.join(artifacts, 'community-writer.png'), fullPage: true });
});

await finish(browser);
