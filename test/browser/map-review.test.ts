import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { generate } from '../../sim/seed/generate.ts'
import { createX2crmSimulator, DEFAULT_ADMIN_KEY } from '../../sim/x2crm/index.ts'
import { demoSystemUsers } from '../../src/cli/demo-users.ts'
import { discover } from '../../src/discover/discover.ts'
import { checkConfirmed, parseLock } from '../../src/mapping/confirm.ts'
import { parseMapping } from '../../src/mapping/parse-mapping.ts'
import { proposeMapping } from '../../src/mapping/propose-mapping.ts'
import { writeMapping } from '../../src/mapping/write-mapping.ts'
import { readTargetSchema } from '../../src/schema/read-target-schema.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import { gatherReviewData } from '../../src/web/gather.ts'
import { serveReview, type ReviewServer } from '../../src/web/serve-review.ts'
import { defaultTargetSchema } from '../e2e/mapping-schemas.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

// Debian's Chromium, installed by .ci/run; never a downloaded browser.
const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const SCRIPT = '<script>window.__pwned = true</script>'
const TEAM = { teamid: '7d0a6b52-0000-4000-8000-00000000aa01', name: 'Sales <Team>' }
const DISABLED = {
  systemuserid: '7d0a6b52-0000-4000-8000-00000000bb01',
  internalemailaddress: 'gone@x2d365.example',
  firstname: 'Gone',
  lastname: 'Away',
  isdisabled: true,
}

describe('map review in a real browser', () => {
  let browser: Browser
  let server: ReviewServer
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-review-'))
  const paths = {
    mapping: join(dir, 'mapping.yaml'),
    users: join(dir, 'users.yaml'),
    lock: join(dir, 'mapping.lock.json'),
  }

  beforeAll(async () => {
    const { dataset } = generate({ seed: 5, accounts: 30, contacts: 60 })
    // A sample value holding a script: the page must show it as text.
    for (const contact of (dataset.records['Contacts'] ?? []).slice(0, 40)) {
      ;(contact as Record<string, unknown>)['backgroundInfo'] = SCRIPT
    }
    const x2crm = createX2crmSimulator({ data: dataset, now: () => 1795660000 })
    const source = createX2crmClient({
      url: 'http://127.0.0.1:8081/index.php/api2',
      username: 'admin',
      apiKey: DEFAULT_ADMIN_KEY,
      fetch: fetchFor(x2crm.handle),
      sleep: async () => undefined,
    })
    const dataverse = createDataverseSimulator({ origin: 'https://127.0.0.1:8443' })
    dataverse.seed('systemuser', [...demoSystemUsers(dataset.users), DISABLED])
    dataverse.seed('team', [TEAM])
    const settings = dataverse.settings()
    const fetch = fetchFor(dataverse.handle)
    const { getToken } = createMsalTokenProvider({ ...settings, fetch })
    const metadata = createDataverseMetadataClient({
      url: settings.url,
      fetch,
      getToken,
      sleep: async () => undefined,
    })
    const target = createDataverseClient({ url: settings.url, fetch, getToken })
    const discovery = await discover({
      source,
      readTable: async (name) => (await readTargetSchema(metadata, [name], defaultTargetSchema()))[name],
      now: () => new Date('2026-11-26T00:00:00Z'),
    })
    // What `x2d365 map propose` writes, from the same sample.
    const samples: Record<string, Record<string, unknown>[]> = {}
    for (const entity of Object.keys(discovery.source.entities)) {
      samples[entity] = (dataset.records[entity] ?? []).slice(0, 200)
    }
    const proposal = proposeMapping(discovery.source, discovery.target, samples)
    writeFileSync(paths.mapping, writeMapping(proposal.written, proposal.evidence))
    expect(proposal.review.length).toBeGreaterThan(0)

    const entities = Object.entries(proposal.written.entities)
    const data = await gatherReviewData(
      {
        discovery,
        entities: entities.map(([name]) => name),
        splitEntities: entities.filter(([, e]) => e.split !== undefined).map(([name]) => name),
        ownedEntities: ['Accounts', 'Contacts'],
      },
      { source, target },
    )
    server = await serveReview(paths, data, { now: () => new Date('2026-12-01T10:00:00Z') })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  }, 30_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses a request without the token', async () => {
    const origin = new URL(server.url).origin
    expect((await globalThis.fetch(`${origin}/`)).status).toBe(403)
    expect((await globalThis.fetch(`${origin}/api/state`)).status).toBe(403)
    const wrong = await globalThis.fetch(`${origin}/${'x'.repeat(32)}/api/state`)
    expect(wrong.status).toBe(403)
    expect(wrong.headers.get('access-control-allow-origin')).toBeNull()
    const state = await globalThis.fetch(`${server.url}api/state`)
    expect(state.status).toBe(200)
    // A cross-site post carrying the URL's token but not the header is refused.
    const forged = await globalThis.fetch(`${server.url}api/map`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: '{}',
    })
    expect(forged.status).toBe(403)
  })

  it('accepts flagged lines, edits a line and the split rule, maps an owner to a team, confirms', async () => {
    const page = await browser.newPage()
    const outside: string[] = []
    page.on('request', (request) => {
      if (!request.url().startsWith(new URL(server.url).origin)) outside.push(request.url())
    })
    await page.goto(server.url)
    await page.getByLabel('Object', { exact: true }).selectOption('Contacts')

    // The script in the sample values is text, and did not run.
    await expect.poll(() => page.getByText(`${SCRIPT} (40)`).count()).toBeGreaterThan(0)
    expect(await page.evaluate(() => (globalThis as { __pwned?: boolean }).__pwned)).toBeUndefined()

    // Accept one flagged line, then all of Contacts, then every other object's.
    const flaggedBefore = (parse(readFileSync(paths.mapping, 'utf8')) as Written).entities
    const firstFlagged = Object.entries(flaggedBefore['Contacts']?.fields ?? {}).find(([, f]) => f.review)
    expect(firstFlagged).toBeDefined()
    const [field] = firstFlagged ?? ['']
    // The review filter shows only the flagged lines (of both tables of Contacts).
    const contacts = flaggedBefore['Contacts']
    const flaggedCount = [contacts?.fields ?? {}, contacts?.split?.fields ?? {}]
      .flatMap((fields) => Object.values(fields))
      .filter((f) => f.review !== undefined).length
    await page.getByLabel('flagged for review').check()
    expect(await page.locator('#lines-caption').textContent()).toMatch(
      new RegExp(`^Contacts: ${flaggedCount} of \\d+ lines`),
    )
    // By keyboard: focus the line's Accept button and press Enter.
    await page.getByRole('button', { name: `Accept ${field} → contact`, exact: true }).focus()
    await page.keyboard.press('Enter')
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toBe(`Accepted ${field} → contact.`)
    expect(
      (parse(readFileSync(paths.mapping, 'utf8')) as Written).entities['Contacts']?.fields[field]?.review,
    ).toBeUndefined()

    await page.getByLabel('flagged for review').uncheck()
    // Change a mapping: Contacts.title → a new column.
    await page.getByRole('button', { name: 'Edit title → contact', exact: true }).click()
    await page.getByLabel('Column of contact').selectOption('+new')
    await page.getByLabel('New column name').fill('new_reviewtitle')
    await page.getByLabel('max length').fill('120')
    await page.getByRole('button', { name: 'Save title' }).click()
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Saved title.')

    // Map choice values side by side: the first X2CRM lead source → the last choice of leadsourcecode.
    await page.getByRole('button', { name: 'Edit leadSource → contact', exact: true }).click()
    const choice = page.getByLabel(/^Dataverse choice for /).first()
    const stored = (await choice.getAttribute('aria-label'))?.replace('Dataverse choice for ', '') ?? ''
    const values = await choice
      .locator('option')
      .evaluateAll((o) => o.map((x) => (x as unknown as { value: string }).value))
    const picked = values[values.length - 1] ?? ''
    await choice.selectOption(picked)
    await page.getByRole('button', { name: 'Save leadSource' }).click()
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Saved leadSource.')
    const choices = (parse(readFileSync(paths.mapping, 'utf8')) as Written).entities['Contacts']?.fields[
      'leadSource'
    ]
    expect(choices).toMatchObject({ target: 'leadsourcecode', transform: 'choice' })
    expect((choices?.['choices'] as Record<string, number>)[stored]).toBe(Number(picked))

    // Edit the split rule: the counts follow live, then it is saved.
    const counts = page.locator('#split-counts')
    const before = await counts.textContent()
    await page.getByLabel('A record goes to the split table when').selectOption('any')
    await expect.poll(() => counts.textContent()).not.toBe(before)
    expect(await counts.textContent()).toMatch(/of 60 records go to lead/)
    await page.getByRole('button', { name: 'Save the split rule' }).click()
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Saved the split rule.')

    for (const entity of await page
      .locator('#object option')
      .evaluateAll((o) => o.map((x) => (x as unknown as { value: string }).value))) {
      await page.getByLabel('Object', { exact: true }).selectOption(entity)
      const acceptAll = page.getByRole('button', { name: 'Accept all flagged lines of this object' })
      if (await acceptAll.isEnabled()) {
        await acceptAll.click()
        await expect
          .poll(() => page.getByRole('status').first().textContent())
          .toBe(`Accepted every flagged line of ${entity}.`)
      }
    }

    // An owner goes to a team; a disabled user is shown and cannot be picked.
    const owner = page.locator('#owners select').first()
    const disabledOption = owner.locator('option', { hasText: 'gone@x2d365.example' })
    expect(await disabledOption.textContent()).toContain('(disabled)')
    expect(await disabledOption.isDisabled()).toBe(true)
    await owner.selectOption({ label: `team ${TEAM.name}` })
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/^Saved the owner of/)

    await page.getByLabel('Confirmed by').fill('Sales Manager')
    await page.getByRole('button', { name: 'Confirm the map' }).click()
    await expect.poll(() => page.locator('#lock').textContent()).toMatch(/^Confirmed by Sales Manager/)

    await page.getByLabel('Object', { exact: true }).selectOption('Contacts')
    // Every control has a label, the line editor's and the split rule's included.
    await page.getByRole('button', { name: 'Edit leadSource → contact', exact: true }).click()
    const unlabelled = await page.locator('input, select').evaluateAll((controls) =>
      controls
        .map(
          (c) =>
            c as unknown as {
              id: string
              labels: { length: number }
              getAttribute(n: string): string | null
            },
        )
        .filter((c) => c.labels.length === 0 && c.getAttribute('aria-label') === null)
        .map((c) => c.id),
    )
    expect(unlabelled).toEqual([])
    mkdirSync('test-output', { recursive: true })
    const shot = join('test-output', 'map-review.png')
    await page.setViewportSize({ width: 1400, height: 1600 })
    await page.mouse.wheel(0, -100_000)
    await page.screenshot({ path: shot })
    process.stdout.write(`map review screenshot: ${shot}\n`)
    expect(outside).toEqual([])

    const text = readFileSync(paths.mapping, 'utf8')
    expect(parseMapping(text).warnings.filter((w) => w.includes('flagged for review'))).toEqual([])
    expect(text).toMatch(/# \d\.\d\d /) // the evidence comments are kept
    const written = parse(text) as Written
    expect(written.entities['Contacts']?.fields['title']).toEqual({
      target: 'new_reviewtitle',
      transform: 'text',
      create: { type: 'String', label: 'Title', maxLength: 120 },
    })
    expect(written.entities['Contacts']?.split?.match).toBe('any')
    expect(parseMapping(text).errors).toEqual([])
    const users = parse(readFileSync(paths.users, 'utf8')) as {
      byHand?: Record<string, unknown>
      groups?: Record<string, unknown>
    }
    const decisions = [...Object.values(users.byHand ?? {}), ...Object.values(users.groups ?? {})]
    expect(decisions).toEqual([{ team: TEAM.name }])
    expect(existsSync(paths.lock)).toBe(true)
    const lock = parseLock(readFileSync(paths.lock, 'utf8'))
    if ('error' in lock) throw new Error(lock.error)
    expect(lock.lock).toMatchObject({ who: 'Sales Manager', when: '2026-12-01T10:00:00.000Z' })
    expect(checkConfirmed(text, lock.lock).status).toBe('ok')
    await page.close()
  }, 30_000)

  it('a second tab that saw an older file says so instead of overwriting it', async () => {
    const stale = await browser.newPage()
    await stale.goto(server.url)
    await stale.getByLabel('Object', { exact: true }).selectOption('Accounts')
    writeFileSync(paths.mapping, `${readFileSync(paths.mapping, 'utf8')}# edited elsewhere\n`)
    const before = readFileSync(paths.mapping, 'utf8')
    // Coming back to the tab, it says so at once…
    await stale.evaluate('window.dispatchEvent(new Event("focus"))')
    await expect
      .poll(() => stale.getByRole('status').first().textContent())
      .toMatch(/^mapping\.yaml changed since this page read it/)
    // …and a save from it is refused rather than overwriting the file.
    await stale.getByLabel('Tags').selectOption('none')
    await expect
      .poll(() => stale.getByRole('status').first().textContent())
      .toMatch(/changed since this page read it/)
    expect(readFileSync(paths.mapping, 'utf8')).toBe(before)
    await stale.close()
  })
})

interface Written {
  entities: Record<
    string,
    {
      fields: Record<string, Record<string, unknown> & { review?: string }>
      split?: { match: string; fields: Record<string, { review?: string }> }
    }
  >
}
