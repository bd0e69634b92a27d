import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { generate } from '../../sim/seed/generate.ts'
import { createX2crmSimulator, DEFAULT_ADMIN_KEY } from '../../sim/x2crm/index.ts'
import { describeDiscovery, discover } from '../../src/discover/discover.ts'
import { parseMapping } from '../../src/mapping/parse-mapping.ts'
import { proposeMapping } from '../../src/mapping/propose-mapping.ts'
import { validateMapping } from '../../src/mapping/validate-mapping.ts'
import { writeMapping } from '../../src/mapping/write-mapping.ts'
import { readTargetSchema } from '../../src/schema/read-target-schema.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { defaultTargetSchema } from './mapping-schemas.ts'

describe('discover against both simulators', () => {
  it('reads fields, dropdowns, users, counts and table metadata; the proposal from it validates', async () => {
    const { dataset } = generate({ seed: 3, accounts: 40, contacts: 60 })
    const x2crm = createX2crmSimulator({ data: dataset, now: () => 1795660000 })
    const source = createX2crmClient({
      url: 'http://127.0.0.1:8081/index.php/api2',
      username: 'admin',
      apiKey: DEFAULT_ADMIN_KEY,
      fetch: fetchFor(x2crm.handle),
      sleep: async () => undefined,
    })
    const dataverse = createDataverseSimulator({ origin: 'https://127.0.0.1:8443' })
    const settings = dataverse.settings()
    const fetch = fetchFor(dataverse.handle)
    const { getToken } = createMsalTokenProvider({ ...settings, fetch })
    const metadata = createDataverseMetadataClient({
      url: settings.url,
      fetch,
      getToken,
      sleep: async () => undefined,
    })

    const discovery = await discover({
      source,
      readTable: async (name) => (await readTargetSchema(metadata, [name], defaultTargetSchema()))[name],
      now: () => new Date('2026-11-26T00:00:00Z'),
    })
    expect(discovery.counts['Accounts']).toBe(40)
    expect(discovery.source.entities['Contacts']?.some((f) => f.fieldName === 'leadstatus')).toBe(true)
    expect(discovery.source.dropdowns.find((d) => d.id === 103)?.options).toMatchObject({ Google: 'Google' })
    expect(discovery.users.length).toBeGreaterThan(1)
    expect(Object.keys(discovery.target)).toEqual(
      expect.arrayContaining(['account', 'contact', 'lead', 'incident', 'task']),
    )
    expect(discovery.target['contact']?.columns.find((c) => c.name === 'parentcustomerid')?.nav).toEqual({
      contact: 'parentcustomerid_contact',
      account: 'parentcustomerid_account',
    })
    expect(describeDiscovery(discovery)[1]).toMatch(/^ {2}Accounts: 40 records, \d+ fields \(0 custom\)$/)

    const proposal = proposeMapping(discovery.source, discovery.target)
    const parsed = parseMapping(writeMapping(proposal.written, proposal.evidence))
    expect(parsed.errors).toEqual([])
    if (parsed.value !== undefined) {
      expect(validateMapping(parsed.value, discovery.source, discovery.target).errors).toEqual([])
    }
  })
})
