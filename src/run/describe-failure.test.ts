import { describe, expect, it } from 'vitest'
import { ConfigError, HttpError, InternalError, markRunStopped, MigrationError } from '../errors.ts'
import { describeFailure } from './describe-failure.ts'

describe('describeFailure', () => {
  it('exits 2 with the issues of a ConfigError, and 70 for our bugs, with the stack only of unknown errors', () => {
    expect(describeFailure(new ConfigError(['ledger: /x is damaged']))).toEqual({
      exit: 'config',
      text: 'Invalid configuration:\n- ledger: /x is damaged\n',
    })
    expect(describeFailure(new InternalError('oops'))).toEqual({
      exit: 'internal',
      text: 'Internal error (a bug in x2d365, please report it): oops\n',
    })
    const bug = describeFailure(new RangeError('index out of range'))
    expect(bug.exit).toBe('internal')
    expect(bug.text).toContain('RangeError: index out of range\n    at ')
  })

  it('says "run the same command to resume" only when a run was left to resume', () => {
    const failure = new MigrationError('GET https://x.test/ failed: the connection to x.test:443 was refused')
    expect(describeFailure(failure)).toEqual({ exit: 'failed', text: `${failure.message}\n` })

    const stopped = markRunStopped(
      new HttpError({ method: 'POST', url: 'https://x.test/a' }, 500, {}),
      'run-1',
    )
    const report = describeFailure(stopped)
    expect(report.exit).toBe('failed')
    expect(report.text).toContain('Run run-1 stopped; what it recorded is kept.')
    expect(report.text).toContain('run the same command to resume it')
  })

  it('names a network failure that reached the top unwrapped instead of calling it a bug', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ENOTFOUND', hostname: 'nonexistent.invalid' }),
    })
    const report = describeFailure(error)
    expect(report.exit).toBe('failed')
    expect(report.text).toContain('the host name nonexistent.invalid could not be resolved')
    expect(report.text).not.toContain('Internal error')
  })

  it('tells a ledger the disk refused (full, read-only) from a bug', () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    expect(describeFailure(full)).toEqual({
      exit: 'failed',
      text: 'The ledger refused a read or write (SQLite SQLITE_FULL: database or disk is full).\n',
    })
    const constraint = Object.assign(new Error('CHECK constraint failed'), {
      code: 'SQLITE_CONSTRAINT_CHECK',
    })
    expect(describeFailure(constraint).exit).toBe('internal')
  })
})
