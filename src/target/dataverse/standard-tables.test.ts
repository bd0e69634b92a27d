import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { InternalError } from '../../errors.ts'
import { standardTables } from './standard-tables.ts'

const dir = mkdtempSync(join(tmpdir(), 'x2d365-tables-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('standardTables', () => {
  it('reads the standard tables with their navigation properties', () => {
    const tables = standardTables()
    const parent = tables['contact']?.columns.find((c) => c.name === 'parentcustomerid')
    expect(parent?.nav).toMatchObject({ account: 'parentcustomerid_account' })
    expect(Object.keys(tables)).toEqual(expect.arrayContaining(['account', 'contact', 'lead']))
  })

  it('throws an internal error naming the file when it is missing, instead of pretending there are no tables', () => {
    const missing = join(dir, 'nowhere', 'tables.json')
    expect(() => standardTables(pathToFileURL(missing))).toThrow(InternalError)
    expect(() => standardTables(pathToFileURL(missing))).toThrow(missing)
  })

  it('throws an internal error naming the file when it is not JSON', () => {
    const broken = join(dir, 'tables.json')
    writeFileSync(broken, '{ "account": ')
    expect(() => standardTables(pathToFileURL(broken))).toThrow(`${broken} are not JSON`)
  })
})
