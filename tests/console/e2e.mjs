// e2e.mjs - the operator console in headless chromium (playwright-core),
// run by run-browser.sh against a `khaalga serve` with sample traffic: an
// operator logs in, finds the rejected declaration by its reference, sees
// its error at its place (and its hostile text as text), replays the
// dead-lettered message; a viewer is refused the replay. A screenshot of
// each page goes to $SCREENSHOTS. Reports in TAP.
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.log(`Bail out! ${name} is not set`);
    process.exit(1);
  }
  return value;
};
const url = env('CONSOLE_URL');
const shots = env('SCREENSHOTS');
const { chromium } = await import(pathToFileURL(path.join(env('PLAYWRIGHT_CORE'), 'index.mjs')).href);

let n = 0, failed = 0;
const ok = (description) => console.log(`ok ${++n} - ${description}`);
const notOk = (description, detail) => {
  failed++;
  console.log(`not ok ${++n} - ${description}`);
  for (const line of String(detail || '').split('\n').slice(0, 15)) console.log('# ' + line);
};
// step(description, async fn): a failed step is reported and the run goes on
// only when later steps do not depend on it (critical steps end the run)
async function step(description, fn, critical = true) {
  try {
    await fn();
    ok(description);
  } catch (e) {
    notOk(description, e && e.stack ? e.stack : e);
    if (critical) throw new Error('stopped after: ' + description);
  }
}
const assert = (condition, what) => {
  if (!condition) throw new Error(what);
};
const shot = (page, name) => page.screenshot({ path: path.join(shots, name + '.png'), fullPage: true });

const browser = await chromium.launch({
  executablePath: env('CHROMIUM'),
  headless: true,
  // no background connections (the test machine's network is closed), no GPU
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    ...(process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [])],
});
const dialogs = [];
const pageErrors = [];
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}
async function login(page, user, password) {
  await page.goto(url);
  await page.waitForSelector('#login-user');
  await page.fill('#login-user', user);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.waitForSelector('#kpis');
}

try {
  const page = await newPage();

  await step('the console asks to log in', async () => {
    await page.goto(url);
    await page.waitForSelector('#login-user');
    assert(page.url().endsWith('#/login'), 'not on the login page: ' + page.url());
    await shot(page, 'login');
  });

  await step('a wrong password is refused on the page', async () => {
    await page.fill('#login-user', env('OPERATOR'));
    await page.fill('#login-password', 'not-the-password');
    await page.click('#login-submit');
    await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
    const text = await page.textContent('#login-error');
    assert(/wrong/.test(text), 'the error says: ' + text);
  });

  await step('the operator logs in and sees the overview with its charts', async () => {
    await login(page, env('OPERATOR'), env('OPERATOR_PASSWORD'));
    assert((await page.textContent('#who-role')) === 'operator', 'the role shown is not operator');
    const charts = await page.locator('svg.chart').count();
    assert(charts === 4, `${charts} charts`);
    const bars = await page.locator('svg.chart rect').count();
    assert(bars > 0, 'the charts have no bars');
    const kpis = await page.textContent('#kpis');
    assert(/messages, last hour/.test(kpis) && /error rate/.test(kpis) && /outbox/.test(kpis) && /p99/.test(kpis),
      'the overview lacks figures: ' + kpis);
    await shot(page, 'overview');
  });

  await step('the rejected declaration is found by its reference', async () => {
    await page.click('#nav a[data-page="messages"]');
    await page.waitForSelector('#search-q');
    await page.fill('#search-q', env('REJECTED_REFERENCE'));
    await page.click('#search-submit');
    await page.waitForFunction((id) => {
      const rows = document.querySelectorAll('#results tbody tr');
      return rows.length === 1 && rows[0].textContent.includes(id);
    }, env('REJECTED_ID'));
    const row = await page.textContent('#results tbody tr');
    assert(row.includes('rejected') && row.includes('DEC113'), 'the row: ' + row);
    await shot(page, 'messages');
  });

  await step('its page shows the error at its place in the raw message', async () => {
    await page.click(`#results a[href="#/message/${env('REJECTED_ID')}"]`);
    await page.waitForSelector('#raw-pane .error-line');
    const marked = await page.locator('#raw-pane .error-line').allTextContents();
    assert(marked.length === 1, `${marked.length} lines marked`);
    assert(marked[0].includes("MOA+39:265400.00:EUR'") && marked[0].includes('DEC113') && marked[0].includes('1:19'),
      'the marked line: ' + marked[0]);
    const errors = await page.textContent('main');
    assert(errors.includes('message 1 segment 19 MOA element 1 component 2'), 'the place is not listed');
    const timeline = await page.locator('.timeline li').allTextContents();
    assert(timeline.some((t) => t.startsWith('validate') && t.includes('failed')), 'timeline: ' + timeline.join(' | '));
    await shot(page, 'message-rejected');
  });

  await step('hostile text in the message is shown as text, never run', async () => {
    const raw = await page.textContent('#raw-pane');
    assert(raw.includes('<img src=x onerror=alert(1)>'), 'the text is not shown as it is');
    assert((await page.locator('main img').count()) === 0, 'an img element was made from the message');
    assert(dialogs.length === 0, 'a dialog opened: ' + dialogs.join(', '));
  });

  await step('the operator replays the dead-lettered message', async () => {
    await page.click('#nav a[data-page="failed"]');
    const button = page.locator(`button.replay[data-id="${env('DEAD_ID')}"]`);
    await button.waitFor();
    assert(await button.isEnabled(), 'the replay button is disabled for an operator');
    await shot(page, 'failed');
    await button.click();
    await page.waitForFunction(() => !document.getElementById('notice').hidden);
    const notice = await page.textContent('#notice');
    assert(/put back by console:olga/.test(notice), 'the notice says: ' + notice);
  });

  await step('the replay is in the message\'s audit trail with who and when', async () => {
    await page.goto(url + '#/message/' + env('DEAD_ID'));
    await page.waitForSelector('#normalized-pane');
    const audit = await page.locator('section.card', { hasText: 'Audit' }).last().textContent();
    assert(/console:olga/.test(audit) && /replay/.test(audit) && /\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/.test(audit),
      'the audit section: ' + audit);
    const normalized = await page.textContent('#normalized-pane');
    assert(normalized.includes('<trn:'), 'no normalized WCO DM shown');
    await shot(page, 'message-replayed');
  });

  await step('partners, routes and the audit trail have their pages', async () => {
    await page.click('#nav a[data-page="partners"]');
    /* the page before (a message delivered to transit-agency) names it too: wait for this one */
    await page.waitForSelector('h1:has-text("Partners and routes")');
    await page.waitForSelector('text=transit-agency');
    const text = await page.textContent('main');
    assert(text.includes('erenhot-customs') && text.includes('broker') && !text.includes('s3cr3t'), 'partners page');
    await shot(page, 'partners');
    await page.click('#nav a[data-page="audit"]');
    await page.waitForSelector('text=console:olga');
    await shot(page, 'audit');
  }, false);

  await step('the operator logs out', async () => {
    await page.click('#logout');
    await page.waitForSelector('#login-user');
  });

  const viewer = await newPage();
  await step('a viewer is refused the replay', async () => {
    await login(viewer, env('VIEWER'), env('VIEWER_PASSWORD'));
    assert((await viewer.textContent('#who-role')) === 'viewer', 'the role shown is not viewer');
    // the refusing destination dead-letters the replayed delivery again
    const button = viewer.locator(`button.replay[data-id="${env('DEAD_ID')}"]`);
    for (let i = 0; i < 30 && !(await button.count()); i++) {
      await viewer.goto(url + '#/overview');
      await viewer.waitForSelector('#kpis');
      await viewer.goto(url + '#/failed');
      await viewer.waitForTimeout(300);
    }
    await button.waitFor();
    assert(await button.isDisabled(), 'the replay button is enabled for a viewer');
    assert(/operators only/.test(await button.textContent()), 'the button does not say why');
    // the server refuses it even when the page is made to send it
    await button.evaluate((b) => { b.disabled = false; });
    await button.click();
    await viewer.waitForFunction(() => !document.getElementById('notice').hidden);
    const notice = await viewer.textContent('#notice');
    assert(/Replay refused: only an operator may replay/.test(notice), 'the notice says: ' + notice);
    await shot(viewer, 'failed-viewer');
  });

  await step('the pages ran without script errors', async () => {
    assert(pageErrors.length === 0, pageErrors.join('\n'));
  }, false);
} catch (e) {
  if (!String(e.message).startsWith('stopped after')) notOk('the browser test ran', e.stack);
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
