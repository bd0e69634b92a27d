import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildProgram } from '../../src/cli/program.ts'
import type { ScopeReport } from '../../src/discover/scope-report.ts'
import { createMysqlSource } from '../../src/source/x2crm/mysql/source.ts'
import { parseDropdowns } from '../../src/source/x2crm/parse-catalog.ts'
import {
  createScratchDatabase,
  FIXTURE_DUMP,
  FIXTURE_SQL,
  FIXTURE_UPLOADS,
  type ScratchDatabase,
} from '../helpers/mariadb.ts'
import { serveBothSimulators } from '../helpers/sims.ts'

describe('x2d365 discover on the real instance restored in MariaDB', () => {
  let scratch: ScratchDatabase
  let sims: Awaited<ReturnType<typeof serveBothSimulators>>
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-scope-db-'))
  beforeAll(async () => {
    scratch = await createScratchDatabase('scope', { load: FIXTURE_SQL })
    // Only its Dataverse is used: the source is the database.
    sims = await serveBothSimulators(dir, { accounts: 1, contacts: 1 })
  })
  afterAll(async () => {
    await sims?.close()
    await scratch?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reads dropdowns exactly as the API returned them from the same instance (custom Region 1000 included)', async () => {
    const dump = JSON.parse(readFileSync(FIXTURE_DUMP, 'utf8')) as { dropdowns: unknown }
    const fromApi = parseDropdowns(dump.dropdowns)
    if ('issues' in fromApi) throw new Error(fromApi.issues.join('; '))
    const source = createMysqlSource({ url: scratch.url, password: '' })
    try {
      const dropdowns = await source.dropdowns()
      expect(dropdowns).toHaveLength(28)
      expect(dropdowns).toEqual(fromApi.rows)
      expect(dropdowns.find((d) => d.id === 1000)).toMatchObject({ name: 'Region', multi: false })
    } finally {
      await source.close()
    }
  })

  it('counts every record, the custom fields, the uploaded files, the flow and the items to rebuild', async () => {
    const config = join(dir, 'x2d365-db.yaml')
    const dataverse = readFileSync(sims.configPath, 'utf8').replace(/^source:\n.*\n/, '')
    writeFileSync(
      config,
      `source:\n  mysql: { url: '${scratch.url}', passwordEnv: TEST_DB_PASSWORD }\n  uploads: { dir: '${FIXTURE_UPLOADS}' }\n${dataverse}`,
    )
    for (const [name, value] of Object.entries({ ...sims.env, TEST_DB_PASSWORD: '' })) vi.stubEnv(name, value)
    let output = ''
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output += String(chunk)
      return true
    })
    let code = -1
    try {
      const program = buildProgram((c) => (code = c))
      await program.parseAsync(['discover', '-c', config, '-o', join(dir, 'discovery.json')], {
        from: 'user',
      })
    } finally {
      write.mockRestore()
      vi.unstubAllEnvs()
    }
    expect(code).toBe(0)
    const scope = JSON.parse(readFileSync(join(dir, 'scope.json'), 'utf8')) as ScopeReport
    expect(scope.source).toBe('database')
    // The table's count, hidden contact 50 included (the API says 63), so no caveat.
    expect(scope.modules.find((m) => m.entity === 'Contacts')).toMatchObject({
      records: 64,
      customFields: ['c_region', 'c_score'],
    })
    expect(scope.modules.find((m) => m.entity === 'Contacts')?.caveat).toBeUndefined()
    expect(scope.users).toEqual({ total: 7, active: 5, inactive: 2 })
    // x2_media rows 2003–2006 are the four uploads (184 bytes); the 21 system assets are not attachments.
    expect(scope.attachments).toMatchObject({ files: 4, bytes: 184, from: 'uploads folder', missing: 0 })
    expect(scope.automation).toEqual({ flows: 1, activeFlows: 1 })
    expect(Object.fromEntries(scope.rebuild.map((r) => [r.kind, r.count]))).toEqual({
      reports: 4,
      charts: 2,
      dashboards: 2,
      processes: 0,
      campaigns: 1,
      templates: 1,
    })
    expect(output).toMatch(/Complexity [A-E]: transforms [A-E], mapping clarity [A-E]/)
    const markdown = readFileSync(join(dir, 'scope.md'), 'utf8')
    expect(markdown).toContain('| Contacts | contact | 64 | 56 | 2: c_region, c_score |')
    expect(markdown).toContain('- X2Flow automations: 1 (1 active)')
  })
})
