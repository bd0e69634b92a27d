import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../errors.ts'
import { describeAddress, parseMysqlUrl } from './connection-url.ts'

describe('parseMysqlUrl', () => {
  it('reads user, host, port and database', () => {
    expect(parseMysqlUrl('mysql://x2ro@db.example.com:3307/x2crm')).toEqual({
      host: 'db.example.com',
      port: 3307,
      user: 'x2ro',
      database: 'x2crm',
    })
  })

  it('defaults the port to 3306 and accepts a unix socket', () => {
    const address = parseMysqlUrl('mysql://root@localhost/x2?socket=/run/mysqld/mysqld.sock')
    expect(address).toMatchObject({ port: 3306, socketPath: '/run/mysqld/mysqld.sock' })
    expect(describeAddress(address)).toBe('root@socket /run/mysqld/mysqld.sock/x2')
  })

  it('refuses a password in the URL without echoing it', () => {
    const error = (() => {
      try {
        parseMysqlUrl('mysql://x2ro:hunter2@db/x2crm')
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect(String(error)).toContain('passwordEnv')
    expect(String(error)).not.toContain('hunter2')
  })

  it('reports every problem at once', () => {
    expect(() => parseMysqlUrl('postgres://db/')).toThrow(/mysql:\/\/[\s\S]*no user[\s\S]*database name/)
  })

  it('explains a value that is not a URL', () => {
    expect(() => parseMysqlUrl('db.example.com')).toThrow(/not a URL/)
  })
})
