import { describe, expect, it } from 'vitest'
import { generate } from '../../sim/seed/generate.ts'
import { parseMapping } from '../../src/mapping/parse-mapping.ts'
import { proposeMapping } from '../../src/mapping/propose-mapping.ts'
import { validateMapping } from '../../src/mapping/validate-mapping.ts'
import { writeMapping } from '../../src/mapping/write-mapping.ts'
import { defaultSourceSchema, defaultTargetSchema } from './mapping-schemas.ts'

/**
 * What a Dynamics 365 consultant maps the default X2CRM fields of each migrated class to (standard columns only;
 * for links the navigation property). Fields not listed have no standard column: skipped or given a new column.
 */
const ADDRESS = {
  address: 'address1_line1',
  address2: 'address1_line2',
  city: 'address1_city',
  state: 'address1_stateorprovince',
  zipcode: 'address1_postalcode',
  country: 'address1_country',
}
const EXPECTED: Record<string, Record<string, string>> = {
  Accounts: {
    name: 'name',
    website: 'websiteurl',
    phone: 'telephone1',
    phone2: 'telephone2',
    email: 'emailaddress1',
    businessEmail: 'emailaddress2',
    personalEmail: 'emailaddress3',
    tickerSymbol: 'tickersymbol',
    employees: 'numberofemployees',
    annualRevenue: 'revenue',
    ...ADDRESS,
    description: 'description',
    assignedTo: 'ownerid',
    doNotCall: 'donotphone',
    doNotEmail: 'donotemail',
    createDate: 'overriddencreatedon',
    parentAccount: 'parentaccountid',
    primaryContact: 'primarycontactid',
    twitter: 'primarytwitterid',
  },
  Contacts: {
    firstName: 'firstname',
    lastName: 'lastname',
    title: 'jobtitle',
    email: 'emailaddress1',
    businessEmail: 'emailaddress2',
    personalEmail: 'emailaddress3',
    phone: 'telephone1',
    phone2: 'telephone2',
    website: 'websiteurl',
    ...ADDRESS,
    backgroundInfo: 'description',
    company: 'parentcustomerid_account',
    assignedTo: 'ownerid',
    doNotCall: 'donotphone',
    doNotEmail: 'donotemail',
    createDate: 'overriddencreatedon',
    leadSource: 'leadsourcecode',
  },
  X2Leads: {
    name: 'subject',
    firstName: 'firstname',
    lastName: 'lastname',
    title: 'jobtitle',
    email: 'emailaddress1',
    businessEmail: 'emailaddress2',
    personalEmail: 'emailaddress3',
    phone: 'telephone1',
    phone2: 'telephone2',
    website: 'websiteurl',
    ...ADDRESS,
    description: 'description',
    accountName: 'parentaccountid',
    leadSource: 'leadsourcecode',
    priority: 'prioritycode',
    quoteAmount: 'estimatedamount',
    dealvalue: 'estimatedvalue',
    expectedCloseDate: 'estimatedclosedate',
    assignedTo: 'ownerid',
    doNotCall: 'donotphone',
    doNotEmail: 'donotemail',
    createDate: 'overriddencreatedon',
  },
  Opportunity: {
    name: 'name',
    accountName: 'parentaccountid',
    contactName: 'parentcontactid',
    quoteAmount: 'estimatedvalue',
    expectedCloseDate: 'estimatedclosedate',
    probability: 'closeprobability',
    description: 'description',
    email: 'emailaddress',
    assignedTo: 'ownerid',
    createDate: 'overriddencreatedon',
  },
  Product: {
    id: 'productnumber',
    id_defaultuomid: 'defaultuomid',
    currency: 'pricelevelid',
    name: 'name',
    description: 'description',
    price: 'price',
    inventory: 'quantityonhand',
    createDate: 'overriddencreatedon',
  },
  // Services, Product, Quote and X2List as the built-in maps have them (src/mapping/default-cases.ts,
  // default-sales.ts): proposed so when X2CRM has records of them. A case's subject is its title; its name is its number.
  Services: {
    subject: 'title',
    description: 'description',
    contactId: 'customerid_contact',
    assignedTo: 'ownerid',
    origin: 'caseorigincode',
    impact: 'prioritycode',
    email: 'emailaddress',
    createDate: 'overriddencreatedon',
    parentCase: 'parentcaseid',
  },
  Quote: {
    name: 'name',
    description: 'description',
    accountName: 'customerid_account',
    currency: 'pricelevelid',
    expirationDate: 'effectiveto',
    email: 'emailaddress',
    assignedTo: 'ownerid',
    createDate: 'overriddencreatedon',
  },
  // To-dos of the Actions routed by type (the built-in map's, src/mapping/default-actions.ts).
  'Actions→task': {
    subject: 'subject',
    actionDescription: 'description',
    dueDate: 'scheduledend',
    completeDate: 'actualend',
    assignedTo: 'ownerid',
    createDate: 'overriddencreatedon',
    priority: 'prioritycode',
    timeSpent: 'actualdurationminutes',
    associationId: 'regardingobjectid',
    complete: 'statecode',
  },
  Campaign: {
    name: 'name',
    description: 'description',
    assignedTo: 'ownerid',
    type: 'typecode',
    launchDate: 'actualstart',
    createDate: 'overriddencreatedon',
  },
  X2List: {
    name: 'listname',
    description: 'description',
    assignedTo: 'ownerid',
    createDate: 'overriddencreatedon',
  },
}

describe('map propose on generated data', () => {
  const source = defaultSourceSchema()
  const target = defaultTargetSchema()
  const { dataset } = generate({ seed: 7, accounts: 200, contacts: 300 })
  const proposal = proposeMapping(source, target, {
    Accounts: dataset.records['Accounts'] ?? [],
    Contacts: dataset.records['Contacts'] ?? [],
  })

  it('maps the default fields of every migrated class to the columns an expert chooses (precision and recall ≥ 0.95)', () => {
    let proposed = 0
    let expected = 0
    let correct = 0
    const misses: string[] = []
    for (const [entity, fields] of Object.entries(EXPECTED)) {
      const written = proposal.written.entities[entity]
      expect(written, entity).toBeDefined()
      const columns = new Set(target[written?.table ?? '']?.columns.map((c) => c.name))
      for (const [field, line] of Object.entries(written?.fields ?? {})) {
        const want = fields[field]
        const got = 'skip' in line || line.create !== undefined ? undefined : line.target
        if (!('skip' in line) && got !== undefined && !columns.has(got) && line.transform !== 'link') {
          throw new Error(`${entity}.${field}: proposed ${got}, which ${written?.table ?? '?'} does not have`)
        }
        if (got !== undefined) proposed++
        if (want !== undefined) expected++
        if (got !== undefined && got === want) correct++
        else if (got !== want)
          misses.push(`${entity}.${field}: expected ${want ?? '(none)'}, proposed ${got ?? '(none)'}`)
      }
    }
    const precision = correct / proposed
    const recall = correct / expected
    console.log(
      `map propose: precision ${precision.toFixed(3)} (${correct}/${proposed}), recall ${recall.toFixed(3)} (${correct}/${expected})` +
        (misses.length > 0 ? `\n  ${misses.join('\n  ')}` : ''),
    )
    expect(precision).toBeGreaterThanOrEqual(0.95)
    expect(recall).toBeGreaterThanOrEqual(0.95)
  })

  it('writes a file that parses and validates against both schemas', () => {
    const text = writeMapping(proposal.written, proposal.evidence)
    const parsed = parseMapping(text)
    expect(parsed.errors).toEqual([])
    if (parsed.value === undefined) return
    const { errors } = validateMapping(parsed.value, source, target)
    expect(errors).toEqual([])
    expect(text).toMatch(
      /# 0\.\d\d CRM synonym: email → emailaddress1; X2CRM email → String\(100\); sample: \d+ of 200 filled/,
    )
  })

  it('proposes dedupe of accounts by name and website, and none for contacts', () => {
    expect(proposal.written.entities['Accounts']?.dedupe).toEqual({ columns: ['name', 'websiteurl'] })
    expect(proposal.written.entities['Contacts']?.dedupe).toBeUndefined()
    const parsed = parseMapping(writeMapping(proposal.written, proposal.evidence))
    expect(parsed.value?.entities.find((e) => e.entity === 'Accounts')?.dedupe).toEqual({
      columns: ['name', 'websiteurl'],
    })
  })

  it('proposes no dedupe when the map does not fill every dedupe column', () => {
    const withoutWebsite = {
      ...source,
      entities: {
        ...source.entities,
        Accounts: (source.entities['Accounts'] ?? []).filter((f) => f.fieldName !== 'website'),
      },
    }
    const result = proposeMapping(
      withoutWebsite,
      target,
      {},
      { objects: [{ entity: 'Accounts', table: 'account' }] },
    )
    expect(result.written.entities['Accounts']?.fields['name']).toMatchObject({ target: 'name' })
    expect(result.written.entities['Accounts']?.dedupe).toBeUndefined()
  })

  it('maps dropdown options to choices by label and proposes the rest as new choice values', () => {
    const leadSource = proposal.written.entities['Contacts']?.fields['leadSource']
    expect(leadSource).toMatchObject({ target: 'leadsourcecode', transform: 'choice' })
    if (leadSource === undefined || 'skip' in leadSource) return
    // contact.leadsourcecode has 1 Advertisement, 2 Employee Referral, ..., 8 Web, ...: none of Google, Facebook, Walk In
    expect(Object.keys(leadSource.choices ?? {})).toEqual(['Google', 'Facebook', 'Walk In'])
    expect(Object.values(leadSource.newOptions ?? {}).sort()).toEqual(['Facebook', 'Google', 'Walk In'])
    // Right by name, but none of its options matched: no 0.95, flagged for review.
    const evidence = proposal.evidence['Contacts']?.['leadSource']
    expect(evidence?.reasons).toContain('0 of 3 options match choices by label')
    expect(evidence?.confidence).toBeLessThanOrEqual(0.75)
    expect(leadSource.review).toMatch(/^confidence 0\.75: check that contact\.leadsourcecode is right/)
    const origin = proposal.written.entities['Services']?.fields['origin']
    if (origin === undefined || 'skip' in origin) throw new Error('origin not mapped')
    const caseorigin = target['incident']?.columns.find((c) => c.name === 'caseorigincode')?.options ?? []
    const valueOf = (label: string) => caseorigin.find((o) => o.label === label)?.value
    expect(origin.choices).toEqual({ Email: valueOf('Email'), Web: valueOf('Web'), Phone: valueOf('Phone') })
    expect(origin.newOptions).toBeUndefined()
  })

  it('proposes a new column for a custom field, with type and length from the sample, and flags doubtful lines', () => {
    const custom = structuredClone(source) as typeof source & { entities: Record<string, unknown[]> }
    const fields = [...(source.entities['Accounts'] ?? [])]
    fields.push({
      fieldName: 'c_region',
      attributeLabel: 'Sales Region',
      type: 'varchar',
      linkType: null,
      custom: true,
      required: false,
      readOnly: false,
    })
    const withCustom = { ...custom, entities: { ...source.entities, Accounts: fields } }
    const records = (dataset.records['Accounts'] ?? []).map((r, i) => ({
      ...r,
      c_region: i % 2 ? 'EMEA North and Baltic states of the union ' + 'x'.repeat(300) : 'APAC',
      leadSource: i % 3 ? 'Google' : '',
    }))
    const result = proposeMapping(withCustom, target, { Accounts: records }, { publisherPrefix: 'cr1_' })
    const line = result.written.entities['Accounts']?.fields['c_region']
    expect(line).toEqual({
      target: 'cr1_region',
      transform: 'text',
      create: { type: 'String', maxLength: 400, label: 'Sales Region' },
    })
    expect(result.evidence['Accounts']?.['c_region']?.reasons).toEqual(
      expect.arrayContaining([
        'custom field, no standard column',
        'sample: 200 of 200 filled, max 342 chars',
      ]),
    )
    // default fields with no standard column are kept in a new column when they hold data, but a person must look
    expect(result.review).toContain('entities.Accounts.fields.leadSource')
    expect(result.written.entities['Accounts']?.fields['leadSource']).toMatchObject({
      target: 'cr1_leadsource',
      create: { type: 'Picklist' },
      review: expect.any(String) as unknown,
    })
    // ... and skipped, with the reason, when the whole sample leaves them empty
    expect(result.written.entities['Accounts']?.fields['leadtype']).toEqual({
      skip: true,
      reason: 'empty in all 200 sampled records; no standard column of account fits',
    })
    expect(result.review).not.toContain('entities.Accounts.fields.leadtype')
  })
})
