import { describe, expect, it } from 'vitest'
import { CONFIG_TEMPLATE, parseConfig } from './config.ts'

const env = { X2CRM_API_KEY: 'k-123', DATAVERSE_CLIENT_SECRET: 's-456' }

describe('parseConfig', () => {
  it('accepts the init template once its secrets are in the environment', () => {
    const parsed = parseConfig(CONFIG_TEMPLATE, env, '/work')
    expect(parsed.errors).toEqual([])
    expect(parsed.value?.source.apiKey).toBe('k-123')
    expect(parsed.value?.target.clientSecret).toBe('s-456')
    expect(parsed.value?.run).toEqual({
      instance: 'crm.example.com',
      ledgerPath: '/work/.x2d365/ledger.sqlite',
      batchSize: 100,
    })
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

  it('reports YAML that does not parse without a stack trace', () => {
    const { errors } = parseConfig('source: [unclosed', env, '/')
    expect(errors[0]).toMatch(/^YAML: /)
  })
})
