import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

describe('metadata client against the simulator', () => {
  // OptionSet needs a type-cast query with $expand=OptionSet: reading a table must still bring every choice's options.
  // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
  it('reads a table with its columns, keys and the options of its choice, state and status columns', async () => {
    const sim = createDataverseSimulator()
    const settings = sim.settings()
    const fetch = fetchFor(sim.handle)
    const metadata = createDataverseMetadataClient({
      url: settings.url,
      fetch,
      getToken: createMsalTokenProvider({ ...settings, fetch }).getToken,
    })
    const account = await metadata.readTable('account')
    const column = (name: string) => account?.columns.find((c) => c.name === name)
    expect(column('industrycode')?.options?.find((o) => o.value === 1)?.label).toBe('Accounting')
    expect(column('statecode')?.options?.map((o) => o.value)).toEqual([0, 1])
    expect(column('statuscode')?.options?.find((o) => o.value === 2)).toMatchObject({
      label: 'Inactive',
      state: 1,
    })
    expect(column('name')?.options).toBeUndefined()
    expect(await metadata.readTable('nosuchtable')).toBeUndefined()
  })
})
