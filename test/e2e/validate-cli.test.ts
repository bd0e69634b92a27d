import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCsv } from '../../src/csv.ts'
import { quarantineCsvHeader } from '../../src/report/quarantine-csv.ts'
import type { ValidationResult } from '../../src/run/validate.ts'
import { serveBothSimulators } from '../helpers/sims.ts'
import { runCli } from '../helpers/run-cli.ts'

const x2d365 = runCli

const WRITES = /Create|Update|Upsert|Delete|Associate|Disassociate|Batch/

describe('x2d365 validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-validate-'))
  let sims: Awaited<ReturnType<typeof serveBothSimulators>>
  beforeAll(async () => {
    sims = await serveBothSimulators(dir, { accounts: 120, contacts: 240 })
  })
  afterAll(async () => {
    await sims.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('writes the preview files, prints the phases and the reasons, exits 3, and writes nothing to Dataverse', async () => {
    const run = await x2d365(['validate', '--config', sims.configPath, '--out', 'check'], {
      cwd: dir,
      env: sims.env,
    })
    expect(run.stderr).not.toMatch(/Internal error/)
    expect(run.code).toBe(3)
    expect(run.stdout).toMatch(/phase\s+source\s+would load\s+would quarantine\s+would skip\s+with warnings/)
    expect(run.stdout).toMatch(/Would quarantine \d+ records:/)
    expect(run.stdout).toContain('contact.lastname holds at most 50 characters')
    expect(run.stderr).toContain('Contacts: ')

    const json = JSON.parse(readFileSync(join(dir, 'check', 'validation.json'), 'utf8')) as ValidationResult
    expect(json.quarantine.total).toBeGreaterThan(0)
    expect(json.owners.checked).toBe(true)
    const csv = readFileSync(join(dir, 'check', 'quarantine-preview.csv'), 'utf8')
    expect(csv.startsWith(quarantineCsvHeader())).toBe(true)
    // One line per record and field the reason is about: every record once or more, each line with its field.
    const [, ...rows] = parseCsv(csv).rows.map((r) => r.fields)
    expect(new Set(rows.map(([, sourceKey]) => sourceKey)).size).toBe(json.quarantine.total)
    expect(rows.every(([phase]) => /^(Accounts|Contacts)$/.test(phase ?? ''))).toBe(true)
    expect(rows.every(([, sourceKey]) => /^(Accounts|Contacts):\d+$/.test(sourceKey ?? ''))).toBe(true)
    const tooLong = rows.find((r) => r[4]?.startsWith('lastName: contact.lastname has'))
    expect(tooLong?.[6]).toBe('lastName')
    expect(tooLong?.[7]?.length).toBeGreaterThan(50)
    expect(existsSync(join(dir, 'check', 'quarantine-preview.csv.partial'))).toBe(false)
    const markdown = readFileSync(join(dir, 'check', 'validation.md'), 'utf8')
    expect(markdown).toContain('## Would be quarantined')
    // The hidden private records are a finding (reported, never acted on), with examples.
    expect(markdown).toMatch(
      /## Findings\n[\s\S]*\| private records \(visibility 0\)[^|]*\| \d+ \| (Accounts|Contacts):\d+/,
    )
    expect(markdown).toContain('## Repairs')
    expect(run.stdout).toContain('Findings (reported, not acted on):')
    expect(markdown).toContain('nothing was written to Dataverse')

    // Read, never written: no write message reached Dataverse, its tables are empty, and no ledger was opened.
    expect(Object.keys(sims.dataverse.stats().byOperation).filter((op) => WRITES.test(op))).toEqual([])
    expect(sims.dataverse.rows('account')).toEqual([])
    expect(sims.dataverse.rows('contact')).toEqual([])
    expect(existsSync(join(dir, 'ledger.sqlite'))).toBe(false)
    // The secret of neither side appears in what was written.
    for (const secret of Object.values(sims.env)) {
      expect(run.stdout + run.stderr + csv + markdown).not.toContain(secret)
    }
  })

  it('--offline --json: no Dataverse secret needed, one JSON document, the same records quarantined', async () => {
    const requests = sims.dataverse.stats().requests
    const { TEST_X2CRM_KEY } = sims.env
    const run = await x2d365(['validate', '--offline', '--json', '-c', sims.configPath, '-o', 'offline'], {
      cwd: dir,
      env: { TEST_X2CRM_KEY: TEST_X2CRM_KEY ?? '' },
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(3)
    const result = JSON.parse(run.stdout) as ValidationResult & { files: string[] }
    expect(result.owners.checked).toBe(false)
    expect(result.files).toHaveLength(3)
    const online = JSON.parse(readFileSync(join(dir, 'check', 'validation.json'), 'utf8')) as ValidationResult
    expect(result.phases.map((p) => p.wouldQuarantine)).toEqual(online.phases.map((p) => p.wouldQuarantine))
    expect(sims.dataverse.stats().requests).toBe(requests)
  })

  it('exits 2 when migrate would refuse to start for owners without a Dataverse user, and still writes the files', async () => {
    const config = readFileSync(sims.configPath, 'utf8').replace(/, defaultOwnerEmail: [^ }]+/, '')
    expect(config).not.toContain('defaultOwnerEmail')
    writeFileSync(join(dir, 'no-default-owner.yaml'), config)
    const run = await x2d365(['validate', '-c', 'no-default-owner.yaml', '-o', 'owners'], {
      cwd: dir,
      env: sims.env,
    })
    expect(run.code).toBe(2)
    expect(run.stdout).toMatch(
      /migrate would not start: \d+ X2CRM owners? of \d+ records have no owner decided/,
    )
    const json = JSON.parse(readFileSync(join(dir, 'owners', 'validation.json'), 'utf8')) as ValidationResult
    expect(json.owners.checked && json.owners.queue.length).toBeGreaterThan(0)
  })

  it('users lists each owner with who takes its records and how many, then the users and teams one can map to', async () => {
    writeFileSync(
      join(dir, 'users.yaml'),
      'defaultOwner: { email: migration@x2d365.example, covers: [anyone, inactive, unmatched, deleted, groups] }\n',
    )
    const run = await x2d365(['users', '-c', sims.configPath, '-u', 'users.yaml'], {
      cwd: dir,
      env: sims.env,
    })
    expect(run.stderr).not.toMatch(/Internal error/)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Decisions: \d+ owners of \d+ records:$/m)
    expect(run.stdout).toMatch(
      /^ {2}Anyone: \d+ records → migration@x2d365\.example \(the default owner\) \[default owner covers it\]$/m,
    )
    expect(run.stdout).toMatch(/^Dataverse users \(\d+; byHand\.<username>: <e-mail>\):$/m)
    expect(run.stdout).toMatch(/^Dataverse teams \(\d+; \{ team: <name> \}\):$/m)
  })

  it('split-preview counts every contact migrate reads, the ones X2CRM lists hide included', async () => {
    const contacts = sims.data.records['Contacts'] ?? []
    const hidden = contacts.filter((c) => Number(c['visibility']) === 0 && c['assignedTo'] === 'Anyone')
    expect(hidden.length).toBeGreaterThan(0)
    writeFileSync(
      join(dir, 'split.yaml'),
      [
        'version: 1',
        'entities:',
        '  Contacts:',
        '    table: contact',
        '    fields: { lastName: { target: lastname, transform: text } }',
        '    split:',
        '      table: lead',
        '      when: [{ hasCompany: false }]',
        '      fields: { lastName: { target: lastname, transform: text } }',
      ].join('\n'),
    )
    const run = await x2d365(['map', 'split-preview', '-m', 'split.yaml', '-c', sims.configPath], {
      cwd: dir,
      env: sims.env,
    })
    expect(run.stderr).not.toMatch(/Internal error/)
    expect(run.stdout).toMatch(new RegExp(`^Contacts: \\d+ of ${contacts.length} go to lead`, 'm'))
    expect(run.stdout).toContain(
      `(${hidden.length} of them hidden from X2CRM's lists, read by id as migrate reads them)`,
    )
  })

  it('exits 2 with the field to fix when the configuration is wrong', async () => {
    const run = await x2d365(['validate', '--config', 'missing.yaml'], { cwd: dir, env: {} })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('missing.yaml: cannot read the configuration file')
  })
})
