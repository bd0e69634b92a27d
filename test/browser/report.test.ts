import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { reconcile } from '../../src/run/reconciliation.ts'
import { renderHtml } from '../../src/report/render-html.ts'
import { addRelatedRuns, summarizeRun } from '../../src/report/run-report.ts'

// Debian's Chromium, installed by .ci/run; never a downloaded browser.
const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

describe('the HTML run report in a real browser', () => {
  let browser: Browser
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-report-'))
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  })
  afterAll(async () => {
    await browser?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function reportFile(balanced: boolean): Promise<string> {
    const ledger = createMemoryLedger()
    const at = new Date('2026-11-26T10:00:00Z')
    const run = await ledger.startRun('migrate', {}, at)
    await ledger.recordBatch(
      run.runId,
      'Contacts',
      [
        {
          runId: run.runId,
          phase: 'Contacts',
          sourceKey: 'Contacts:1',
          status: 'created',
          targetId: '00000000-0000-5000-8000-000000000001',
        },
        {
          runId: run.runId,
          phase: 'Contacts',
          sourceKey: 'Contacts:2',
          status: 'quarantined',
          reason: "The length of the 'lastname' attribute <exceeded> 50",
        },
      ],
      { lastSourceId: 2 },
    )
    const reconciliation = reconcile(
      new Map([['Contacts', balanced ? 2 : 3]]),
      await ledger.counts(run.runId),
    )
    await ledger.finishRun(run.runId, 'succeeded', new Date(at.getTime() + 2000), {
      reconciliation,
      seconds: 2,
    })
    const finished = await ledger.run(run.runId)
    if (!finished) throw new Error('run vanished')
    const file = join(dir, `report-${balanced}.html`)
    writeFileSync(file, renderHtml(await summarizeRun(finished, ledger.outcomes(run.runId))))
    return file
  }

  it('shows the reconciliation, the verdict and the quarantine, and fetches nothing', async () => {
    const page = await browser.newPage()
    const requests: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    const file = await reportFile(true)
    await page.goto(`file://${file}`)

    expect(await page.locator('#verdict').textContent()).toContain('Balanced')
    const row = page.locator('#reconciliation tr[data-phase="Contacts"] td')
    expect(await row.allTextContents()).toEqual(['Contacts', '2', '1', '0', '1', '0', 'yes'])
    expect(await page.locator('svg[aria-label="outcomes per phase"] rect').count()).toBe(2)
    // The reason is text, not markup: the angle brackets survive escaping.
    expect(await page.locator('#quarantine + p + table').textContent()).toContain('<exceeded>')
    expect(requests).toEqual([`file://${file}`])
    await page.close()
  })

  /** A migration, verified (or not) by a verify run that found one changed job title and one missing row. */
  async function verifiedReportFile(verified: boolean): Promise<string> {
    const ledger = createMemoryLedger()
    const at = new Date('2026-11-26T10:00:00Z')
    const run = await ledger.startRun('migrate', { instance: 'prod' }, at)
    await ledger.finishRun(run.runId, 'succeeded', new Date(at.getTime() + 2000), {
      reconciliation: reconcile(new Map([['Contacts', 0]]), []),
      seconds: 2,
    })
    if (verified) {
      const check = await ledger.startRun(
        'verify',
        { instance: 'prod', of: run.runId },
        new Date(at.getTime() + 5000),
      )
      await ledger.finishRun(check.runId, 'succeeded', new Date(at.getTime() + 6000), {
        of: run.runId,
        ok: false,
        seconds: 1,
        entities: [
          {
            entity: 'Contacts',
            checked: 40,
            matched: 39,
            mismatched: 1,
            missing: 1,
            notMigrated: 2,
            byColumn: { jobtitle: 1 },
            mismatches: [
              {
                sourceKey: 'Contacts:7',
                targetId: '00000000-0000-5000-8000-000000000007',
                field: 'title',
                column: 'jobtitle',
                expected: 'CFO',
                actual: '<b>Changed by hand</b>',
              },
            ],
            missingKeys: ['Contacts:9'],
          },
        ],
      })
    }
    const migrated = await ledger.run(run.runId)
    if (!migrated) throw new Error('run vanished')
    const report = addRelatedRuns(
      await summarizeRun(migrated, ledger.outcomes(run.runId)),
      await ledger.runs(),
    )
    const file = join(dir, `verified-${verified}.html`)
    writeFileSync(file, renderHtml(report))
    return file
  }

  it('shows the verification that checked the run, per object and per column, and fetches nothing', async () => {
    const page = await browser.newPage()
    const requests: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    const file = await verifiedReportFile(true)
    await page.goto(`file://${file}`)

    expect(await page.locator('#verification-verdict').textContent()).toContain(
      'Differences found: 1 record differs from its source, 1 record missing from Dataverse.',
    )
    expect(
      await page.locator('#verification-objects tr[data-entity="Contacts"] td').allTextContents(),
    ).toEqual(['Contacts', '40', '39', '1', '1', '2'])
    const column = page.locator('#verification-columns tr[data-column="Contacts.jobtitle"] td')
    expect(await column.allTextContents()).toEqual([
      'Contacts',
      'jobtitle',
      'title',
      '1',
      // Dataverse's value is shown as text: its markup is not rendered.
      'Contacts:7: "CFO" → "<b>Changed by hand</b>"',
    ])
    expect(await page.locator('#verification-columns b').count()).toBe(0)
    expect(await page.locator('svg[aria-label="verification per object"] rect').count()).toBe(3)
    expect(await page.locator('p.missing').textContent()).toContain('Contacts:9')
    expect(await page.locator('#verification-objects').isVisible()).toBe(true)
    expect(requests).toEqual([`file://${file}`])
    await page.close()
  })

  it('says when a run is not verified yet, and what to run', async () => {
    const page = await browser.newPage()
    await page.goto(`file://${await verifiedReportFile(false)}`)
    expect(await page.locator('#verification-verdict').textContent()).toBe(
      'Not verified yet: run x2d365 verify (then x2d365 report again).',
    )
    expect(await page.locator('#verification-objects').count()).toBe(0)
    await page.close()
  })

  it('says plainly when the reconciliation does not balance', async () => {
    const page = await browser.newPage()
    await page.goto(`file://${await reportFile(false)}`)
    expect(await page.locator('#verdict').textContent()).toContain('NOT balanced')
    expect(await page.locator('#reconciliation tr[data-phase="Contacts"] td').last().textContent()).toBe(
      'no (-1)',
    )
    await page.close()
  })
})
