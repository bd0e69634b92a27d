import { describe, expect, it } from 'vitest'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { defaultMapping } from './default-map.ts'
import { targetIdFor } from './target-id.ts'
import { transformRecord } from './transform-record.ts'
import type { EntityMap, TransformContext, TransformResult } from './types.ts'

const [accounts, contacts] = defaultMapping().entities as [EntityMap, EntityMap]

const users: Record<string, string> = { jsmith: 'guid-jsmith', mgarcia: 'guid-mgarcia' }
const ctx: TransformContext = {
  targetIdFor: (entity, id) => targetIdFor('test', entity, id),
  ownerFor: (username) => users[username],
}

/** An account as X2CRM API v2 returns it (a subset of the default fields). */
function anAccount(overrides: Record<string, unknown> = {}): X2crmRecord {
  return {
    id: 1,
    name: 'Acme Corporation',
    nameId: 'Acme Corporation_1',
    website: 'acme.example.com',
    phone: '+1 555 0100',
    phone2: null,
    email: 'info@acme.example.com',
    tickerSymbol: null,
    employees: 1200,
    annualRevenue: '25000000.00',
    address: null,
    address2: null,
    city: 'Springfield',
    state: null,
    zipcode: null,
    country: 'US',
    description: 'Acme Corporation operates in Manufacturing.',
    assignedTo: 'jsmith',
    doNotCall: 0,
    doNotEmail: 0,
    createDate: 1776725139,
    parentAccount: null,
    primaryContact: null,
    ...overrides,
  }
}

function aContact(overrides: Record<string, unknown> = {}): X2crmRecord {
  return {
    id: 34,
    name: 'Brian Jones',
    firstName: 'Brian',
    lastName: 'Jones',
    title: 'IT Director',
    company: 'Stark Industries_9',
    phone: '+1 (555) 232-1416',
    phone2: null,
    email: 'brian.jones32@example.com',
    businessEmail: null,
    personalEmail: null,
    website: null,
    address: null,
    address2: null,
    city: null,
    state: null,
    zipcode: null,
    country: null,
    backgroundInfo: 'Met at conference #32.',
    assignedTo: 'Anyone',
    doNotCall: 0,
    doNotEmail: 0,
    createDate: 1757112282,
    ...overrides,
  }
}

function ok(result: TransformResult): Extract<TransformResult, { status: 'ok' }> {
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`)
  return result
}

describe('transformRecord: Accounts', () => {
  it('maps every default field to its column', () => {
    const result = ok(transformRecord(accounts, anAccount(), ctx))

    expect(result).toEqual({
      status: 'ok',
      sourceKey: 'Accounts:1',
      targetId: targetIdFor('test', 'Accounts', 1),
      values: {
        name: 'Acme Corporation',
        websiteurl: 'acme.example.com',
        telephone1: '+1 555 0100',
        telephone2: null,
        emailaddress1: 'info@acme.example.com',
        tickersymbol: null,
        numberofemployees: 1200,
        revenue: 25000000,
        address1_line1: null,
        address1_line2: null,
        address1_city: 'Springfield',
        address1_stateorprovince: null,
        address1_postalcode: null,
        address1_country: 'US',
        description: 'Acme Corporation operates in Manufacturing.',
        'ownerid@odata.bind': '/systemusers(guid-jsmith)',
        donotphone: false,
        donotemail: false,
        overriddencreatedon: '2026-04-20T22:45:39Z',
      },
      links: [],
      warnings: [],
    })
  })

  it('returns the parent account and primary contact as pass-2 links, not binds', () => {
    const result = ok(
      transformRecord(
        accounts,
        anAccount({ id: 14, parentAccount: 'Hooli_13', primaryContact: 'Jian Yang_20' }),
        ctx,
      ),
    )

    expect(result.links).toEqual([
      {
        field: 'parentAccount',
        nav: 'parentaccountid',
        entitySet: 'accounts',
        parentKey: 'Accounts:13',
        parentTargetId: targetIdFor('test', 'Accounts', 13),
        pass: 2,
      },
      {
        field: 'primaryContact',
        nav: 'primarycontactid',
        entitySet: 'contacts',
        parentKey: 'Contacts:20',
        parentTargetId: targetIdFor('test', 'Contacts', 20),
        pass: 2,
      },
    ])
    expect(Object.keys(result.values).filter((k) => k.includes('@odata.bind'))).toEqual([
      'ownerid@odata.bind',
    ])
  })

  it('takes numbers that arrive as strings, and booleans that arrive as true', () => {
    const result = ok(
      transformRecord(
        accounts,
        anAccount({ id: '66', employees: '85', createDate: '1776725139', doNotCall: true, doNotEmail: '1' }),
        ctx,
      ),
    )

    expect(result.sourceKey).toBe('Accounts:66')
    expect(result.targetId).toBe(targetIdFor('test', 'Accounts', 66))
    expect(result.values).toMatchObject({
      numberofemployees: 85,
      overriddencreatedon: '2026-04-20T22:45:39Z',
      donotphone: true,
      donotemail: true,
    })
  })

  it('loads the name with ???? and says the emoji are lost', () => {
    const result = ok(transformRecord(accounts, anAccount({ id: 8, name: 'Rocket ???? Labs' }), ctx))

    expect(result.values.name).toBe('Rocket ???? Labs')
    expect(result.warnings).toEqual(["name: contains characters X2CRM's database destroyed (????)"])
  })

  it('is invalid without a name, with a reason a person can act on', () => {
    expect(transformRecord(accounts, anAccount({ name: '  ' }), ctx)).toEqual({
      status: 'invalid',
      sourceKey: 'Accounts:1',
      issues: [
        'name: the account has no name, and Dynamics 365 requires one. Give it a name in X2CRM, then run again.',
      ],
    })
  })

  it('keeps only the first of several assignees and warns', () => {
    const result = ok(transformRecord(accounts, anAccount({ assignedTo: 'mgarcia, jsmith' }), ctx))

    expect(result.values['ownerid@odata.bind']).toBe('/systemusers(guid-mgarcia)')
    expect(result.warnings).toEqual([
      'assignedTo: assigned to mgarcia, jsmith; Dataverse keeps one owner, mgarcia; jsmith dropped',
    ])
  })

  it('does not bind an owner for Anyone or an unmapped user', () => {
    expect(ok(transformRecord(accounts, anAccount({ assignedTo: 'Anyone' }), ctx)).values).not.toHaveProperty(
      'ownerid@odata.bind',
    )
    const unmapped = ok(transformRecord(accounts, anAccount({ assignedTo: 'pwagner' }), ctx))
    expect(unmapped.values).not.toHaveProperty('ownerid@odata.bind')
    expect(unmapped.warnings).toEqual([
      'assignedTo: X2CRM user "pwagner" has no Dataverse user; the row gets the default owner',
    ])
  })

  it('leaves an over-long value as it is, for the server to refuse', () => {
    const long = 'N'.repeat(400)
    expect(ok(transformRecord(accounts, anAccount({ name: long }), ctx)).values.name).toBe(long)
  })
})

describe('transformRecord: Contacts', () => {
  it('maps the default fields and returns the company as a pass-1 link', () => {
    const result = ok(transformRecord(contacts, aContact(), ctx))

    expect(result.sourceKey).toBe('Contacts:34')
    expect(result.values).toMatchObject({
      firstname: 'Brian',
      lastname: 'Jones',
      jobtitle: 'IT Director',
      emailaddress1: 'brian.jones32@example.com',
      emailaddress2: null,
      emailaddress3: null,
      telephone1: '+1 (555) 232-1416',
      description: 'Met at conference #32.',
      overriddencreatedon: '2025-09-05T22:44:42Z',
    })
    expect(result.values).not.toHaveProperty('ownerid@odata.bind')
    expect(result.links).toEqual([
      {
        field: 'company',
        nav: 'parentcustomerid_account',
        entitySet: 'accounts',
        parentKey: 'Accounts:9',
        parentTargetId: targetIdFor('test', 'Accounts', 9),
        pass: 1,
      },
    ])
    expect(result.warnings).toEqual([])
  })

  it('loads "Zoë ???? Emoji ????" with one warning per damaged field', () => {
    const result = ok(
      transformRecord(
        contacts,
        aContact({
          id: 56,
          firstName: 'Zoë ????',
          lastName: 'Emoji ????',
          backgroundInfo: 'Loves ???? and ☕.',
        }),
        ctx,
      ),
    )

    expect(result.values).toMatchObject({ firstname: 'Zoë ????', lastname: 'Emoji ????' })
    expect(result.warnings).toEqual([
      "firstName: contains characters X2CRM's database destroyed (????)",
      "lastName: contains characters X2CRM's database destroyed (????)",
      "backgroundInfo: contains characters X2CRM's database destroyed (????)",
    ])
  })

  it('reads a zero creation date as none', () => {
    const result = ok(transformRecord(contacts, aContact({ id: 58, createDate: 0 }), ctx))

    expect(result.values.overriddencreatedon).toBeNull()
    expect(result.warnings).toEqual([])
  })

  it('returns a dangling link like any other: the run leaves it unbound when the parent never loaded', () => {
    const result = ok(transformRecord(contacts, aContact({ company: 'Ghost_999999' }), ctx))

    expect(result.links.map((l) => l.parentKey)).toEqual(['Accounts:999999'])
  })

  it('links nothing for a company typed as plain text, and warns', () => {
    const result = ok(
      transformRecord(
        contacts,
        aContact({ id: 61, company: 'Unknown Company That Does Not Exist Inc' }),
        ctx,
      ),
    )

    expect(result.links).toEqual([])
    expect(result.warnings).toEqual([
      'company: "Unknown Company That Does Not Exist Inc" is plain text, not a link to an X2CRM Accounts record; not linked',
    ])
  })

  it('leaves an invalid e-mail empty and loads the rest', () => {
    const result = ok(transformRecord(contacts, aContact({ id: 63, email: 'not-an-email@@example' }), ctx))

    expect(result.values.emailaddress1).toBeNull()
    expect(result.warnings).toEqual([
      'email: "not-an-email@@example" is not a valid e-mail address; left empty',
    ])
  })

  it('is invalid with neither a first nor a last name', () => {
    expect(transformRecord(contacts, aContact({ firstName: '', lastName: null }), ctx)).toEqual({
      status: 'invalid',
      sourceKey: 'Contacts:34',
      issues: [
        'firstName, lastName: the contact has neither a first nor a last name, so nobody could find it in ' +
          'Dynamics 365. Add a name in X2CRM, then run again.',
      ],
    })
  })

  it('loads a contact with only a first name, warning that forms require a last name', () => {
    const result = ok(transformRecord(contacts, aContact({ lastName: '' }), ctx))

    expect(result.warnings).toEqual([
      'lastName: empty; the contact loads, but Dynamics 365 forms require a last name',
    ])
  })

  it.each([undefined, null, '', 'abc', 0, -1, 1.5])('is invalid without a usable id (%j)', (id) => {
    const result = transformRecord(contacts, aContact({ id }), ctx)

    expect(result.status).toBe('invalid')
    expect(result.status === 'invalid' && result.issues[0]).toMatch(/^id: .* is not an X2CRM record id/)
  })

  it('is deterministic', () => {
    expect(transformRecord(contacts, aContact(), ctx)).toEqual(transformRecord(contacts, aContact(), ctx))
  })
})
