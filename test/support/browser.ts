/**
 * Headless Debian Chromium for the admin page's tests, driven by playwright-core. The
 * flags keep it off the network this machine does not have (see the env notes): without
 * them it tries Google's hosts at every start.
 */
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

/**
 * A page in a fresh context (its own sessionStorage, so each test logs in anew) whose
 * script errors are collected in `errors`. The browser's own "Failed to load resource"
 * lines for refused requests (401, 409) are expected and left out.
 */
export async function freshPage(
  browser: Browser,
  errors: string[],
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  return { context, page };
}

/** Signs in on the page's login form. */
export async function login(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('login-button').click();
}
