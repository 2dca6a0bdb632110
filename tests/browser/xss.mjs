// The XSS corpus in headless Chromium, driven by crates/ajar-web/tests/xss.rs (which posts
// the payloads, saves the downloads and writes the manifest), or by hand:
//
//   node tests/browser/xss.mjs MANIFEST.json RESULT.json
//
// The manifest lists documents ({url, session, label}; http:// pages of the running server,
// file:// downloads) and the session cookies to open them with. Every document is opened with
// `alert`, `confirm`, `prompt`, `print` and `window.__x` replaced by hooks that report their
// arguments (payloads call them with their number), a dialog listener (in case a hook is got
// round), and a `securitypolicyviolation` listener. Then the DOM is searched for event-handler
// attributes and javascript:/vbscript:/data: URLs, and every link not clicked before is
// clicked, with every request that would leave the document aborted (no network is touched).
// Prints progress on stderr and writes {documents, clicks, problems} to RESULT.json; exits
// non-zero when anything ran or was found.

import { chromium } from 'playwright-core';
import { readFile, writeFile } from 'node:fs/promises';

const [manifestPath, resultPath] = process.argv.slice(2);
if (!manifestPath || !resultPath) {
  console.error('usage: node xss.mjs MANIFEST.json RESULT.json');
  process.exit(2);
}
const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
const base = new URL(manifest.base);

const browser = await chromium.launch({
  executablePath: process.env.AJAR_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const problems = [];
let current = { url: '', label: '' };
function problem(what, payload) {
  const entry = { label: current.label, url: current.url, what };
  if (Number.isInteger(payload)) entry.payload = payload;
  problems.push(entry);
  console.error(`PROBLEM ${current.label}: ${what}`);
}

// Runs in every frame of every document before its own scripts.
const hooks = () => {
  const report = (kind) => function (...args) {
    try {
      window.__xssReport(kind, args.map((a) => String(a)).slice(0, 3), String(location.href));
    } catch (_) { /* the binding is always there */ }
  };
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    try {
      Object.defineProperty(window, name, { value: report(name), writable: false, configurable: false });
    } catch (_) { window[name] = report(name); }
  }
  window.__x = report('__x');
  document.addEventListener('securitypolicyviolation', (e) => {
    try {
      window.__xssReport('csp', [e.violatedDirective, e.blockedURI, (e.sample || '').slice(0, 80)], String(location.href));
    } catch (_) { /* as above */ }
  });
};

// The same rules as tests/xss/checks.rs, in the live DOM.
const scan = () => {
  const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'cite', 'background', 'poster',
    'data', 'lowsrc', 'dynsrc', 'codebase', 'longdesc', 'ping', 'manifest', 'srcdoc', 'xlink:href']);
  const xmlChar = (c) => {
    const n = c.codePointAt(0);
    return n === 0x9 || n === 0xA || n === 0xD || (n >= 0x20 && n <= 0xD7FF)
      || (n >= 0xE000 && n <= 0xFFFD) || n >= 0x10000;
  };
  const invisible = (c) => /[\u0000-\u0020\u007f-\u009f]/.test(c) || !xmlChar(c);
  const executable = (value) => {
    const squeezed = Array.from(value).filter((c) => !invisible(c)).join('').toLowerCase();
    // `data:,` (an empty document, the site's "no favicon") holds nothing to run.
    if (squeezed === 'data:,') return false;
    return ['javascript:', 'vbscript:', 'data:', 'livescript:'].some((s) => squeezed.startsWith(s));
  };
  const found = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      for (const a of el.attributes) {
        const name = a.name.toLowerCase();
        const local = name.split(':').pop();
        const tag = el.localName;
        if (local.startsWith('on')) found.push(`<${tag} ${name}="${a.value.slice(0, 80)}">: an event handler`);
        if ((URL_ATTRIBUTES.has(name) || URL_ATTRIBUTES.has(local)) && executable(a.value)) {
          found.push(`<${tag} ${name}="${a.value.slice(0, 80)}">: an executable URL`);
        }
      }
      if (el.localName === 'template' && el.content) visit(el.content);
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(document);
  return found;
};

// Runs in the page: clicks each link whose href is not in `seen`, returns the hrefs clicked.
const clickAll = async (seen) => {
  const done = new Set(seen);
  const out = [];
  for (const a of Array.from(document.querySelectorAll('a[href], area[href]'))) {
    const href = a.getAttribute('href');
    if (done.has(href)) continue;
    done.add(href);
    if (a.protocol === 'file:') continue;
    out.push(href);
    a.click();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return out;
};

const clicked = new Set();
let clicks = 0;
let documents = 0;
const contexts = {};

async function contextFor(session) {
  if (contexts[session]) return contexts[session];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const cookie = manifest.sessions[session];
  if (cookie) {
    await context.addCookies([{ name: 'ajar_session', value: cookie, domain: base.hostname, path: '/' }]);
  }
  await context.exposeBinding('__xssReport', (_source, kind, args, where) => {
    if (kind === 'csp') {
      problem(`a Content-Security-Policy violation in ${where}: ${args.join(' ')}`);
    } else {
      const id = Number.parseInt(args[0], 10);
      problem(`${kind}(${args.join(', ')}) ran in ${where}`, Number.isNaN(id) ? undefined : id);
    }
  });
  await context.addInitScript(hooks);
  // Only the document being opened, and the site's own style sheet and script, load. A link
  // clicked within the site gets 204 No Content, which leaves the document where it is; any
  // other request (a payload's resource, another site) is aborted.
  await context.route('**/*', (route) => {
    const request = route.request();
    const url = request.url();
    if (request.isNavigationRequest()) {
      if (opening && sameDocument(url, opening)) return route.continue();
      return route.fulfill({ status: 204, body: '' });
    }
    if (url.startsWith(base.origin + '/static/')) return route.continue();
    return route.abort();
  });
  const page = await context.newPage();
  // A link with a target opens a window: nothing to see there (its request gets 204).
  page.on('popup', (popup) => popup.close().catch(() => {}));
  page.on('dialog', (dialog) => {
    const id = Number.parseInt(dialog.message(), 10);
    problem(`a ${dialog.type()} dialog opened: ${dialog.message().slice(0, 80)}`, Number.isNaN(id) ? undefined : id);
    dialog.dismiss().catch(() => {});
  });
  contexts[session] = page;
  return page;
}

// The address of the document being opened, while it is: its navigation is let through.
let opening = null;
const sameDocument = (a, b) => {
  try {
    return decodeURI(new URL(a).href) === decodeURI(new URL(b).href);
  } catch (_) {
    return a === b;
  }
};

async function open(page, url) {
  opening = url;
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 20000 });
    return true;
  } catch (error) {
    const message = String(error && error.message || error);
    if (message.includes('Download is starting')) return false; // a feed Chromium saves
    problem(`could not be opened: ${message.split('\n')[0]}`);
    return false;
  } finally {
    opening = null;
  }
}

const started = Date.now();
for (const doc of manifest.documents) {
  current = { url: doc.url, label: doc.label };
  const page = await contextFor(doc.session);
  if (!(await open(page, doc.url))) continue;
  documents += 1;
  await page.waitForTimeout(10);
  for (const found of await page.evaluate(scan)) problem(found);
  // Click every link not clicked before (by where it points, per kind of document), in the
  // page, one after the other. Links to other files of a download are not clicked: they
  // only open documents that are opened here themselves (and a file:// navigation cannot be
  // held back like an http:// one).
  const kind = doc.url.startsWith('file:') ? 'file' : 'http';
  const seen = Array.from(clicked).filter((k) => k.startsWith(kind + ' ')).map((k) => k.slice(kind.length + 1));
  let result;
  try {
    result = await page.evaluate(clickAll, seen);
  } catch (error) {
    problem(`clicking its links left the page: ${String(error && error.message || error).split('\n')[0]}`);
    continue;
  }
  for (const href of result) clicked.add(`${kind} ${href}`);
  clicks += result.length;
  await page.waitForTimeout(20);
  if (!sameDocument(page.url(), doc.url) && !page.url().startsWith(doc.url + '#')) {
    problem(`clicking its links navigated to ${page.url()}`);
  }
  if (documents % 50 === 0) {
    console.error(`xss.mjs: ${documents} documents, ${clicks} links, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

await browser.close();
console.error(`xss.mjs: ${documents} documents opened, ${clicks} links clicked, ${problems.length} problems, ${((Date.now() - started) / 1000).toFixed(0)} s`);
await writeFile(resultPath, JSON.stringify({ documents, clicks, problems }));
process.exitCode = problems.length === 0 ? 0 : 1;
