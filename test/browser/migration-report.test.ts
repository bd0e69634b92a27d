import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordOutcome } from '../../src/ledger/ledger.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { confirmMapping } from '../../src/mapping/confirm.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { mapIdentity } from '../../src/report/identity.ts'
import { writeMigrationReport } from '../../src/report/migration-files.ts'
import { CHROMIUM } from '../../src/report/pdf.ts'
import { reconcile } from '../../src/run/reconciliation.ts'

const ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking']
const HAS_POPPLER = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

describe("the migration's report, in Chromium and as PDF", () => {
  let browser: Browser
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-migration-report-'))
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  })
  afterAll(async () => {
    await browser?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /**
   * A migration of `contacts` contacts (each co-owned by a different pair of users, two quarantined with markup in their
   * value), a delta that loads one of those, a verify, a stored fix and a rollback of the delta.
   */
  async function writeReport(name: string, contacts: number, pdf: boolean) {
    const ledger = createMemoryLedger()
    let time = Date.parse('2026-11-26T09:00:00Z')
    const at = () => new Date((time += 60_000))
    const migrate = await ledger.startRun('migrate', { instance: 'crm.example.com' }, at())
    const outcomes: RecordOutcome[] = []
    for (let id = 1; id <= contacts; id++) {
      outcomes.push(
        id <= 2
          ? {
              runId: migrate.runId,
              phase: 'Contacts',
              sourceKey: `Contacts:${id}`,
              status: 'quarantined',
              reason: 'lastName: "<script>alert(1)</script><b>Bold</b>" is longer than 50 characters',
            }
          : {
              runId: migrate.runId,
              phase: 'Contacts',
              sourceKey: `Contacts:${id}`,
              status: 'created',
              targetId: `00000000-0000-5000-8000-${String(id).padStart(12, '0')}`,
              warnings: [
                `assignedTo: assigned to user${id}a, user${id}b; Dataverse keeps one owner, user${id}a; user${id}b dropped`,
                `email: "mail${id}@@example" is not a valid e-mail address; left empty`,
              ],
            },
      )
    }
    await ledger.recordBatch(migrate.runId, 'Contacts', outcomes, { lastSourceId: contacts })
    await ledger.finishRun(migrate.runId, 'succeeded', at(), {
      reconciliation: reconcile(new Map([['Contacts', contacts]]), await ledger.counts(migrate.runId)),
      seconds: 20,
    })
    const delta = await ledger.startRun('delta', { instance: 'crm.example.com' }, at())
    await ledger.recordBatch(
      delta.runId,
      'Contacts',
      [
        {
          runId: delta.runId,
          phase: 'Contacts',
          sourceKey: 'Contacts:1',
          status: 'created',
          targetId: 'x-1',
        },
      ],
      { lastSourceId: 1 },
    )
    await ledger.finishRun(delta.runId, 'succeeded', at(), {
      reconciliation: reconcile(new Map([['Contacts', 1]]), await ledger.counts(delta.runId)),
      seconds: 2,
      deletions: 'deactivate',
    })
    const check = await ledger.startRun('verify', { of: delta.runId }, at())
    await ledger.finishRun(check.runId, 'succeeded', at(), {
      of: delta.runId,
      ok: true,
      sample: 200,
      entities: [
        {
          entity: 'Contacts',
          checked: contacts,
          matched: contacts,
          mismatched: 0,
          missing: 0,
          notMigrated: 0,
        },
      ],
    })
    await ledger.fixes.add([
      {
        entity: 'Contacts',
        id: 1,
        field: 'lastName',
        value: 'Short',
        original: 'x',
        fixedAt: at().toISOString(),
        fixedBy: 'Dana Lead',
      },
    ])
    const undo = await ledger.startRun('rollback', { of: delta.runId }, at())
    await ledger.finishRun(undo.runId, 'succeeded', at(), { of: delta.runId, deleted: 1, restored: 0 })

    const mappingPath = join(dir, 'mapping.yaml')
    const text = 'entities:\n  Contacts: { table: contact }\n'
    writeFileSync(mappingPath, text)
    writeFileSync(
      join(dir, 'mapping.lock.json'),
      JSON.stringify(confirmMapping(text, 'Dana Lead', new Date('2026-11-20T08:00:00Z'))),
    )
    const discovery = join(dir, 'discovery', 'discovery.json')
    mkdirSync(join(dir, 'discovery'), { recursive: true })
    writeFileSync(
      join(dir, 'discovery', 'scope.json'),
      JSON.stringify({
        modules: [
          { entity: 'Contacts', records: contacts },
          { entity: 'Accounts', records: 12 },
          { entity: 'Opportunities', records: 37 },
        ],
        rebuild: [{ kind: 'reports', count: 4 }],
        automation: { flows: 6, activeFlows: 2 },
      }),
    )
    const out = join(dir, name)
    mkdirSync(out, { recursive: true })
    const notes: string[] = []
    const mapping = defaultMapping()
    const written = await writeMigrationReport({
      out,
      runs: await ledger.runs(),
      ledger,
      mapping: { ...mapping, entities: mapping.entities.filter((e) => e.entity === 'Contacts') },
      mappingPath,
      source: {
        url: 'https://crm.example.com/index.php/api2',
        username: 'admin',
        instance: 'crm.example.com',
      },
      target: { url: 'https://contoso.crm4.dynamics.com' },
      by: 'Dana Lead',
      discoveryPath: discovery,
      pdf,
      notes,
      now: () => new Date('2026-11-27T12:00:00Z'),
    })
    return { out, written, identity: mapIdentity(mappingPath) }
  }

  async function open(file: string): Promise<{ page: Page; requests: string[] }> {
    const page = await browser.newPage()
    const requests: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    await page.goto(`file://${file}`)
    return { page, requests }
  }

  it('names who, what and where, what was left out, and groups warnings by rule whatever the data size', async () => {
    const small = await writeReport('small', 20, false)
    const large = await writeReport('large', 200, false)
    const { page, requests } = await open(join(small.out, 'report.html'))
    const field = (name: string) => page.locator(`dd[data-field="${name}"]`).textContent()
    expect(await field('Source (X2CRM)')).toBe('https://crm.example.com/index.php/api2 (as admin)')
    expect(await field('Target (Dataverse)')).toBe('https://contoso.crm4.dynamics.com')
    expect(small.identity.kind).toBe('confirmed')
    const hash = small.identity.kind === 'confirmed' ? small.identity.hash : 'none'
    expect(await field('Map')).toContain(hash)
    expect(await field('Map')).toContain('confirmed by Dana Lead on 2026-11-20T08:00:00.000Z')
    expect(await field('x2d365 version')).toMatch(/^\d+\.\d+\.\d+/)
    expect(await field('Operator')).toBe('Dana Lead')

    // Left out: the modules the map has no entry for, with their counts and why; the objects x2d365 does not move.
    const leftOut = await page.locator('#left-out tbody tr').allTextContents()
    expect(leftOut.find((r) => r.includes('Opportunities'))).toContain('37')
    expect(leftOut.find((r) => r.includes('Accounts'))).toContain('no entry')
    expect(leftOut.find((r) => r.includes('X2Flow workflows'))).toContain('6')
    expect(leftOut.find((r) => r.includes('reports'))).toContain('workflow-reconstruction.md')

    // Warnings by rule: 18 co-owner pairs and 18 bad e-mails are two rules; ten times the data, still two rows.
    const warningRows = await page.locator('#warnings tbody tr').count()
    expect(warningRows).toBe(2)
    expect(await page.locator('#warnings').textContent()).toContain('18')
    const bigPage = await open(join(large.out, 'report.html'))
    expect(await bigPage.page.locator('#warnings tbody tr').count()).toBe(warningRows)
    expect(await bigPage.page.locator('#warnings').textContent()).toContain('198')
    await bigPage.page.close()

    // The delta loaded one quarantined record: one is left. The history has every step in order.
    expect(await page.locator('#quarantine-title').textContent()).toBe('Quarantined (1)')
    expect(await page.locator('#quarantine').textContent()).toContain('Contacts:2')
    const history = await Promise.all(
      (await page.locator('#history tbody tr').all()).map((row) => row.getAttribute('data-kind')),
    )
    expect(history).toEqual(['migrate', 'delta', 'verify', 'fix', 'rollback'])
    expect(await page.locator('#sign-off').textContent()).toContain('crm.example.com')
    // Charts carry their text alternative and their numbers as a table.
    expect(await page.locator('#chart-records svg title').first().textContent()).toBe('Records per table')
    expect(await page.locator('#chart-records-data tbody tr').count()).toBe(1)
    expect(await page.locator('script').count()).toBe(0)
    expect(requests).toEqual([`file://${join(small.out, 'report.html')}`])
    await page.close()
  })

  it('shows X2CRM values with markup as text, and prints to a paginated PDF', async () => {
    const { out } = await writeReport('pdf', 20, true)
    // The quarantined record's value holds markup: it must not become HTML.
    const html = readFileSync(join(out, 'report.html'), 'utf8')
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('<b>Bold')
    const { page } = await open(join(out, 'report.html'))
    // No element came out of the value: the document has no script and no <b>, and shows the value as typed.
    expect(await page.locator('script, b').count()).toBe(0)
    expect(await page.locator('#quarantine').textContent()).toContain(
      '"<script>alert(1)</script><b>Bold</b>"',
    )
    await page.close()
    expect(existsSync(join(out, 'report.pdf'))).toBe(true)
    expect(readFileSync(join(out, 'report.pdf')).subarray(0, 5).toString()).toBe('%PDF-')
    if (!HAS_POPPLER) return
    const info = execFileSync('pdfinfo', [join(out, 'report.pdf')], { encoding: 'utf8' })
    const pages = Number(/Pages:\s+(\d+)/.exec(info)?.[1])
    expect(pages).toBeGreaterThan(2)
    const text = execFileSync('pdftotext', ['-layout', join(out, 'report.pdf'), '-'], { encoding: 'utf8' })
    expect(text).toContain('Migration report')
    expect(text).toContain('https://contoso.crm4.dynamics.com')
    expect(text).toContain('What was left out, and why')
    expect(text).toContain('Sign-off')
    expect(text).toContain('<script>alert(1)</script>')
    expect(text).toContain(`page ${pages} of ${pages}`)
  })
})
