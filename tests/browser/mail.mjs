// Headless Chromium through "forgot password", driven by crates/ajar-web/tests/browser.rs
// (which starts a server mailing through aiosmtpd on loopback, and an account "rory" with
// the address rory@example.org), or by hand:
//
//   node tests/browser/mail.mjs BASE_URL ARTIFACT_DIR MAILDIR
//
// A reader who forgot their password follows the log-in page's link, asks for a reset link,
// finds the mail in the SMTP server's Maildir, opens the link, sets a new password and is
// logged in; logged out, the new password works. axe-core checks the two forms.
// Prints one line per check and a closing "N passed, N failed"; exits non-zero on failure.

import { setUp, check, assert, navigate, axe, finish } from './harness.mjs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const { base, artifacts, browser } = await setUp('mail.mjs');
const maildir = process.argv[4];
assert(maildir, 'usage: node mail.mjs BASE_URL ARTIFACT_DIR MAILDIR');

const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();

// The mails the SMTP server has stored, quoted-printable undone.
async function mails() {
  const out = [];
  for (const sub of ['new', 'cur']) {
    let names = [];
    try { names = await readdir(path.join(maildir, sub)); } catch { continue; }
    for (const name of names) {
      const raw = await readFile(path.join(maildir, sub, name), 'utf8');
      out.push(raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))));
    }
  }
  return out;
}

let link;

await check('the log-in page leads to a form that mails a reset link', async () => {
  await page.goto(base + '/login');
  await navigate(page, page.getByRole('link', { name: 'Forgot your password?' }));
  await axe(page, 'the forgot-password form');
  await page.getByLabel('Email address or user name').fill('rory@example.org');
  await navigate(page, page.getByRole('button', { name: 'Mail me a reset link' }));
  const said = await page.textContent('[role=status]');
  assert(/a link is on its way/.test(said), `said: ${said}`);
  await page.screenshot({ path: path.join(artifacts, 'forgot-password.png'), fullPage: true });
});

await check('the mail arrives with a one-time link', async () => {
  for (let i = 0; i < 100 && !link; i++) {
    const found = (await mails()).find((m) => /Subject: Reset your ajar password/.test(m) && /X-RcptTo: rory@example.org/.test(m));
    if (found) link = (found.match(/https?:\/\/[^\s"<]+\/reset\/[A-Za-z0-9_-]+/) || [])[0];
    else await new Promise((r) => setTimeout(r, 100));
  }
  assert(link, 'no reset mail arrived');
});

await check('the link sets a new password and logs the reader in', async () => {
  await page.goto(link);
  await axe(page, 'the new-password form');
  await page.getByLabel('New password', { exact: true }).fill('correct horse battery');
  await page.getByLabel('New password again').fill('correct horse battery');
  await navigate(page, page.getByRole('button', { name: 'Set password' }));
  assert(new URL(page.url()).pathname === '/account', `at ${page.url()}`);
  const nav = await page.textContent('.user-nav');
  assert(nav.includes('rory') && nav.includes('Inbox'), `nav: ${nav}`);
});

await check('the link works once, and the new password logs in', async () => {
  const again = await page.goto(link);
  assert(again.status() === 400, `a spent link answered ${again.status()}`);
  await navigate(page, page.getByRole('navigation', { name: 'Account' }).getByRole('button', { name: 'Log out' }));
  await page.goto(base + '/login');
  await page.getByLabel('User name or email').fill('rory');
  await page.getByLabel('Password').fill('correct horse battery');
  await navigate(page, page.getByRole('button', { name: 'Log in' }));
  const nav = await page.textContent('.user-nav');
  assert(nav.includes('rory'), `nav: ${nav}`);
});

await finish(browser);
