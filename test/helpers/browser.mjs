// Headless Chromium for the dashboard test and benchmark: Debian's `chromium` package driven by
// playwright-core (no browser download). IONCAM_CHROMIUM points at another Chromium binary.
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.IONCAM_CHROMIUM || '/usr/bin/chromium';

export const INSTALL_HINT =
  `no Chromium at ${CHROMIUM_PATH}: install Debian's package with \`apt-get install -y chromium\` ` +
  '(or set IONCAM_CHROMIUM to a Chromium binary)';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumInstalled() {
  return existsSync(CHROMIUM_PATH);
}

/** A fresh browser with its own temporary profile (playwright's launch() makes and removes it). */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, headless: true });
}
