import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { docsCommand } from '../../src/cli/commands/docs.ts'
import { createScratchDatabase, FIXTURE_SQL, type ScratchDatabase } from '../helpers/mariadb.ts'

describe('x2d365 docs, on the real instance restored in MariaDB', () => {
  let scratch: ScratchDatabase
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-docs-'))
  beforeAll(async () => {
    scratch = await createScratchDatabase('docs', { load: FIXTURE_SQL })
  })
  afterAll(async () => {
    await scratch?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('writes each X2Flow as trigger and steps with its Power Automate rebuild', async () => {
    const config = join(dir, 'x2d365.yaml')
    writeFileSync(
      config,
      `source:
  mysql: { url: '${scratch.url}', passwordEnv: TEST_DB_PASSWORD }
target:
  dataverse: { url: https://contoso.crm.dynamics.com, authority: https://login.microsoftonline.com/t, clientId: c, clientSecretEnv: TEST_SECRET }
`,
    )
    vi.stubEnv('TEST_DB_PASSWORD', '')
    vi.stubEnv('TEST_SECRET', 'not-used')
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      expect(await docsCommand({ config, out: join(dir, 'docs') })).toBe(0)
    } finally {
      write.mockRestore()
      vi.unstubAllEnvs()
    }
    const doc = readFileSync(join(dir, 'docs', 'workflow-reconstruction.md'), 'utf8')
    expect(doc).toContain('## Tag new contacts (X2Flow 1)')
    expect(doc).toContain(
      '**Trigger:** when a record is created in Contacts (contact) (`RecordCreateTrigger`).',
    )
    expect(doc).toContain('1. add tag(s) #new-lead')
    expect(doc).toContain('Change type: Added')
  })
})
