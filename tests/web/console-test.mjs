// The web console of ringdesk-hub in a real browser (Debian's Chromium through playwright-core).
//
// Goes through the first setup against the simulators, as an administrator would: one-time link →
// set a password → connect the CRM (Test, then Save) and the PBX (first over plain http:// to
// "another computer": refused, then allowed with the option and warned about) → bind by e-mail
// (the preview lists the pairs and leaves the portal user out) → bind by hand (a portal user only
// after the force confirmation) → issue an agent key, a desktop signs in with it, revoke it and
// the desktop's session ends → turn on contact sync and auto-create → a call played in the PBX
// simulator shows on Overview → disable → disconnect. Then the security checks:
// CSRF refused, cookie flags, one-time link reuse refused, sign-in lockout, no secret in any page
// or response, hostile CRM names shown as text. Every page is photographed at 1280 and 360 px
// (RINGDESK_WEB_OUT/screenshots). Output: TAP.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const env = process.env;
const out = join(env.RINGDESK_WEB_OUT || '.', 'screenshots');
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.log('1..1\nnot ok 1 - playwright-core is not installed: run tools/deps.sh (npm ci in tests/web)');
  process.exit(1);
}

// ---- TAP ---------------------------------------------------------------------------------
let count = 0;
let failed = 0;
function ok(condition, name, detail) {
  count++;
  if (!condition) failed++;
  console.log(`${condition ? 'ok' : 'not ok'} ${count} - ${name}`);
  if (!condition && detail !== undefined) console.log(`# ${String(detail).replace(/\n/g, '\n# ')}`);
  return condition;
}

// ---- the harness (simulators + hub with console) -------------------------------------------------
const harness = spawn(env.RINGDESK_WEB_HARNESS, [], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: harness.stdout });
const waiting = [];
lines.on('line', (line) => { const next = waiting.shift(); if (next) next(line); });
const nextLine = () => new Promise((resolve) => waiting.push(resolve));
async function harnessCommand(text) {
  const answer = nextLine();
  harness.stdin.write(text + '\n');
  return answer;
}
const world = JSON.parse(await nextLine());
const base = world.console.replace(/\/$/, '');

function adminLink() {
  return execFileSync(env.RINGDESK_HUB, ['--socket', world.admin_socket, 'admin-link'], { encoding: 'utf8' }).trim();
}

// ---- the browser -------------------------------------------------------------------------------------
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const profile = join(tmpdir(), `rd-web-profile-${process.pid}`);
// A fresh profile directory of our own (Playwright passes it to Chromium as --user-data-dir).
// A browser that cannot start fails the suite with the reason (never a skip, never a pass).
let desktop;
try {
  desktop = await chromium.launchPersistentContext(profile, {
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
  });
} catch (e) {
  ok(false, `Chromium starts (${env.CHROMIUM || '/usr/bin/chromium'}; tools/deps.sh installs it)`, e.message);
  harness.stdin.end('quit\n');
  console.log(`1..${count}`);
  process.exit(1);
}

// Every response body the browser saw, to look for secrets afterwards.
const bodies = [];
function record(page) {
  page.on('response', async (response) => {
    try { bodies.push({ url: response.url(), text: await response.text() }); } catch (e) { /* redirects */ }
  });
}
const page = desktop.pages()[0] || await desktop.newPage();
record(page);
page.on('dialog', (dialog) => { ok(false, `no script dialog (${dialog.message()})`); dialog.dismiss(); });

// Every page at 1280 px and at 360 px (the same page, narrowed: forms' results included).
async function snap(name) {
  await page.screenshot({ path: join(out, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: join(out, `${name}-360.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const culprits = overflow <= 0 ? '' : await page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.parentElement.closest('.scroll'))
    .slice(0, 8).map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).join(', '));
  ok(overflow <= 0, `${name}: nothing wider than 360 px`, `${overflow} px too wide: ${culprits}`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

// At 360 px a list that became cards fits the page: no sideways scrolling inside it either.
async function fitsAt360(selector) {
  await page.setViewportSize({ width: 360, height: 740 });
  const width = await page.locator(selector).first().evaluate((e) => e.getBoundingClientRect().right);
  await page.setViewportSize({ width: 1280, height: 900 });
  return ok(width <= 360, `${selector} fits 360 px as cards`, `${width} px`);
}

async function flash() {
  const notice = page.locator('main .notice').first();
  return (await notice.count()) ? (await notice.innerText()) : '';
}

const password = 'a long console password';
try {
  // ---- first visit: nothing to sign in with yet --------------------------------------------------
  await page.goto(base + '/');
  ok(page.url().endsWith('/signin'), 'the console sends a visitor to sign in');
  ok((await page.content()).includes('ringdesk-hub admin-link'), 'the first visit says to run ringdesk-hub admin-link');
  await snap('signin-first');

  // ---- one-time link → set a password -----------------------------------------------------------------
  const link = adminLink();
  ok(/^http:\/\/127\.0\.0\.1:\d+\/link\?t=[A-Za-z0-9_-]{43}$/.test(link), 'admin-link prints a one-time URL', link);
  await page.goto(link);
  await snap('link');
  await page.fill('#name', 'admin');
  await page.fill('#password', password);
  await page.fill('#repeat', password);
  await page.click('button[type=submit]:has-text("Save and sign in")');
  ok(page.url().endsWith('/overview'), 'the link signs the new administrator in', page.url());
  ok((await page.locator('.next').innerText()).includes('connect the CRM'), 'Overview says what to do next: the CRM');
  await snap('overview-empty');

  const reuse = await page.goto(link);
  ok(reuse.status() === 410 && (await page.content()).includes('already used'), 'a used link is refused',
     reuse.status());

  // ---- CRM: Test, then Save ---------------------------------------------------------------------------------
  await page.goto(base + '/crm');
  await page.fill('#url', world.odoo_url);
  await page.fill('#database', world.odoo_database);
  await page.fill('#login', world.odoo_login);
  await page.fill('#api_key', world.odoo_key);
  await page.click('button[value=test]');
  const tested = await page.locator('#features').innerText();
  ok(tested.includes('17.0') && tested.includes('Community'), 'Test shows the CRM version and features', tested);
  ok(await page.inputValue('#api_key') === '', 'the key is not sent back after Test');
  await snap('crm-tested');
  await page.click('button[value=save]');      // the key just tested, kept on the server side
  ok((await flash()).includes('connected and saved'), 'Save connects the CRM', await flash());
  await snap('crm');

  // ---- CRM administrators sign in with their own CRM login and API key ---------------------------
  await page.click('header button:has-text("Sign out")');
  const crmForm = page.locator('form:has(input[name=method][value=crm])');
  await crmForm.locator('#login').fill('alice');
  await crmForm.locator('#api_key').fill(world.alice_key);
  await crmForm.locator('button').click();
  ok((await flash()).includes('not a CRM administrator'), 'a CRM user outside the Settings group is refused',
     await flash());
  await crmForm.locator('#login').fill(world.odoo_login);
  await crmForm.locator('#api_key').fill(world.odoo_key);
  await crmForm.locator('button').click();
  ok(page.url().endsWith('/overview') && (await page.locator('header .who').innerText()).includes('Administrator'),
     'a CRM administrator signs in with the CRM login and API key');
  await page.click('header button:has-text("Sign out")');
  await page.fill('#name', 'admin');
  await page.fill('#password', password);
  await page.click('form:has(input[name=method][value=password]) button');
  ok(page.url().endsWith('/overview'), 'and the console administrator again with the password');

  // ---- PBX: the kind of PBX, and that kind's own fields (the harness adds a second kind, "lab") ---------------
  await page.goto(base + '/pbx');
  const defaultKind = await page.inputValue('#kind');
  ok(await page.locator('#kind option').count() === 2 && defaultKind !== 'lab' && await page.locator('#client_id').count() === 1,
     'the PBX page offers both kinds, the default chosen with its own fields', defaultKind);
  await page.fill('#url', 'https://pbx.example.com');
  await page.selectOption('#kind', 'lab');      // the script asks for the kind's fields at once
  await page.waitForSelector('#tenant');
  ok(await page.inputValue('#kind') === 'lab' && await page.locator('#client_id').count() === 0 &&
     await page.inputValue('#url') === 'https://pbx.example.com',
     'choosing another kind shows its fields instead, keeping what was typed');
  ok(await page.getAttribute('#tenant', 'required') !== null && await page.getAttribute('#tenant', 'placeholder') === 'acme-1' &&
     await page.getAttribute('#token', 'type') === 'password' && await page.getAttribute('#poll_seconds', 'type') === 'number' &&
     (await page.locator('select#mode option').allInnerTexts()).join() === 'events,polling' &&
     (await page.locator('#tenant-hint').innerText()).includes("tenant's name"),
     'its settings as fields: text (required, with example and hint), password, number, list');
  await snap('pbx-kind');
  const de = await desktop.newPage();
  record(de);
  await de.route('**/*', (route) => route.continue({
    headers: { ...route.request().headers(), 'accept-language': 'de-DE,de;q=0.9' } }));
  await de.goto(base + '/pbx');
  ok((await de.locator('label[for=time_zone]').innerText()) === 'Zeitzone der Telefonanlage' &&
     (await de.locator('label[for=kind]').innerText()) === 'Typ',
     "the backend's field titles in the reader's language", await de.locator('label[for=time_zone]').innerText());
  await de.screenshot({ path: join(out, 'pbx-de-desktop.png'), fullPage: true });
  await de.goto(base + '/crm');
  await de.screenshot({ path: join(out, 'crm-de-desktop.png'), fullPage: true });
  await de.close();
  await page.selectOption('#kind', defaultKind);
  await page.waitForSelector('#client_id');
  ok(await page.locator('#tenant').count() === 0, 'and back');

  // ---- PBX: plain http:// to another computer only with the option, and then with a warning ------------
  const elsewhere = (await harnessCommand('elsewhere pbx')).replace(/^ok /, '');
  await page.goto(base + '/pbx');
  await page.fill('#url', elsewhere);
  await page.fill('#client_id', world.pbx_client_id);
  await page.fill('#client_secret', world.pbx_secret);
  await page.fill('#time_zone', 'Asia/Shanghai');
  ok(!(await page.isChecked('#insecure_http')), 'plain http:// to another computer is not allowed by default');
  await page.click('button[value=save]');
  ok((await flash()).includes('plain http://'), 'a PBX over plain http:// on another computer is refused', await flash());
  await page.check('#insecure_http');
  await page.fill('#client_secret', world.pbx_secret);
  await page.click('button[value=save]');
  ok((await flash()).includes('connected and saved'), 'allowed explicitly, it connects', await flash());
  const pbxWarning = page.locator('main .notice', { hasText: 'reached over plain http://' });
  ok(await pbxWarning.count() === 1 && await page.isChecked('#insecure_http'),
     'the PBX page warns about it and shows the option on', await page.locator('main').innerText());
  await snap('pbx-insecure');
  await page.goto(base + '/overview');
  ok((await page.locator('main .notice', { hasText: 'The PBX is reached over plain http://' }).count()) === 1,
     'Overview warns about it too');
  await snap('overview-insecure');

  // ---- PBX: back on this computer, with a time zone ---------------------------------------------------------
  await page.goto(base + '/pbx');
  await page.fill('#url', world.pbx_url);
  await page.uncheck('#insecure_http');
  await page.fill('#client_secret', world.pbx_secret);
  await page.fill('#time_zone', 'Mars/Olympus');
  await page.click('button[value=save]');
  ok((await flash()).includes('time zone'), 'a wrong time zone is refused in words', await flash());
  await page.fill('#client_secret', world.pbx_secret);
  await page.fill('#time_zone', 'Asia/Shanghai');
  await page.click('button[value=probe]');
  ok((await flash()).includes('https://'), 'Check certificate explains that http:// has none', await flash());

  // A self-signed https:// server: its fingerprint, pinned in the one pin syntax, is recognised as pinned.
  const tlsUrl = (await harnessCommand('tls-server')).replace(/^ok /, '');
  await page.fill('#url', tlsUrl);
  await page.click('button[value=probe]');
  const fingerprint = await page.locator('#certificate code.fingerprint').innerText();
  ok(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(fingerprint) && (await page.locator('#certificate').innerText()).includes('No'),
     'Check certificate shows the fingerprint of a self-signed certificate', fingerprint);
  await page.click('#certificate button:has-text("Pin this certificate")');
  ok(await page.inputValue('#cert_sha256') === fingerprint, 'Pin this certificate puts it in the form');
  await page.fill('#cert_sha256', fingerprint.replace(/:/g, '').toLowerCase());   // the same pin, other spelling
  await page.click('button[value=probe]');
  ok((await page.locator('#certificate').innerText()).includes('This is the pinned certificate'),
     'the certificate is recognised as the pinned one, however the pin is written');
  await snap('pbx-certificate');
  await page.fill('#url', world.pbx_url);
  await page.fill('#cert_sha256', '');
  await page.fill('#client_secret', world.pbx_secret);
  await page.click('button[value=save]');
  ok((await flash()).includes('connected and saved'), 'Save connects the PBX', await flash());
  ok(await page.inputValue('#time_zone') === 'Asia/Shanghai', 'the time zone is kept');
  ok((await page.locator('main .notice', { hasText: 'plain http://' }).count()) === 0 &&
     !(await page.isChecked('#insecure_http')), 'on this computer, no warning');
  await snap('pbx');

  // ---- users: bind by e-mail with a preview, by hand, agent key -----------------------------------------------------
  await page.goto(base + '/users');
  await snap('users');
  await page.click('button:has-text("Preview automatic binding")');
  const plan = await page.locator('#plan').innerText();
  ok(plan.includes('2001') && plan.includes('alice@example.com') && plan.includes('2005') &&
     !plan.includes('bob@example.com'), 'the preview lists the pairs it will bind, the portal user not among them', plan);
  const skipped = await page.locator('#skipped').innerText();
  ok(skipped.includes('2002') && skipped.includes('Portal') && skipped.includes('Not an employee'),
     'and says why the portal user with the extension\'s e-mail is not bound', skipped);
  await snap('users-auto-preview');
  await page.click('main a:has-text("Cancel")');
  // (an unbound row offers the free extensions in its list: bound ones have Unbind instead)
  ok(!(await page.locator('#users tr', { hasText: 'alice@example.com' }).innerText()).includes('Unbind'),
     'the preview changed nothing');
  await page.click('button:has-text("Preview automatic binding")');
  await page.click('button:has-text("Bind as listed")');
  const boundText = await page.locator('main').innerText();
  ok(boundText.includes('2 extension(s) bound by e-mail') && (await page.locator('#plan').innerText()).includes('2001'),
     'binding by e-mail binds what the preview listed', boundText);
  await snap('users-auto-bound');
  await page.click('main a:has-text("Back to users")');
  const aliceRow = page.locator('#users tr', { hasText: 'alice@example.com' });
  ok((await aliceRow.innerText()).includes('2001'), 'Alice is bound to 2001 by e-mail');
  ok(!(await page.locator('#users tr', { hasText: 'bob@example.com' }).innerText()).includes('Unbind'),
     'the portal user Bob is not bound by e-mail');
  const daveRow = page.locator('#users tr', { hasText: 'dave@example.com' });
  await daveRow.locator('select').selectOption('2004');
  await daveRow.locator('button:has-text("Bind")').click();
  ok((await flash()).includes('Bound'), 'binding by hand', await flash());
  ok((await page.locator('#users tr', { hasText: 'dave@example.com' }).innerText()).includes('2004'),
     'Dave is bound to 2004');

  // A portal user by hand: only after a confirmation that says why it is risky.
  const bobRow = () => page.locator('#users tr', { hasText: 'bob@example.com' });
  await bobRow().locator('select').selectOption('2002');
  await bobRow().locator('button:has-text("Bind…")').click();
  const forceText = await page.locator('main').innerText();
  ok((await page.locator('h1').innerText()) === 'Bind a portal user?' && forceText.includes('not an employee') &&
     forceText.includes('place calls'), 'binding a portal user asks first, saying why it is risky', forceText);
  await snap('users-force');
  await page.click('main a:has-text("Cancel")');
  ok(!(await bobRow().innerText()).includes('Unbind'), 'cancelled, Bob stays unbound');
  await bobRow().locator('select').selectOption('2002');
  await bobRow().locator('button:has-text("Bind…")').click();
  await page.click('main button:has-text("Bind anyway")');
  ok((await flash()).includes('Bound') && (await bobRow().innerText()).includes('2002'),
     'confirmed, the portal user is bound', await flash());
  await page.click('a:has-text("Portal")');
  ok(!(await page.locator('#users tbody').innerText()).includes('alice@example.com') &&
     (await page.locator('#users tbody').innerText()).includes('bob@example.com'), 'the kind filter shows portal users only');
  await snap('users-bound');

  await page.goto(base + '/users');
  await page.locator('#extensions tr', { hasText: '2001' }).locator('button').click();
  const key = await page.inputValue('#key');
  ok(/^rdk_[A-Za-z0-9_-]{43}$/.test(key), 'an agent key is issued and shown', key);
  ok(await page.locator('svg.qr path').count() === 1, 'with a QR code');
  ok(await page.locator('button.copy-button').isVisible(), 'and a copy button');
  await desktop.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.click('button.copy-button');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  ok(copied === key && (await page.locator('button.copy-button').innerText()) !== 'Copy',
     'the copy button puts the key on the clipboard and says so', await page.locator('button.copy-button').innerText());
  await snap('users-key');
  await page.goto(base + '/users');
  ok(!(await page.content()).includes(key), 'the key is not shown again');

  // A desktop signs in with the key; the key list shows it; Revoke ends the desktop's session.
  await harnessCommand(`agent 2001 ${key}`);
  let agentState = '';
  for (let i = 0; i < 40 && !agentState.startsWith('ok signed-in'); i++) {
    agentState = await harnessCommand('agent-state');
    if (!agentState.startsWith('ok signed-in')) await page.waitForTimeout(250);
  }
  ok(agentState.startsWith('ok signed-in'), 'a desktop signs in with the agent key', agentState);
  await page.goto(base + '/overview');
  ok(await page.locator('#agents').innerText() === '1', 'Overview counts the desktop among the agents online',
     await page.locator('#agents').innerText());

  // A call ringing at the extension right now is a call in progress on Overview, until it ends (unanswered).
  await harnessCommand(`ring 2001 ${world.hostile_caller}`);
  let live = '';
  for (let i = 0; i < 40 && live !== '1'; i++) {
    await page.goto(base + '/overview');
    live = await page.locator('#live').innerText();
    if (live !== '1') await page.waitForTimeout(250);
  }
  ok(live === '1', 'a ringing call shows among the calls in progress', live);
  await snap('overview-ringing');
  for (let i = 0; i < 60 && live !== '0'; i++) {
    await page.waitForTimeout(250);
    await page.goto(base + '/overview');
    live = await page.locator('#live').innerText();
  }
  ok(live === '0', 'and leaves them when it ends', live);
  await page.goto(base + '/users');
  const keyRow = page.locator('#keys tbody tr', { hasText: '2001' });
  const keyText = await keyRow.innerText();
  ok(keyText.includes('Alice Zhang') && keyText.includes('Yes') && !keyText.includes('Never'),
     'the agent keys list the key with its user, its use and the desktop signed in', keyText);
  await snap('users-keys');
  await keyRow.locator('button:has-text("Revoke…")').click();
  const revokeText = await page.locator('main').innerText();
  ok(revokeText.includes('2001') && revokeText.includes('signed out at once'),
     'Revoke asks first, naming the key and what happens', revokeText);
  await snap('users-revoke');
  await page.click('main button:has-text("Revoke key")');
  ok((await flash()).includes('Key revoked'), 'the key is revoked', await flash());
  ok((await page.locator('#keys tbody tr', { hasText: '2001' }).count()) === 0, 'and no longer listed');
  for (let i = 0; i < 40 && !agentState.includes('key-revoked'); i++) {
    agentState = await harnessCommand('agent-state');
    if (!agentState.includes('key-revoked')) await page.waitForTimeout(250);
  }
  ok(agentState === 'ok auth-failed key-revoked', "the desktop's session ended, told why", agentState);

  // ---- contact sync, auto-create, call logging -----------------------------------------------------------------------
  await page.goto(base + '/sync');
  await page.check('#enabled');
  await page.check('#kind-individual');
  await page.check('#kind-company');
  await page.fill('#phonebook', 'CRM_Synchronization');
  await page.click('button:has-text("Save")');
  ok((await flash()).includes('Saved'), 'contact sync turned on', await flash());
  ok(await page.isChecked('#enabled'), 'sync shows as on');
  await snap('sync');

  await page.goto(base + '/autocreate');
  await page.check('#enabled');
  await page.check('#calls-inbound');
  await page.check('#calls-outbound');
  await page.check('#as-lead');
  await page.click('button:has-text("Save")');
  ok((await flash()).includes('Saved') && await page.isChecked('#as-lead'), 'auto-create turned on, as leads', await flash());
  await snap('autocreate');

  await page.goto(base + '/logging');
  await page.check('#style-note');
  await page.click('button:has-text("Save")');
  ok((await flash()).includes('Saved') && await page.isChecked('#style-note'), 'calls are logged as notes', await flash());
  await snap('logging');

  // ---- a call in the simulator shows on Overview ------------------------------------------------------------------------
  await harnessCommand(`call 2001 ${world.known_caller}`);
  await harnessCommand(`call 2005 ${world.hostile_caller}`);
  let seen = false;
  for (let i = 0; i < 30 && !seen; i++) {
    await page.goto(base + '/overview');
    seen = (await page.locator('table.calls').count()) > 0 && (await page.locator('table.calls').innerText()).includes('Li Lei');
    if (!seen) await page.waitForTimeout(500);
  }
  ok(seen, 'the call played in the PBX simulator shows on Overview with its CRM record');
  let logged = false;
  for (let i = 0; i < 30 && !logged; i++) {
    await page.goto(base + '/activity');
    logged = (await page.locator('table.calls tr', { hasText: 'Li Lei' }).innerText()).includes('Logged');
    if (!logged) await page.waitForTimeout(500);
  }
  ok(logged, 'Activity shows the call logged in the CRM');
  ok((await harnessCommand('logs')) !== 'ok 0', 'the simulated CRM holds the call log');
  await page.goto(base + '/overview');
  await snap('overview-call');
  await page.goto(base + '/activity');
  await snap('activity');
  await fitsAt360('table.calls');

  // ---- a CRM outage: the write waits, Retry sends it when the CRM is back ----------------------------------
  await harnessCommand('crm-down');
  const logsBefore = await harnessCommand('logs');
  await harnessCommand(`call 2001 ${world.known_caller}`);
  let waitingRow = null;
  for (let i = 0; i < 40 && !waitingRow; i++) {
    await page.goto(base + '/activity');
    const rows = page.locator('#outbox tr', { hasText: 'Call log' });
    if ((await rows.count()) > 0 && (await rows.first().innerText()).match(/Could not|refused|reach|closed/i))
      waitingRow = rows.first();
    else
      await page.waitForTimeout(500);
  }
  ok(waitingRow !== null, 'a call log that cannot reach the CRM waits on Activity with its error');
  await page.goto(base + '/overview');
  ok(Number(await page.locator('.tiles li', { hasText: 'CRM writes waiting' }).locator('.figure').innerText()) > 0,
     'Overview counts the waiting CRM writes');
  const crmRow = await page.locator('table.facts tr', { hasText: 'CRM' }).innerText();
  ok(crmRow.includes('Unreachable') && /Could not|refused|reach|closed|terminated/i.test(crmRow),
     'Overview shows the CRM unreachable, with the last error in words', crmRow);
  await snap('overview-crm-unreachable');
  await page.goto(base + '/activity');
  await snap('activity-waiting');
  await fitsAt360('#outbox table');
  await harnessCommand('crm-up');
  await page.locator('#outbox tr', { hasText: 'Call log' }).first().locator('button:has-text("Retry")').click();
  ok((await flash()).includes('Sent again'), 'Retry sends a waiting write again now', await flash());
  let retried = false;
  for (let i = 0; i < 30 && !retried; i++) {
    retried = (await harnessCommand('logs')) !== logsBefore;
    if (!retried) await page.waitForTimeout(300);
  }
  ok(retried, 'after Retry the call is logged in the CRM');

  // ---- hostile CRM and PBX text is text -----------------------------------------------------------------------------------
  const activityText = await page.locator('table.calls').innerText();
  ok(activityText.includes('<script>window.pwned=1</script>Evil Corp'), 'a hostile CRM name is shown as text');
  await page.goto(base + '/users');
  ok((await page.locator('#users').innerText()).includes('<img src=x onerror="document.title=\'pwned\'">Mallory'),
     'a hostile CRM user name is shown as text');
  ok((await page.locator('#extensions').innerText()).includes('"><b>Evil</b> desk'), 'a hostile PBX name is shown as text');
  ok(await page.evaluate(() => window.pwned === undefined && document.title !== 'pwned' &&
                                !document.querySelector('main img, main b, main script')),
     'no markup from the CRM or the PBX runs or renders');

  // ---- audit log, administrators, translations ---------------------------------------------------------------------------------
  await page.goto(base + '/audit');
  const audit = await page.locator('main table').innerText();
  ok(audit.includes('console:admin') && audit.includes('crm:admin') && audit.includes('connect-crm') &&
     audit.includes('bind') && audit.includes('force=true') && audit.includes('revoke'),
     'the audit log shows who changed what');
  await snap('audit');
  await page.goto(base + '/admins');
  await page.fill('#name', 'locktest');
  await page.fill('#password', 'another long password');
  await page.fill('#repeat', 'another long password');
  await page.click('button:has-text("Save")');
  ok((await page.locator('main table').innerText()).includes('locktest'), 'a second administrator is added');
  await snap('admins');

  const zh = await desktop.newPage();
  record(zh);
  // The context's locale is en-US: this page's requests say Chinese instead.
  await zh.route('**/*', (route) => route.continue({
    headers: { ...route.request().headers(), 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' } }));
  await zh.goto(base + '/overview');
  ok((await zh.locator('h1').innerText()) === '概览' && (await zh.getAttribute('html', 'lang')) === 'zh-CN',
     'the console speaks Chinese to a zh-CN browser', await zh.locator('h1').innerText());
  await zh.screenshot({ path: join(out, 'overview-zh-desktop.png'), fullPage: true });
  await zh.goto(base + '/crm/confirm?action=disconnect');
  await zh.screenshot({ path: join(out, 'crm-disconnect-zh-desktop.png'), fullPage: true });
  await zh.close();

  // ---- CSRF ------------------------------------------------------------------------------------------------------------------
  const noToken = await page.request.post(base + '/crm/state', { form: { action: 'disable' } });
  ok(noToken.status() === 403, 'a form without the CSRF token is refused', noToken.status());
  const badToken = await page.request.post(base + '/crm/state', { form: { action: 'disable', csrf: 'x'.repeat(43) } });
  ok(badToken.status() === 403, 'a form with a wrong CSRF token is refused', badToken.status());
  const csrf = await page.getAttribute('form[action="/signout"] input[name=csrf]', 'value');
  const foreign = await page.request.post(base + '/crm/state', { form: { action: 'disable', csrf },
                                                                 headers: { Origin: 'http://evil.example' } });
  ok(foreign.status() === 403, 'a form posted from another site is refused', foreign.status());
  await page.goto(base + '/crm');
  ok((await page.locator('main').innerText()).includes('Connected'), 'the refused forms changed nothing');

  // ---- cookie flags -------------------------------------------------------------------------------------------------------------
  const cookie = (await desktop.cookies()).find((c) => c.name === 'rd_session');
  ok(cookie && cookie.httpOnly && cookie.sameSite === 'Strict' && cookie.path === '/',
     'the session cookie is HttpOnly, SameSite=Strict', JSON.stringify(cookie));
  ok(cookie && !cookie.secure && cookie.expires === -1, 'on plain loopback HTTP it is a session cookie without Secure',
     JSON.stringify(cookie));

  // ---- disable, enable, disconnect ----------------------------------------------------------------------------------------------
  await page.click('a:has-text("Disable…")');
  const disableText = await page.locator('main').innerText();
  ok(disableText.includes('Keeps:') && disableText.includes('queued'), 'Disable says what it keeps and stops');
  await snap('crm-disable-confirm');
  await page.click('main button:has-text("Disable")');
  ok((await flash()).includes('Disabled'), 'the CRM integration is disabled', await flash());
  await page.goto(base + '/overview');
  ok((await page.locator('table.facts').innerText()).includes('Disabled'), 'Overview shows it disabled');
  await snap('overview-disabled');
  await page.goto(base + '/crm');
  await page.click('a:has-text("Enable…")');
  ok((await page.locator('main').innerText()).includes('Resumes:'), 'Enable says what it resumes');
  await snap('crm-enable-confirm');
  await page.click('main button:has-text("Enable")');
  ok((await flash()).includes('Enabled'), 'the CRM integration is enabled again', await flash());
  let enabled = false;
  for (let i = 0; i < 40 && !enabled; i++) {
    await page.goto(base + '/overview');
    enabled = (await page.locator('table.facts').innerText()).includes('Connected');
    if (!enabled) await page.waitForTimeout(250);
  }
  ok(enabled, 'Overview shows it connected again');
  await page.goto(base + '/crm');
  await page.click('a:has-text("Disconnect…")');
  const disconnectText = await page.locator('main').innerText();
  ok(disconnectText.includes('Clears:') && disconnectText.includes('phonebook'), 'Disconnect says what it clears and keeps');
  await snap('crm-disconnect-confirm');
  await page.click('main button:has-text("Disconnect")');
  ok((await flash()).includes('Disconnected'), 'the CRM is disconnected', await flash());
  await page.goto(base + '/users');
  ok((await page.locator('main').innerText()).includes('Connect the CRM first'), 'without a CRM, Users says what to do');
  await page.goto(base + '/overview');
  ok((await page.locator('.next').innerText()).includes('connect the CRM'), 'Overview asks for the CRM again');

  // ---- a CRM over plain http:// on another computer: only with the option, then warned about ----------------
  const odooElsewhere = (await harnessCommand('elsewhere odoo')).replace(/^ok /, '');
  await page.goto(base + '/crm');
  await page.fill('#url', odooElsewhere);
  await page.fill('#database', world.odoo_database);
  await page.fill('#login', world.odoo_login);
  await page.fill('#api_key', world.odoo_key);
  await page.click('button[value=save]');
  ok((await flash()).includes('plain http://'), 'a CRM over plain http:// on another computer is refused', await flash());
  await page.check('#insecure_http');
  await page.fill('#api_key', world.odoo_key);
  await harnessCommand('crm-delay 1000');       // a slow CRM: the first fill of the phone index takes seconds
  await harnessCommand('company-country -');     // and a CRM whose company has no country and Leads turned off
  await harnessCommand('leads off');
  await page.click('button[value=save]');
  let fill = '';
  const crmPage = page.url();
  const watcher = await desktop.newPage();
  // (one CRM request a second: after the first page of people, the count has moved)
  for (let i = 0; i < 100 && !/^Progress: [1-9]/.test(fill); i++) {
    await watcher.goto(base + '/overview');
    if (await watcher.locator('#index-fill').count()) fill = await watcher.locator('#index-fill').innerText();
    else await watcher.waitForTimeout(100);
  }
  ok(/^Progress: [1-9]\d* records read so far; now reading (people|companies|leads)\.$/.test(fill),
     'while the phone index fills, Overview shows how far it got', fill);
  await watcher.screenshot({ path: join(out, 'overview-index-filling-desktop.png'), fullPage: true });
  await watcher.close();
  await harnessCommand('crm-delay 0');
  ok(page.url() === crmPage &&
     (await flash()).includes('connected and saved') &&
     (await page.locator('main .notice', { hasText: 'The CRM is reached over plain http://' }).count()) === 1,
     'allowed explicitly, it connects, and the CRM page warns about it', await page.locator('main').innerText());
  await snap('crm-insecure');
  await page.goto(base + '/overview');
  ok((await page.locator('main .notice', { hasText: 'The CRM is reached over plain http://' }).count()) === 1,
     'Overview warns about the CRM too');

  // ---- what the CRM's own settings change: no company country, Leads turned off ---------------------------------
  const noCountry = page.locator('main .notice', { hasText: 'The CRM company has no country' });
  ok(await noCountry.count() === 1, 'Overview says the CRM company has no country and what to do');
  await page.goto(base + '/autocreate');
  await page.check('#enabled');
  await page.check('#calls-inbound');
  await page.check('#as-lead');
  await page.click('button:has-text("Save")');
  ok((await flash()).includes('Saved') &&
     (await page.locator('main .notice', { hasText: 'Leads are turned off in the CRM' }).count()) === 1,
     'auto-create as leads with Leads turned off in the CRM says they become opportunities',
     await page.locator('main').innerText());
  await snap('autocreate-leads-off');
  await page.goto(base + '/logging');
  ok(await noCountry.count() === 1, 'Call logging says it too, where the country is given');
  await page.fill('#region', 'CN');
  await page.click('button:has-text("Save")');
  ok((await flash()).includes('Saved') && await noCountry.count() === 0 && await page.inputValue('#region') === 'CN',
     'with the country given, the note is gone', await page.locator('main').innerText());
  await page.goto(base + '/overview');
  ok(await noCountry.count() === 0, 'from Overview too');
  await harnessCommand('company-country CN');
  await harnessCommand('leads on');

  // ---- sign-out, keyboard sign-in, lockout ----------------------------------------------------------------------------------------
  await page.click('header button:has-text("Sign out")');
  ok(page.url().includes('/signin') && (await page.content()).includes('signed out'), 'sign-out');
  const after = await page.goto(base + '/overview');
  ok(after.url().endsWith('/signin'), 'a signed-out browser is sent to sign in');
  await snap('signin');

  await page.keyboard.press('Tab');
  ok(await page.evaluate(() => document.activeElement.textContent) === 'Skip to content', 'the first Tab reaches "Skip to content"');
  await page.focus('#name');
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/overview');
  ok(page.url().endsWith('/overview'), 'signing in with the keyboard only');
  await page.click('header button:has-text("Sign out")');

  let last;
  for (let i = 0; i < 5; i++) {
    await page.goto(base + '/signin');
    await page.fill('#name', 'locktest');
    await page.fill('#password', 'wrong password ' + i);
    last = await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
  }
  ok((await flash()).includes('Wrong name or password'), 'a wrong password is refused', await flash());
  await page.goto(base + '/signin');
  await page.fill('#name', 'locktest');
  await page.fill('#password', 'another long password');
  const [locked] = await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
  ok(locked.status() === 429 && (await flash()).includes('Too many failed sign-ins'),
     'after five failures even the right password is refused for a while', `${locked.status()} ${await flash()}`);
  await snap('signin-locked');
  await page.goto(base + '/signin');
  await page.fill('#name', 'admin');
  await page.fill('#password', password);
  await page.click('button:has-text("Sign in")');
  ok(page.url().endsWith('/overview'), 'the lockout of one account does not lock out another');

  // ---- no secret anywhere -----------------------------------------------------------------------------------------------------------
  const secrets = { 'CRM API key': world.odoo_key, 'PBX secret': world.pbx_secret, 'user key': world.alice_key,
                    'console password': password };
  for (const [what, secret] of Object.entries(secrets)) {
    const leak = bodies.find((b) => b.text.includes(secret));
    ok(!leak, `no ${what} in any page or response`, leak && leak.url);
  }
  const keyPages = bodies.filter((b) => b.text.includes(key));
  ok(keyPages.length === 1 && keyPages[0].url.endsWith('/users/key'), 'the agent key was sent once, on its own page',
     keyPages.map((b) => b.url).join(', '));
} catch (e) {
  ok(false, 'the walk through the console finished', e.stack);
  try { await page.screenshot({ path: join(out, 'failure.png'), fullPage: true }); } catch (e2) { /* closed */ }
} finally {
  await desktop.close();
  rmSync(profile, { recursive: true, force: true });
}
// The hub and the simulators stop cleanly (under AddressSanitizer: without a leak or a fault).
const exited = new Promise((resolve) => harness.on('exit', (code, signal) => resolve({ code, signal })));
harness.stdin.write('quit\n');
harness.stdin.end();
const { code, signal } = await exited;
ok(code === 0, 'the hub and the simulators stop cleanly', `exit ${code} ${signal || ''}`);
console.log(`1..${count}`);
process.exit(failed > 0 ? 1 : 0);
