import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { loadConfirmedMapping, lockPathFor } from '../../src/cli/inputs.ts'
import { buildProgram } from '../../src/cli/program.ts'
import type { Discovery } from '../../src/discover/discover.ts'
import type { X2crmField } from '../../src/source/x2crm/types.ts'
import { ConfigError } from '../../src/errors.ts'
import { defaultSourceSchema, defaultTargetSchema } from './mapping-schemas.ts'

const dir = mkdtempSync(join(tmpdir(), 'x2d365-map-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const mappingPath = join(dir, 'mapping.yaml')
const discoveryPath = join(dir, 'discovery.json')

const discovery: Discovery = {
  discoveredAt: '2026-11-26T00:00:00.000Z',
  source: defaultSourceSchema(),
  counts: { Accounts: 10, Contacts: 20 },
  unreadable: {},
  users: [],
  target: defaultTargetSchema(),
}
writeFileSync(discoveryPath, JSON.stringify(discovery))

let output = ''
beforeEach(() => {
  output = ''
  const capture = (chunk: string | Uint8Array) => {
    output += String(chunk)
    return true
  }
  vi.spyOn(process.stdout, 'write').mockImplementation(capture)
  vi.spyOn(process.stderr, 'write').mockImplementation(capture)
})
afterEach(() => vi.restoreAllMocks())

/** Runs `x2d365 map …` in-process: the exit code, or the ConfigError's message as main.ts prints it. */
async function map(...args: string[]): Promise<{ code: number; output: string }> {
  let code = -1
  const program = buildProgram((c) => (code = c))
  try {
    await program.parseAsync(['map', ...args, '-m', mappingPath, '-d', discoveryPath], { from: 'user' })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    output += `${error.message}\n`
    code = 2
  }
  return { code, output }
}

describe('x2d365 map', () => {
  it('proposes, validates, refuses to confirm while lines await review, confirms, and locks', async () => {
    const proposed = await map('propose', '--sample', '0')
    expect(proposed.code).toBe(0)
    expect(proposed.output).toMatch(/Wrote .*mapping\.yaml: 10 classes\.\n\d+ lines are flagged for review/)
    expect(readFileSync(mappingPath, 'utf8')).toContain('# 0.9')

    expect((await map('propose', '--sample', '0')).output).toContain('already exists (use --force')

    const validated = await map('validate')
    expect(validated.code).toBe(0)
    expect(validated.output).toContain('flagged for review')

    const refused = await map('confirm', '--by', 'dana')
    expect(refused.code).toBe(2)
    expect(refused.output).toMatch(
      /has \d+ lines flagged for review; check each and delete its `review:` key/,
    )

    // The reviewer accepts every flagged line as it is.
    writeFileSync(mappingPath, readFileSync(mappingPath, 'utf8').replace(/, review: [^}]*(?= })/g, ''))
    const confirmed = await map('confirm', '--by', 'dana')
    expect(confirmed.output).toMatch(/Confirmed .*mapping\.yaml \(sha256:[0-9a-f]{12}…\) by dana at /)
    expect(confirmed.code).toBe(0)
    expect(JSON.parse(readFileSync(lockPathFor(mappingPath), 'utf8'))).toMatchObject({ who: 'dana' })

    const mapping = loadConfirmedMapping(mappingPath, 'migrate')
    expect(mapping.entities.map((e) => e.name ?? e.entity).slice(0, 3)).toEqual([
      'Accounts',
      'Contacts',
      'Contacts→lead',
    ])

    writeFileSync(
      mappingPath,
      readFileSync(mappingPath, 'utf8').replace('target: websiteurl', 'target: ftpsiteurl'),
    )
    expect(() => loadConfirmedMapping(mappingPath, 'migrate')).toThrow(
      /mapping\.yaml changed since dana confirmed it on .*run `x2d365 map confirm` again.*then run `x2d365 migrate` again/,
    )
    rmSync(lockPathFor(mappingPath))
    expect(() => loadConfirmedMapping(mappingPath, 'delta')).toThrow(
      /delta needs a confirmed map, and mapping\.yaml has not been confirmed/,
    )
  })

  it('adds a field X2CRM got after confirmation with propose --update, keeping every confirmed line, and confirms again', async () => {
    await map('propose', '--sample', '0', '--force')
    writeFileSync(mappingPath, readFileSync(mappingPath, 'utf8').replace(/, review: [^}]*(?= })/g, ''))
    expect((await map('confirm', '--by', 'dana')).code).toBe(0)
    const before = readFileSync(mappingPath, 'utf8')
    expect((await map('propose', '--sample', '0', '--update')).output).toContain('already names every field')

    // A custom field appears in X2CRM before cutover.
    const grown: Discovery = structuredClone(discovery)
    const region: X2crmField = {
      fieldName: 'c_region',
      attributeLabel: 'Sales region',
      type: 'varchar',
      linkType: null,
      custom: true,
      required: false,
      readOnly: false,
    }
    grown.source.entities = {
      ...grown.source.entities,
      Contacts: [...(grown.source.entities['Contacts'] ?? []), region],
    }
    writeFileSync(discoveryPath, JSON.stringify(grown))
    try {
      const updated = await map('propose', '--sample', '0', '--update')
      expect(updated.code).toBe(0)
      expect(updated.output).toMatch(
        /Added 2 field lines to .*mapping\.yaml:\n {2}Contacts\.c_region\n {2}Contacts\.split\.c_region/,
      )
      const after = readFileSync(mappingPath, 'utf8')
      // Every confirmed line is still there as it was; one new column, no duplicate of an existing one.
      for (const line of before.split('\n')) expect(after).toContain(line)
      expect(after.match(/new_region/g)?.length).toBe(2)
      expect(after).not.toMatch(/_x2\b/)
      const stale = await map('validate')
      expect(stale.code).toBe(0)
      writeFileSync(mappingPath, after.replace(/, review: [^}]*(?= })/g, ''))
      expect((await map('confirm', '--by', 'dana')).code).toBe(0)
      const mapping = loadConfirmedMapping(mappingPath, 'delta')
      expect(mapping.entities.find((e) => e.entity === 'Contacts')?.fields.map((f) => f.source)).toContain(
        'c_region',
      )
    } finally {
      writeFileSync(discoveryPath, JSON.stringify(discovery))
    }
  })

  it('reports a column that does not exist, a wrong type, a removed field and bad YAML precisely, without a stack trace', async () => {
    writeFileSync(
      mappingPath,
      [
        'version: 1',
        'entities:',
        '  Accounts:',
        '    table: account',
        '    fields:',
        '      name: { target: name, transform: text }',
        '      website: { target: webpage, transform: url }',
        '      employees: { target: numberofemployees, transform: boolean }',
        '      c_gone: { target: description, transform: text }',
      ].join('\n'),
    )
    const bad = await map('validate')
    expect(bad.code).toBe(2)
    expect(bad.output).toContain(
      'error: ' + mappingPath + ': entities.Accounts.fields.website.target: account has no column "webpage"',
    )
    expect(bad.output).toContain(
      'entities.Accounts.fields.employees.transform: boolean cannot read an X2CRM int field',
    )
    expect(bad.output).toContain(
      'entities.Accounts.fields.employees.transform: boolean cannot fill account.numberofemployees, an Integer column',
    )
    expect(bad.output).toContain(
      'entities.Accounts.fields.c_gone: X2CRM Accounts has no field "c_gone" (removed or renamed since the last discover?)',
    )

    writeFileSync(mappingPath, 'version: 1\nentities:\n  Accounts: [\n')
    const broken = await map('validate')
    expect(broken.code).toBe(2)
    expect(broken.output).toMatch(
      /error: .*mapping\.yaml: YAML \(line \d+, column \d+\): .*; fix the syntax and run again/,
    )
    expect(broken.output).not.toMatch(/\n\s+at /)
  })
})
