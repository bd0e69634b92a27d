import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeUnwritable } from '../test/helpers/unwritable.ts'
import { ConfigError } from './errors.ts'
import { assertUsablePaths, pathProblem } from './paths.ts'

describe('pathProblem', () => {
  let dir: string
  let undo: (() => void) | undefined
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'x2d365-paths-'))
  })
  afterEach(() => {
    undo?.()
    undo = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  it('accepts a file to create in a folder to create, and an existing folder', () => {
    expect(
      pathProblem({ path: join(dir, 'a', 'b', 'ledger.sqlite'), what: 'run.ledger', kind: 'file' }),
    ).toBe(undefined)
    expect(pathProblem({ path: dir, what: '--out', kind: 'folder' })).toBe(undefined)
  })

  it('names a folder where a file should be, and a file where a folder should be', () => {
    writeFileSync(join(dir, 'file'), '')
    expect(pathProblem({ path: dir, what: 'run.ledger', kind: 'file' })).toBe(
      `run.ledger: ${dir} is a folder; name a file inside it`,
    )
    expect(pathProblem({ path: join(dir, 'file'), what: '--out', kind: 'folder' })).toBe(
      `--out: ${join(dir, 'file')} is a file, not a folder`,
    )
  })

  it('names the file that stands where a parent folder should be', () => {
    writeFileSync(join(dir, 'file'), '')
    expect(
      pathProblem({ path: join(dir, 'file', 'sub', 'x.sqlite'), what: 'run.ledger', kind: 'file' }),
    ).toBe(
      `run.ledger: ${join(dir, 'file', 'sub', 'x.sqlite')} cannot be created: ${join(dir, 'file')} is a file, not a folder`,
    )
  })

  it('refuses devices and the kernel file systems, also through a symbolic link', () => {
    expect(pathProblem({ path: '/dev/null', what: 'run.ledger', kind: 'file' })).toMatch(
      /device or special file/,
    )
    expect(pathProblem({ path: '/proc/ledger.sqlite', what: 'run.ledger', kind: 'file' })).toMatch(
      /kernel file system/,
    )
    expect(pathProblem({ path: '/sys/kernel/x/reports', what: '--out', kind: 'folder' })).toMatch(
      /kernel file system/,
    )
    symlinkSync('/proc/self', join(dir, 'link'))
    expect(
      pathProblem({ path: join(dir, 'link', 'ledger.sqlite'), what: 'run.ledger', kind: 'file' }),
    ).toMatch(/kernel file system/)
  })

  it('wants a file that is only read to exist', () => {
    expect(pathProblem({ path: join(dir, 'none'), what: '--ledger', kind: 'file', readOnly: true })).toBe(
      `--ledger: ${join(dir, 'none')} does not exist`,
    )
  })

  it('names a folder that cannot be written (chattr +i as root, chmod otherwise)', (context) => {
    const locked = join(dir, 'locked')
    mkdirSync(locked)
    writeFileSync(join(locked, 'ledger.sqlite'), '')
    undo = makeUnwritable(locked)
    if (undo === undefined) context.skip()

    expect(pathProblem({ path: join(locked, 'reports'), what: '--out', kind: 'folder' })).toMatch(
      /cannot be created: .*locked cannot be written/,
    )
    expect(pathProblem({ path: locked, what: '--out', kind: 'folder' })).toMatch(/locked cannot be written/)
    // The file inside may be writable, but its folder is not, and SQLite needs the folder for its WAL.
    expect(pathProblem({ path: join(locked, 'ledger.sqlite'), what: 'run.ledger', kind: 'file' })).toMatch(
      /cannot be written: its folder cannot be written/,
    )
    expect(
      pathProblem({ path: join(locked, 'ledger.sqlite'), what: 'run.ledger', kind: 'file', readOnly: true }),
    ).toBe(undefined)
  })

  it('throws one ConfigError with every problem', () => {
    writeFileSync(join(dir, 'file'), '')
    const check = () =>
      assertUsablePaths([
        { path: dir, what: 'run.ledger', kind: 'file' },
        { path: join(dir, 'file'), what: '--out', kind: 'folder' },
        { path: join(dir, 'fine'), what: '--scope', kind: 'folder' },
      ])
    expect(check).toThrow(ConfigError)
    expect(check).toThrow(/run\.ledger: .* is a folder[^]*--out: .* is a file, not a folder/)
  })
})
