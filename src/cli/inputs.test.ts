import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { ledgerPathOf, lockPathFor, mappingFor, mappingPathOf, readOwnerDecisions } from './inputs.ts'

const dir = mkdtempSync(join(tmpdir(), 'x2d365-inputs-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, text: string): string {
  const path = join(dir, name)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, text)
  return path
}

describe('readOwnerDecisions', () => {
  it('decides nothing when there is no users.yaml', () => {
    expect(readOwnerDecisions(join(dir, 'nowhere.yaml'))).toEqual({})
  })

  it('reads the decisions, and names the file in every problem', () => {
    expect(readOwnerDecisions(file('users.yaml', 'defaultOwner: a@b.com\n'))).toEqual({
      defaultOwner: 'a@b.com',
    })
    const bad = file('bad-users.yaml', 'defaultOwner: nobody\n')
    expect(() => readOwnerDecisions(bad)).toThrow(ConfigError)
    expect(() => readOwnerDecisions(bad)).toThrow(`${bad}: defaultOwner: Invalid email address`)
  })
})

describe('the paths a config names, read without its secrets', () => {
  it('resolves run.ledger and run.mapping against the config’s folder', () => {
    const config = file(
      'project/x2d365.yaml',
      'run:\n  ledger: state/ledger.sqlite\n  mapping: mapping.yaml\n',
    )
    expect(ledgerPathOf({ config })).toBe(join(dir, 'project', 'state', 'ledger.sqlite'))
    expect(mappingPathOf(config)).toBe(join(dir, 'project', 'mapping.yaml'))
  })

  it('falls back to the default ledger and to no map', () => {
    const config = file('bare/x2d365.yaml', 'source: {}\n')
    expect(ledgerPathOf({ config })).toBe(join(dir, 'bare', '.x2d365', 'ledger.sqlite'))
    expect(mappingPathOf(config)).toBeUndefined()
  })

  it('takes --ledger over the config, and says what to pass when there is neither', () => {
    expect(ledgerPathOf({ config: 'missing.yaml', ledger: join(dir, 'l.sqlite') })).toBe(
      join(dir, 'l.sqlite'),
    )
    expect(() => ledgerPathOf({ config: join(dir, 'missing.yaml') })).toThrow(
      'pass --ledger <path> or --config',
    )
  })
})

describe('mappingFor', () => {
  it('uses the built-in map when none is named', () => {
    const { mapping, source } = mappingFor(undefined, 'migrate')
    expect(source).toBe('the built-in map (accounts, contacts, products, quotes)')
    expect(mapping.entities.map((e) => e.entity)).toEqual(expect.arrayContaining(['Accounts', 'Contacts']))
  })

  it('refuses a map nobody confirmed, saying what to do', () => {
    const path = file('unconfirmed.yaml', 'entities: {}\n')
    expect(lockPathFor(path)).toBe(join(dir, 'unconfirmed.lock.json'))
    expect(() => mappingFor(path, 'migrate')).toThrow(ConfigError)
    expect(() => mappingFor(path, 'migrate')).toThrow(/x2d365 map confirm/)
  })
})
