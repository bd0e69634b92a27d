import { describe, expect, it } from 'vitest'
import type { RunInfo } from '../ledger/ledger.ts'
import type { TableMetadata } from '../target/dataverse/table-metadata.ts'
import type { X2crmField } from '../source/x2crm/types.ts'
import type { Discovery } from './discover.ts'
import {
  buildScopeReport,
  estimateCutover,
  formatDuration,
  measuredThroughput,
  renderScopeMarkdown,
  throughputFromLimits,
  type AttachmentVolume,
  type ScopeFacts,
} from './scope-report.ts'

function aField(fieldName: string, overrides: Partial<X2crmField> = {}): X2crmField {
  return {
    fieldName,
    attributeLabel: fieldName,
    type: 'varchar',
    linkType: null,
    custom: false,
    required: false,
    readOnly: false,
    ...overrides,
  }
}

const account: TableMetadata = {
  entitySet: 'accounts',
  primaryId: 'accountid',
  primaryName: 'name',
  columns: [
    { name: 'accountid', type: 'Uniqueidentifier', primaryId: true },
    { name: 'name', type: 'String', maxLength: 160 },
    { name: 'telephone1', type: 'String', maxLength: 50 },
  ],
}

/** A small, clear instance: every factor grades A. */
function aDiscovery(overrides: Partial<Discovery> = {}): Discovery {
  return {
    discoveredAt: '2026-11-26T00:00:00.000Z',
    source: {
      entities: {
        Accounts: [aField('id', { type: 'int' }), aField('name'), aField('phone', { type: 'phone' })],
      },
      dropdowns: [],
    },
    counts: { Accounts: 1000 },
    unreadable: {},
    users: [
      { id: 1, username: 'admin', emailAddress: null, firstName: null, lastName: null, status: 1 },
      { id: 2, username: 'gone', emailAddress: null, firstName: null, lastName: null, status: 0 },
    ],
    target: { account },
    ...overrides,
  }
}

function noAttachments(): AttachmentVolume {
  return { files: 0, bytes: 0, overLimit: [], drive: 0, missing: 0, from: 'media records' }
}

function someFacts(overrides: Partial<ScopeFacts> = {}): ScopeFacts {
  return {
    source: 'database',
    attachments: noAttachments(),
    recentChanges: { days: 7, counts: { Accounts: 40 } },
    target: { appUsers: 1, batchSize: 100 },
    ...overrides,
  }
}

function grades(discovery: Discovery, facts: ScopeFacts) {
  const { complexity } = buildScopeReport(discovery, facts)
  return {
    grade: complexity.grade,
    factors: Object.fromEntries(complexity.factors.map((f) => [f.name, f.grade])),
    explanation: complexity.explanation,
  }
}

describe('the complexity grade', () => {
  it('is A when every factor is', () => {
    expect(grades(aDiscovery(), someFacts())).toEqual({
      grade: 'A',
      factors: { transforms: 'A', 'mapping clarity': 'A', 'API constraints': 'A', volume: 'A' },
      explanation: expect.stringContaining('mean of the 4 factors (1.00)') as unknown,
    })
  })

  it('moves with each factor on its own: one E factor makes the whole D, one C factor makes it B', () => {
    const manyMulti = Array.from({ length: 120 }, (_, i) =>
      aField(`c_tags${i}`, { type: 'dropdown', linkType: '1000', custom: true }),
    )
    const transformsE = aDiscovery({
      source: {
        entities: { Accounts: [aField('name'), ...manyMulti] },
        dropdowns: [{ id: 1000, name: 'Tags', options: { a: 'A' }, multi: true }],
      },
    })
    expect(grades(transformsE, someFacts()).factors['transforms']).toBe('E')
    expect(grades(transformsE, someFacts()).grade).toBe('D')

    // Default (not custom) fields no Dataverse column resembles: each is a review line.
    const unclear = Array.from({ length: 10 }, (_, i) => aField(`zq${i}xv`, { type: 'int' }))
    const clarityE = aDiscovery({
      source: { entities: { Accounts: [aField('name'), ...unclear] }, dropdowns: [] },
    })
    const clarity = grades(clarityE, someFacts())
    expect(clarity.factors).toMatchObject({ 'mapping clarity': 'E', transforms: 'A' })
    expect(clarity.grade).toBe('D')
    expect(clarity.explanation).toContain('hardest (mapping clarity: E)')

    const constraintsE = someFacts({
      source: 'api',
      customModules: ['Vendors', 'Projects', 'Assets', 'Contracts'],
      attachments: {
        ...noAttachments(),
        files: 2,
        overLimit: [{ mediaId: 1, fileName: 'big.pdf', bytes: 9e6 }],
      },
    })
    expect(grades(aDiscovery(), constraintsE)).toMatchObject({
      grade: 'D',
      factors: { 'API constraints': 'E', volume: 'A' },
    })

    const volumeE = aDiscovery({ counts: { Accounts: 6_000_000 } })
    expect(grades(volumeE, someFacts())).toMatchObject({ grade: 'D', factors: { volume: 'E' } })

    const volumeC = aDiscovery({ counts: { Accounts: 300_000 } })
    expect(grades(volumeC, someFacts())).toMatchObject({ grade: 'B', factors: { volume: 'C' } })
  })

  it('counts only classes that hold records as needing transforms', () => {
    const dates = Array.from({ length: 100 }, (_, i) => aField(`d${i}`, { type: 'date' }))
    const discovery = aDiscovery({
      source: { entities: { Accounts: [aField('name')], Contacts: dates }, dropdowns: [] },
      counts: { Accounts: 10, Contacts: 0 },
    })
    expect(grades(discovery, someFacts()).factors['transforms']).toBe('A')
    expect(
      grades({ ...discovery, counts: { Accounts: 10, Contacts: 5 } }, someFacts()).factors['transforms'],
    ).toBe('B')
  })

  it('raises API constraints for hidden records only when the counts come from the API', () => {
    const withVisibility = aDiscovery({
      source: { entities: { Accounts: [aField('name'), aField('visibility')] }, dropdowns: [] },
    })
    const api = buildScopeReport(withVisibility, someFacts({ source: 'api' }))
    expect(api.modules[0]?.caveat).toMatch(/omit private records/)
    expect(api.complexity.factors.find((f) => f.name === 'API constraints')).toMatchObject({
      grade: 'C',
      details: [
        expect.stringMatching(/^\+1 hidden records: Accounts/),
        expect.stringMatching(/^\+1 API only/),
      ],
    })
    const database = buildScopeReport(withVisibility, someFacts())
    expect(database.modules[0]?.caveat).toBeUndefined()
    expect(database.complexity.factors.find((f) => f.name === 'API constraints')?.grade).toBe('A')
  })
})

describe('the cutover estimate', () => {
  it('from the limits: execution time binds at 200 records/s per application user; small batches hit the request limit', () => {
    expect(throughputFromLimits(1, 100)).toMatchObject({ recordsPerSecond: 200, basis: 'limits' })
    expect(throughputFromLimits(1, 100).explanation).toContain('bound by execution time')
    expect(throughputFromLimits(3, 100).recordsPerSecond).toBe(600)
    // 6,000 requests per 300 s = 20 requests/s × 5 rows.
    expect(throughputFromLimits(1, 5)).toMatchObject({ recordsPerSecond: 100 })
    expect(throughputFromLimits(1, 5).explanation).toContain('bound by requests')
  })

  it('uses a measured run when there is one, and estimates the full load and a delta with it', () => {
    const modules = [{ entity: 'Accounts', table: 'account', records: 9000, fields: 3, customFields: [] }]
    const attachments = { ...noAttachments(), files: 1000 }
    const estimated = estimateCutover(modules, attachments, someFacts())
    expect(estimated.full).toEqual({ records: 10_000, seconds: 50 })
    expect(estimated.delta).toMatchObject({ records: 40, seconds: 0.2 })

    const measured = estimateCutover(
      modules,
      attachments,
      someFacts({ throughput: { runId: 'r1', processed: 500, seconds: 20 } }),
    )
    expect(measured.throughput).toMatchObject({ basis: 'measured', recordsPerSecond: 25 })
    expect(measured.throughput.explanation).toContain('migrate run r1 processed 500 records in 20 s')
    expect(measured.full.seconds).toBe(400)
    expect(measured.delta).toMatchObject({ seconds: 40 / 25 })

    const unknown = estimateCutover(
      modules,
      attachments,
      someFacts({ recentChanges: { unreadable: 'counting recent changes failed: 500' } }),
    )
    expect(unknown.delta).toEqual({ unknown: 'counting recent changes failed: 500' })
  })

  it("reads the throughput from the ledger's newest succeeded migrate run that has one", () => {
    const run = (runId: string, overrides: Partial<RunInfo>): RunInfo => ({
      runId,
      kind: 'migrate',
      status: 'succeeded',
      startedAt: '2026-11-20T10:00:00Z',
      params: {},
      summary: { processed: 100, seconds: 10 },
      ...overrides,
    })
    expect(
      measuredThroughput([
        run('running', { status: 'running', summary: undefined }),
        run('failed', { status: 'failed' }),
        run('rollback', { kind: 'rollback' }),
        run('empty', { summary: { processed: 0, seconds: 3 } }),
        run('good', { summary: { processed: 300, seconds: 12 }, finishedAt: '2026-11-20T10:00:12Z' }),
        run('older', {}),
      ]),
    ).toEqual({ runId: 'good', processed: 300, seconds: 12, finishedAt: '2026-11-20T10:00:12Z' })
    expect(measuredThroughput([run('failed', { status: 'failed' })])).toBeUndefined()
  })

  it('says durations the way people plan them', () => {
    expect(formatDuration(0)).toBe('0 s')
    expect(formatDuration(0.2)).toBe('1 s')
    expect(formatDuration(59)).toBe('59 s')
    expect(formatDuration(600)).toBe('10 min')
    expect(formatDuration(3 * 3600 + 20 * 60)).toBe('3 h 20 min')
    expect(formatDuration(2 * 86400 + 4 * 3600)).toBe('2 d 4 h')
  })
})

describe('scope.md', () => {
  it('lists modules, users, attachments over the limit, what cannot be read, the grade and both estimates', () => {
    const report = buildScopeReport(
      aDiscovery({ counts: { Accounts: 720_000 } }),
      someFacts({
        source: 'api',
        attachments: {
          ...noAttachments(),
          files: 3,
          bytes: 12_000_000,
          overLimit: [{ mediaId: 2004, fileName: 'scan.pdf', bytes: 11_000_000 }],
        },
        recentChanges: { days: 7, counts: { Accounts: 7200 } },
      }),
    )
    const markdown = renderScopeMarkdown(report)
    expect(markdown).toContain('| Accounts | account | 720,000 | 3 | — |')
    expect(markdown).toContain('2 users: 1 active, 1 inactive')
    expect(markdown).toContain('3 file(s), 11.4 MB (sizes from the media records)')
    expect(markdown).toContain('- media 2004 scan.pdf: 10.5 MB')
    expect(markdown).toContain('- X2Flow automations: not readable through the API')
    expect(markdown).toContain('| Full load | 720,003 | 1 h |')
    expect(markdown).toContain('| Delta | 7,200 | 36 s |')
    expect(markdown).toContain(`**Complexity: ${report.complexity.grade}**`)
  })
})
