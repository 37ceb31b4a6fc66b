import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';

/** The system Chromium (Debian package `chromium`); CHROMIUM_PATH overrides it. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** What a page did while it loaded. */
export interface PageVisit<T> {
  /** Console messages of type error or warning, as `type: text`. */
  console: string[];
  /** Uncaught exceptions. */
  pageErrors: string[];
  /** Every request other than the page itself (a self-contained page makes none). They are aborted, never sent. */
  requests: string[];
  /** Messages of alert/confirm/prompt dialogs the page opened (dismissed). */
  dialogs: string[];
  /** Full-page PNG, also written to `screenshotPath` when given. */
  screenshot: Buffer;
  /** What `inspect` returned. */
  result: T;
}

/**
 * Open a local HTML file in headless Chromium, record what it complains about and what it tries to
 * fetch, and take a full-page screenshot. `inspect` runs against the loaded page before the browser closes.
 */
export async function visit<T = undefined>(
  file: string,
  opts: { screenshotPath?: string; inspect?: (page: Page) => Promise<T>; width?: number } = {},
): Promise<PageVisit<T>> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: opts.width ?? 1280, height: 800 }, deviceScaleFactor: 1 });
    const url = pathToFileURL(file).href;
    const seen: Omit<PageVisit<T>, 'screenshot' | 'result'> = { console: [], pageErrors: [], requests: [], dialogs: [] };
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') seen.console.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => seen.pageErrors.push(e.message));
    page.on('request', (r) => {
      if (r.url() !== url) seen.requests.push(r.url());
    });
    page.on('dialog', (d) => {
      seen.dialogs.push(d.message());
      void d.dismiss();
    });
    // Recorded above, then refused: a test must never reach the network, even when the page misbehaves.
    await page.route((u) => u.href !== url, (route) => route.abort('blockedbyclient'));
    await page.goto(url, { waitUntil: 'load' });
    const screenshot = await page.screenshot({ fullPage: true, type: 'png' });
    if (opts.screenshotPath) await writeFile(opts.screenshotPath, screenshot);
    const result = (opts.inspect ? await opts.inspect(page) : undefined) as T;
    return { ...seen, screenshot, result };
  } finally {
    await browser.close();
  }
}
