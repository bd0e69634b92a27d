import { describe, expect, it } from 'vitest'
import { connect, errorOf } from '../test-helpers.ts'

// Metadata API: webapi.md §6 and
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-definitions-using-web-api
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-column-definitions-using-web-api
// https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity

const label = (text: string) => ({
  '@odata.type': 'Microsoft.Dynamics.CRM.Label',
  LocalizedLabels: [
    { '@odata.type': 'Microsoft.Dynamics.CRM.LocalizedLabel', Label: text, LanguageCode: 1033 },
  ],
})
const stringColumn = (schemaName: string, maxLength = 100) => ({
  '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
  SchemaName: schemaName,
  DisplayName: label(schemaName),
  RequiredLevel: {
    Value: 'None',
    CanBeChanged: true,
    ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings',
  },
  MaxLength: maxLength,
  FormatName: { Value: 'Text' },
})

describe('reading metadata', () => {
  it('GET EntityDefinitions(LogicalName=…) with $select and $expand=Attributes($select=…)', async () => {
    const api = await connect()
    const result = await api.call(
      'GET',
      "EntityDefinitions(LogicalName='account')?$select=LogicalName,EntitySetName,PrimaryIdAttribute&$expand=Attributes($select=LogicalName,AttributeType)",
    )
    expect(result.status).toBe(200)
    const body = result.body as {
      LogicalName: string
      EntitySetName: string
      Attributes: Record<string, unknown>[]
    }
    expect(body).toMatchObject({
      LogicalName: 'account',
      EntitySetName: 'accounts',
      PrimaryIdAttribute: 'accountid',
    })
    expect(body.Attributes.find((a) => a.LogicalName === 'name')).toEqual({
      '@odata.type': '#Microsoft.Dynamics.CRM.StringAttributeMetadata',
      MetadataId: expect.any(String) as unknown,
      LogicalName: 'name',
      AttributeType: 'String',
    })
  })

  it('GET …/Attributes lists type-specific properties; an unknown table is 404', async () => {
    const api = await connect()
    const result = await api.call('GET', "EntityDefinitions(LogicalName='account')/Attributes")
    const names = (result.body as { value: { LogicalName: string; MaxLength?: number }[] }).value
    expect(names.find((a) => a.LogicalName === 'name')?.MaxLength).toBe(160)
    const cast = await api.call(
      'GET',
      "EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName",
    )
    const picklists = (cast.body as { value: { LogicalName: string }[] }).value.map((a) => a.LogicalName)
    expect(picklists).toContain('industrycode')
    expect(picklists).not.toContain('name')
    const missing = await api.call('GET', "EntityDefinitions(LogicalName='nope')")
    expect(missing.status).toBe(404)
    expect(errorOf(missing)).toEqual({
      code: '0x80040217',
      message: "Could not find entity with name 'nope'.",
    })
  })
})

describe('creating columns (webapi.md §6.2)', () => {
  it('creates a string column that is writable and validated at once', async () => {
    const api = await connect()
    const created = await api.call(
      'POST',
      "EntityDefinitions(LogicalName='contact')/Attributes",
      stringColumn('new_LegacyId', 10),
    )
    expect(created.status).toBe(204)
    expect(created.headers.get('odata-entityid')).toMatch(
      /\/api\/data\/v9\.2\/EntityDefinitions\(LogicalName='contact'\)\/Attributes\([0-9a-f-]{36}\)$/,
    )
    expect((await api.call('POST', 'contacts', { lastname: 'Lee', new_legacyid: 'C-1' })).status).toBe(204)
    const tooLong = await api.call('POST', 'contacts', { lastname: 'Lee', new_legacyid: 'C-123456789' })
    expect(errorOf(tooLong)).toEqual({
      code: '0x80044331',
      message:
        "A validation error occurred.  The length of the 'new_legacyid' attribute of the 'contact' entity exceeded the maximum allowed length of '10'.",
    })
    const read = await api.call(
      'GET',
      "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='new_legacyid')",
    )
    expect(read.body).toMatchObject({ SchemaName: 'new_LegacyId', MaxLength: 10, IsCustomAttribute: true })
  })

  it('refuses a SchemaName without the publisher prefix (0x80044366)', async () => {
    const api = await connect()
    const result = await api.call(
      'POST',
      "EntityDefinitions(LogicalName='contact')/Attributes",
      stringColumn('LegacyId'),
    )
    expect(result.status).toBe(400)
    expect(errorOf(result)).toEqual({
      code: '0x80044366',
      message:
        "The attribute schema name 'LegacyId' is not valid: names must start with a valid customization prefix ('new_').",
    })
    const custom = await connect({ customizationPrefix: 'x2d' })
    expect(
      (
        await custom.call(
          'POST',
          "EntityDefinitions(LogicalName='contact')/Attributes",
          stringColumn('new_A'),
        )
      ).status,
    ).toBe(400)
    expect(
      (
        await custom.call(
          'POST',
          "EntityDefinitions(LogicalName='contact')/Attributes",
          stringColumn('x2d_A'),
        )
      ).status,
    ).toBe(204)
  })

  it.each([
    [
      { '@odata.type': 'Microsoft.Dynamics.CRM.MemoAttributeMetadata', MaxLength: 5000, Format: 'TextArea' },
      'x'.repeat(5000),
      'x'.repeat(5001),
    ],
    [
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.IntegerAttributeMetadata',
        MinValue: 0,
        MaxValue: 10,
        Format: 'None',
      },
      10,
      11,
    ],
    [
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.DecimalAttributeMetadata',
        MinValue: 0,
        MaxValue: 100,
        Precision: 2,
      },
      99.5,
      100.5,
    ],
    [
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.MoneyAttributeMetadata',
        PrecisionSource: 2,
        MinValue: 0,
        MaxValue: 1000,
      },
      5,
      -1,
    ],
    [
      { '@odata.type': 'Microsoft.Dynamics.CRM.DateTimeAttributeMetadata', Format: 'DateOnly' },
      '2024-03-10',
      'not a date',
    ],
    [
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.BooleanAttributeMetadata',
        OptionSet: {
          TrueOption: { Value: 1, Label: label('Yes') },
          FalseOption: { Value: 0, Label: label('No') },
          OptionSetType: 'Boolean',
        },
      },
      true,
      'yes',
    ],
    [
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata',
        OptionSet: {
          '@odata.type': 'Microsoft.Dynamics.CRM.OptionSetMetadata',
          IsGlobal: false,
          OptionSetType: 'Picklist',
          Options: [
            { Value: 727000000, Label: label('A') },
            { Value: 727000001, Label: label('B') },
          ],
        },
      },
      727000001,
      727000002,
    ],
    [
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata',
        OptionSet: {
          IsGlobal: false,
          OptionSetType: 'Picklist',
          Options: [
            { Value: 1, Label: label('One') },
            { Value: 9, Label: label('Nine') },
          ],
        },
      },
      '1, 9',
      '1,2',
    ],
  ])('creates %j columns that accept good values and reject bad ones', async (definition, good, bad) => {
    const api = await connect()
    const created = await api.call('POST', "EntityDefinitions(LogicalName='account')/Attributes", {
      ...definition,
      SchemaName: 'new_Field',
      DisplayName: label('Field'),
      RequiredLevel: { Value: 'None' },
    })
    expect(created.status).toBe(204)
    expect((await api.call('POST', 'accounts', { name: 'ok', new_field: good })).status).toBe(204)
    const rejected = await api.call('POST', 'accounts', { name: 'bad', new_field: bad })
    expect(rejected.status).toBe(400)
    expect(['0x80044331', '0x80048d19']).toContain(errorOf(rejected).code)
    expect(api.sim.rows('account').map((r) => r.name)).toEqual(['ok'])
  })

  it('refuses lookups through /Attributes and creates them with a one-to-many relationship', async () => {
    const api = await connect()
    const direct = await api.call('POST', "EntityDefinitions(LogicalName='contact')/Attributes", {
      '@odata.type': 'Microsoft.Dynamics.CRM.LookupAttributeMetadata',
      SchemaName: 'new_AccountId',
    })
    expect(direct.status).toBe(400)
    expect(errorOf(direct).message).toContain(
      'Attribute of type LookupAttributeMetadata cannot be created through the SDK',
    )
    const relationship = await api.call('POST', 'RelationshipDefinitions', {
      '@odata.type': 'Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata',
      SchemaName: 'new_account_contact_home',
      ReferencedEntity: 'account',
      ReferencedAttribute: 'accountid',
      ReferencingEntity: 'contact',
      CascadeConfiguration: {
        Assign: 'NoCascade',
        Delete: 'RemoveLink',
        Merge: 'NoCascade',
        Reparent: 'NoCascade',
        Share: 'NoCascade',
        Unshare: 'NoCascade',
      },
      Lookup: {
        '@odata.type': 'Microsoft.Dynamics.CRM.LookupAttributeMetadata',
        SchemaName: 'new_HomeAccountId',
        DisplayName: label('Home'),
        RequiredLevel: { Value: 'None' },
      },
    })
    expect(relationship.status).toBe(204)
    expect(relationship.headers.get('odata-entityid')).toMatch(/RelationshipDefinitions\([0-9a-f-]{36}\)$/)
    const accountId = /\(([0-9a-f-]{36})\)$/.exec(
      (await api.call('POST', 'accounts', { name: 'A' })).headers.get('odata-entityid') ?? '',
    )?.[1]
    // webapi.md §2.5: custom lookups bind by the SchemaName with its casing.
    const bound = await api.call('POST', 'contacts', {
      lastname: 'L',
      'new_HomeAccountId@odata.bind': `/accounts(${accountId})`,
    })
    expect(bound.status).toBe(204)
    expect(api.sim.rows('contact')[0]?._new_homeaccountid_value).toBe(accountId)
    const wrongCase = await api.call('POST', 'contacts', {
      lastname: 'L',
      'new_homeaccountid@odata.bind': `/accounts(${accountId})`,
    })
    expect(errorOf(wrongCase).code).toBe('0x80048d19')
  })

  it('creates a custom table with its primary name and system columns, usable at once', async () => {
    const api = await connect()
    const created = await api.call('POST', 'EntityDefinitions', {
      '@odata.type': 'Microsoft.Dynamics.CRM.EntityMetadata',
      SchemaName: 'new_Project',
      DisplayName: label('Project'),
      DisplayCollectionName: label('Projects'),
      OwnershipType: 'UserOwned',
      IsActivity: false,
      HasNotes: false,
      HasActivities: false,
      Attributes: [{ ...stringColumn('new_Name', 50), IsPrimaryName: true }],
    })
    expect(created.status).toBe(204)
    expect(created.headers.get('odata-entityid')).toMatch(/EntityDefinitions\([0-9a-f-]{36}\)$/)
    const definition = await api.call(
      'GET',
      "EntityDefinitions(LogicalName='new_project')?$select=EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute",
    )
    expect(definition.body).toMatchObject({
      EntitySetName: 'new_projects',
      PrimaryIdAttribute: 'new_projectid',
      PrimaryNameAttribute: 'new_name',
    })
    expect((await api.call('POST', 'new_projects', { new_name: 'P1' })).status).toBe(204)
    expect(api.sim.rows('new_project')[0]).toMatchObject({ new_name: 'P1', statecode: 0, statuscode: 1 })
    const unprefixed = await api.call('POST', 'EntityDefinitions', { SchemaName: 'Project', Attributes: [] })
    expect(errorOf(unprefixed).code).toBe('0x80044366')
  })

  // OptionSet is a navigation property of the choice attribute types: it needs a type cast and $expand=OptionSet.
  // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/picklistattributemetadata
  it('returns choice options only through a type-cast query with $expand=OptionSet', async () => {
    const api = await connect()
    const plain = await api.call('GET', "EntityDefinitions(LogicalName='account')?$expand=Attributes")
    const attributes = (plain.body as { Attributes: Record<string, unknown>[] }).Attributes
    expect(attributes.find((a) => a['LogicalName'] === 'industrycode')).not.toHaveProperty('OptionSet')
    const cast = await api.call(
      'GET',
      "EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet",
    )
    const industry = (cast.body as { value: Record<string, unknown>[] }).value.find(
      (a) => a['LogicalName'] === 'industrycode',
    )
    const options = (industry?.['OptionSet'] as { Options?: { Value: number }[] } | undefined)?.Options ?? []
    expect(options.map((o) => o.Value)).toContain(1)
  })

  // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/insertoptionvalue
  it('InsertOptionValue adds an option to a choice column, which then accepts it', async () => {
    const api = await connect()
    const inserted = await api.call('POST', 'InsertOptionValue', {
      EntityLogicalName: 'contact',
      AttributeLogicalName: 'leadsourcecode',
      Value: 100000001,
      Label: label('Trade show'),
    })
    expect(inserted.status).toBe(200)
    expect(inserted.body).toMatchObject({ NewOptionValue: 100000001 })
    const created = await api.call('POST', 'contacts', { lastname: 'Lee', leadsourcecode: 100000001 })
    expect(created.status).toBe(204)
    const again = await api.call('POST', 'InsertOptionValue', {
      EntityLogicalName: 'contact',
      AttributeLogicalName: 'leadsourcecode',
      Value: 100000001,
      Label: label('Twice'),
    })
    expect(again.status).toBe(400)
    const notChoice = await api.call('POST', 'InsertOptionValue', {
      EntityLogicalName: 'contact',
      AttributeLogicalName: 'lastname',
      Value: 1,
      Label: label('x'),
    })
    expect(notChoice.status).toBe(404)
  })

  it('PublishAllXml answers 204', async () => {
    const api = await connect()
    const result = await api.call('POST', 'PublishAllXml')
    expect(result.status).toBe(204)
    expect(api.sim.stats().byOperation.PublishAllXml).toBe(1)
  })
})

describe('alternate keys (webapi.md §6.5, §2.3)', () => {
  async function withKey(keyActivationSeconds: number) {
    let now = 1_000_000
    const api = await connect({ clock: () => now, keyActivationSeconds })
    await api.call(
      'POST',
      "EntityDefinitions(LogicalName='contact')/Attributes",
      stringColumn('new_LegacyId'),
    )
    const created = await api.call('POST', "EntityDefinitions(LogicalName='contact')/Keys", {
      SchemaName: 'new_contact_legacyid_key',
      DisplayName: label('Legacy id'),
      KeyAttributes: ['new_legacyid'],
    })
    expect(created.status).toBe(204)
    return { api, advance: (ms: number) => void (now += ms) }
  }

  it('is Pending until the configured delay has passed, then Active', async () => {
    const { api, advance } = await withKey(30)
    const status = async () =>
      (
        (
          await api.call(
            'GET',
            "EntityDefinitions(LogicalName='contact')/Keys(LogicalName='new_contact_legacyid_key')?$select=EntityKeyIndexStatus",
          )
        ).body as { EntityKeyIndexStatus: string }
      ).EntityKeyIndexStatus
    expect(await status()).toBe('Pending')
    const early = await api.call('PATCH', "contacts(new_legacyid='C-1')", { lastname: 'Lee' })
    expect(early.status).toBe(400)
    expect(errorOf(early).message).toContain('is Pending, not Active')
    advance(30_000)
    expect(await status()).toBe('Active')
    const keys = await api.call(
      'GET',
      "EntityDefinitions(LogicalName='contact')?$select=LogicalName&$expand=Keys($select=SchemaName,KeyAttributes,EntityKeyIndexStatus)",
    )
    expect((keys.body as { Keys: unknown[] }).Keys).toEqual([
      {
        MetadataId: expect.any(String) as unknown,
        SchemaName: 'new_contact_legacyid_key',
        KeyAttributes: ['new_legacyid'],
        EntityKeyIndexStatus: 'Active',
      },
    ])
  })

  it('upserts by alternate key: creates with the URL value, then updates the same row', async () => {
    const { api } = await withKey(0)
    const created = await api.call('PATCH', "contacts(new_legacyid='C-1')", { lastname: 'Lee' })
    expect(created.status).toBe(204)
    expect(created.headers.get('odata-entityid')).toBe(
      "https://127.0.0.1/api/data/v9.2/contacts(new_legacyid='C-1')",
    )
    const updated = await api.call(
      'PATCH',
      "contacts(new_legacyid='C-1')",
      { firstname: 'Ann' },
      { prefer: 'return=representation' },
    )
    expect(updated.status).toBe(200)
    expect(api.sim.rows('contact')).toEqual([
      expect.objectContaining({ new_legacyid: 'C-1', firstname: 'Ann', lastname: 'Lee' }),
    ])
    const got = await api.call('GET', "contacts(new_legacyid='C-1')?$select=lastname")
    expect((got.body as { lastname: string }).lastname).toBe('Lee')
    const bound = await api.call('POST', 'tasks', {
      subject: 'x',
      'regardingobjectid_contact_task@odata.bind': "/contacts(new_legacyid='C-1')",
    })
    expect(bound.status).toBe(204)
    const upsertMultiple = await api.call('POST', 'contacts/Microsoft.Dynamics.CRM.UpsertMultiple', {
      Targets: [
        {
          '@odata.type': 'Microsoft.Dynamics.CRM.contact',
          '@odata.id': "contacts(new_legacyid='C-1')",
          lastname: 'Lee2',
        },
        {
          '@odata.type': 'Microsoft.Dynamics.CRM.contact',
          '@odata.id': "contacts(new_legacyid='C-2')",
          lastname: 'New',
        },
      ],
    })
    expect(upsertMultiple.status).toBe(204)
    expect(api.sim.rows('contact').map((r) => [r.new_legacyid, r.lastname])).toEqual([
      ['C-1', 'Lee2'],
      ['C-2', 'New'],
    ])
  })

  it('answers 412 0x80060892 for a duplicate key value', async () => {
    const { api } = await withKey(0)
    await api.call('POST', 'contacts', { lastname: 'A', new_legacyid: 'C-1' })
    const duplicate = await api.call('POST', 'contacts', { lastname: 'B', new_legacyid: 'c-1' })
    expect(duplicate.status).toBe(412)
    expect(errorOf(duplicate)).toEqual({
      code: '0x80060892',
      message:
        'Entity Key new_contact_legacyid_key violated. A record with the same value for new_legacyid already exists. A duplicate record cannot be created. Please check the values of the columns in the key and try again.',
    })
    expect(api.sim.rows('contact')).toHaveLength(1)
  })

  it('refuses a key on an unknown column, a second key of the same name, and an undefined key in a URL', async () => {
    const { api } = await withKey(0)
    const unknown = await api.call('POST', "EntityDefinitions(LogicalName='contact')/Keys", {
      SchemaName: 'new_k2',
      KeyAttributes: ['nope'],
    })
    expect(errorOf(unknown).code).toBe('0x80060890')
    const again = await api.call('POST', "EntityDefinitions(LogicalName='contact')/Keys", {
      SchemaName: 'new_contact_legacyid_key',
      KeyAttributes: ['lastname'],
    })
    expect(errorOf(again).code).toBe('0x80060893')
    const undefinedKey = await api.call('GET', "contacts(lastname='Lee')")
    expect(undefinedKey.status).toBe(400)
    expect(errorOf(undefinedKey).message).toMatch(
      /^The key in the request URI is not valid for resource 'Microsoft\.Dynamics\.CRM\.contact'/,
    )
  })
})
