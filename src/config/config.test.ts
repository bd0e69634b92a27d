import { describe, expect, it } from 'vitest'
import { CONFIG_TEMPLATE, parseConfig } from './config.ts'

const env = { X2CRM_API_KEY: 'k-123', DATAVERSE_CLIENT_SECRET: 's-456' }

describe('parseConfig', () => {
  it('accepts the init template once its secrets are in the environment', () => {
    const parsed = parseConfig(CONFIG_TEMPLATE, env, '/work')
    expect(parsed.errors).toEqual([])
    expect(parsed.value?.source.x2crm?.apiKey).toBe('k-123')
    expect(parsed.value?.target.clientSecret).toBe('s-456')
    expect(parsed.value?.run).toEqual({
      instance: 'crm.example.com',
      ledgerPath: '/work/.x2d365/ledger.sqlite',
      batchSize: 100,
      usersPath: '/work/users.yaml',
      deletions: 'deactivate',
    })
  })

  it('takes what a delta does with deleted records from run.delta.deletions, and refuses an unknown policy', () => {
    const env = { X2CRM_API_KEY: 'k', DATAVERSE_CLIENT_SECRET: 's' }
    const withPolicy = (policy: string) =>
      parseConfig(`${CONFIG_TEMPLATE}  delta: { deletions: ${policy} }\n`, env, '/work')
    expect(withPolicy('delete').value?.run.deletions).toBe('delete')
    expect(withPolicy('purge').errors.join('\n')).toMatch(/run\.delta\.deletions/)
  })

  it('reports every problem at once, each with its path', () => {
    const text = `
source:
  x2crm: { url: not-a-url, username: '', apiKeyEnv: 'has space' }
target:
  dataverse: { url: https://x.crm.dynamics.com, authority: https://login.example, clientId: c, clientSecretEnv: S, extra: 1 }
run: { batchSize: 5000 }
`
    const { errors, value } = parseConfig(text, {}, '/')
    expect(value).toBeUndefined()
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^source\.x2crm\.url: /),
        expect.stringMatching(/^source\.x2crm\.username: /),
        expect.stringMatching(/^source\.x2crm\.apiKeyEnv: must be the NAME of an environment variable/),
        expect.stringMatching(/^target\.dataverse: .*extra/),
        expect.stringMatching(/^run\.batchSize: /),
      ]),
    )
  })

  it('names the missing environment variables', () => {
    const { errors } = parseConfig(CONFIG_TEMPLATE, {}, '/')
    expect(errors).toEqual([
      'source.x2crm.apiKeyEnv: environment variable X2CRM_API_KEY is not set (export X2CRM_API_KEY=... before running)',
      'target.dataverse.clientSecretEnv: environment variable DATAVERSE_CLIENT_SECRET is not set (export DATAVERSE_CLIENT_SECRET=... before running)',
    ])
  })

  it('takes a database source instead of the API, with an empty password allowed', () => {
    const text = CONFIG_TEMPLATE.replace(
      / {2}x2crm:\n( {4}.*\n)+/,
      '  mysql:\n    url: mysql://x2reader@db.example.com:3306/x2crm\n    passwordEnv: X2_DB_PASSWORD\n  uploads:\n    dir: ./uploads\n',
    )
    const parsed = parseConfig(text, { X2_DB_PASSWORD: '', DATAVERSE_CLIENT_SECRET: 's' }, '/work')
    expect(parsed.errors).toEqual([])
    expect(parsed.value?.source).toEqual({
      mysql: {
        url: 'mysql://x2reader@db.example.com:3306/x2crm',
        password: '',
        passwordEnv: 'X2_DB_PASSWORD',
      },
      uploads: { dir: '/work/uploads' },
    })
    expect(parsed.value?.run.instance).toBe('db.example.com:3306/x2crm')
  })

  it('asks for a source when there is none, and refuses a password inside the database URL', () => {
    const none = CONFIG_TEMPLATE.replace(/source:\n {2}x2crm:\n( {4}.*\n)+/, 'source: {}\n')
    expect(parseConfig(none, { DATAVERSE_CLIENT_SECRET: 's' }, '/').errors).toEqual([
      'source: configure source.x2crm (the API), source.mysql (the database), or both',
    ])
    const withPassword = CONFIG_TEMPLATE.replace(
      / {2}x2crm:\n( {4}.*\n)+/,
      '  mysql: { url: "mysql://u:secret@h/x2", passwordEnv: P }\n',
    )
    expect(parseConfig(withPassword, { P: 'x', DATAVERSE_CLIENT_SECRET: 's' }, '/').errors[0]).toMatch(
      /^source\.mysql\.url: /,
    )
  })

  it('reports YAML that does not parse without a stack trace', () => {
    const { errors } = parseConfig('source: [unclosed', env, '/')
    expect(errors[0]).toMatch(/^YAML: /)
  })
})
