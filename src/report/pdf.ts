import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { ConfigError } from '../errors.ts'

/** Debian's Chromium (`apt-get install chromium`): x2d365 never downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium'

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Prints an HTML file to PDF (A4, backgrounds, page numbers in the footer) with the installed Chromium. playwright-core
 * is imported here, lazily, so commands that write no PDF never load it.
 */
export async function writePdf(htmlPath: string, pdfPath: string, executablePath = CHROMIUM): Promise<void> {
  if (!existsSync(executablePath)) {
    throw new ConfigError([
      `${executablePath} not found: --pdf prints with Chromium. Install it (Debian/Ubuntu: \`apt-get install chromium\`) ` +
        'or leave out --pdf; report.html prints to PDF from any browser too.',
    ])
  }
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath, args: ARGS })
  try {
    const page = await browser.newPage()
    // The report fetches nothing; a request would be a bug, so none is allowed to leave.
    await page.route(/^(?!file:)/, (route) => route.abort())
    await page.goto(pathToFileURL(htmlPath).href)
    await page.emulateMedia({ media: 'print' })
    await page.pdf({
      path: pdfPath,
      format: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate:
        '<div style="font-size:8px;width:100%;text-align:center;color:#444">x2d365 migration report · page <span class="pageNumber"></span> of <span class="totalPages"></span></div>',
      margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
    })
  } finally {
    await browser.close()
  }
}
