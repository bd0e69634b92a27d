import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom, type TestApi } from '../test-helpers.ts'

interface Page {
  value: Record<string, unknown>[]
}

async function withContacts(): Promise<{ api: TestApi; ada: string; bob: string; user: string }> {
  const api = await connect()
  const ada = idFrom(await api.call('POST', 'contacts', { lastname: 'Ada' }))
  const bob = idFrom(await api.call('POST', 'contacts', { lastname: 'Bob' }))
  const who = (await api.call('GET', 'WhoAmI')).body as { UserId: string }
  return { api, ada, bob, user: who.UserId }
}

async function partiesOf(api: TestApi, activityId: string) {
  const result = await api.call(
    'GET',
    `activityparties?$select=participationtypemask,_partyid_value,_activityid_value,addressused` +
      `&$filter=_activityid_value eq ${activityId}&$orderby=participationtypemask`,
    undefined,
    { prefer: 'odata.include-annotations="*"' },
  )
  expect(result.status).toBe(200)
  return (result.body as Page).value
}

// Activity parties are written through the activity's collection-valued navigation property
// `<activity>_activity_parties` (webapi.md §7.5 [D]; Microsoft "Activity tables" and
// "activityparty" table reference): each item binds partyid_<table> and sets participationtypemask.
describe('<activity>_activity_parties', () => {
  it('stores one activityparty row per item on POST emails, read back with $filter=_activityid_value', async () => {
    const { api, ada, bob, user } = await withContacts()
    const email = idFrom(
      await api.call('POST', 'emails', {
        subject: 'Welcome',
        email_activity_parties: [
          { 'partyid_systemuser@odata.bind': `/systemusers(${user})`, participationtypemask: 1 },
          { 'partyid_contact@odata.bind': `/contacts(${ada})`, participationtypemask: 2 },
          { 'partyid_contact@odata.bind': `/contacts(${bob})`, participationtypemask: 3 },
          { addressused: 'someone@external.example', participationtypemask: 4 },
        ],
      }),
    )
    const parties = await partiesOf(api, email)
    expect(parties.map((p) => [p.participationtypemask, p._partyid_value, p.addressused])).toEqual([
      [1, user, null],
      [2, ada, null],
      [3, bob, null],
      [4, null, 'someone@external.example'],
    ])
    for (const party of parties) {
      expect(party._activityid_value).toBe(email)
      expect(party['_activityid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('email')
    }
    expect(parties[1]?.['_partyid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('contact')
    // The email itself keeps no party columns (PartyList is not a readable property).
    const stored = (await api.call('GET', `emails(${email})`)).body as Record<string, unknown>
    expect(stored).not.toHaveProperty('to')
    expect(stored.subject).toBe('Welcome')
  })

  it('works on phonecalls and appointments, and on a PATCH upsert that creates the row', async () => {
    const { api, ada, user } = await withContacts()
    const call = idFrom(
      await api.call('POST', 'phonecalls', {
        subject: 'Call',
        phonecall_activity_parties: [
          { 'partyid_systemuser@odata.bind': `/systemusers(${user})`, participationtypemask: 1 },
          { 'partyid_contact@odata.bind': `/contacts(${ada})`, participationtypemask: 2 },
        ],
      }),
    )
    expect((await partiesOf(api, call)).map((p) => p.participationtypemask)).toEqual([1, 2])

    const meeting = '6f1c0f52-1d3a-4c1e-9a8e-3d2f6f0c0001'
    const upsert = await api.call('PATCH', `appointments(${meeting})`, {
      subject: 'Meeting',
      appointment_activity_parties: [
        { 'partyid_contact@odata.bind': `/contacts(${ada})`, participationtypemask: 5 },
        { 'partyid_systemuser@odata.bind': `/systemusers(${user})`, participationtypemask: 7 },
      ],
    })
    expect(upsert.status).toBe(204)
    expect((await partiesOf(api, meeting)).map((p) => [p.participationtypemask, p._partyid_value])).toEqual([
      [5, ada],
      [7, user],
    ])
  })

  it('replaces the parties when an update carries the collection, and deletes them with the activity', async () => {
    // [U] replacement on update is the simulator's reading; cascade delete follows the
    // activitypointer → activityparty relationship (Cascade: Delete).
    const { api, ada, bob } = await withContacts()
    const email = idFrom(
      await api.call('POST', 'emails', {
        subject: 'Draft',
        email_activity_parties: [
          { 'partyid_contact@odata.bind': `/contacts(${ada})`, participationtypemask: 2 },
        ],
      }),
    )
    const update = await api.call('PATCH', `emails(${email})`, {
      email_activity_parties: [
        { 'partyid_contact@odata.bind': `/contacts(${bob})`, participationtypemask: 3 },
      ],
    })
    expect(update.status).toBe(204)
    expect((await partiesOf(api, email)).map((p) => [p.participationtypemask, p._partyid_value])).toEqual([
      [3, bob],
    ])
    expect((await api.call('DELETE', `emails(${email})`)).status).toBe(204)
    expect(await partiesOf(api, email)).toEqual([])
    expect(api.sim.rows('activityparty')).toEqual([])
  })

  it('answers a bind to a row that does not exist with 404 0x80040217 and writes nothing', async () => {
    // webapi.md §2.7: "<table> With Id = <guid> Does Not Exist", as for any other bind.
    const { api } = await withContacts()
    const missing = '00000000-0000-0000-0000-0000000000aa'
    const result = await api.call('POST', 'emails', {
      subject: 'Nobody',
      email_activity_parties: [
        { 'partyid_contact@odata.bind': `/contacts(${missing})`, participationtypemask: 2 },
      ],
    })
    expect(result.status).toBe(404)
    expect(errorOf(result)).toEqual({
      code: '0x80040217',
      message: `contact With Id = ${missing} Does Not Exist`,
    })
    expect(api.sim.rows('email')).toEqual([])
    expect(api.sim.rows('activityparty')).toEqual([])
  })

  it('answers a participationtypemask outside the choice, or a missing one, with 400', async () => {
    const { api, ada } = await withContacts()
    const bind = { 'partyid_contact@odata.bind': `/contacts(${ada})` }
    const invalid = await api.call('POST', 'emails', {
      subject: 'Bad mask',
      email_activity_parties: [{ ...bind, participationtypemask: 99 }],
    })
    expect(invalid.status).toBe(400)
    expect(errorOf(invalid)).toEqual({
      code: '0x80044331',
      message:
        "A validation error occurred.  The value 99 of 'participationtypemask' on record of type 'activityparty' is outside the valid range.",
    })
    const missing = await api.call('POST', 'emails', { subject: 'No mask', email_activity_parties: [bind] })
    expect(missing.status).toBe(400)
    expect(errorOf(missing)).toEqual({
      code: '0x80040203',
      message:
        "A validation error occurred.  The value for 'participationtypemask' on record of type 'activityparty' is required and cannot be null.",
    })
    expect(api.sim.rows('email')).toEqual([])
  })

  it('answers an unknown party navigation, a table that does not exist, or parties on task with 400 0x80048d19', async () => {
    // The OData reader's errors for undeclared properties (webapi.md §2.5, §2.7 [C]); task has
    // no party lists (webapi.md §7.5), so task_activity_parties is an unknown property.
    const { api, ada } = await withContacts()
    const unknownNav = await api.call('POST', 'emails', {
      subject: 'x',
      email_activity_parties: [
        { 'partyid_widget@odata.bind': `/contacts(${ada})`, participationtypemask: 2 },
      ],
    })
    expect(unknownNav.status).toBe(400)
    expect(errorOf(unknownNav).code).toBe('0x80048d19')
    expect(errorOf(unknownNav).message).toContain(
      "An undeclared property 'partyid_widget' which only has property annotations in the payload",
    )
    const unknownSet = await api.call('POST', 'emails', {
      subject: 'x',
      email_activity_parties: [
        { 'partyid_contact@odata.bind': `/widgets(${ada})`, participationtypemask: 2 },
      ],
    })
    expect(unknownSet.status).toBe(400)
    expect(errorOf(unknownSet).code).toBe('0x80048d19')
    expect(errorOf(unknownSet).message).toContain("Resource not found for the segment 'widgets'.")
    const onTask = await api.call('POST', 'tasks', {
      subject: 'x',
      task_activity_parties: [
        { 'partyid_contact@odata.bind': `/contacts(${ada})`, participationtypemask: 2 },
      ],
    })
    expect(onTask.status).toBe(400)
    expect(errorOf(onTask).message).toContain(
      "The property 'task_activity_parties' does not exist on type 'Microsoft.Dynamics.CRM.task'.",
    )
    const notArray = await api.call('POST', 'emails', { subject: 'x', email_activity_parties: { a: 1 } })
    expect(notArray.status).toBe(400)
    expect(errorOf(notArray).message).toContain(
      "The value of 'email_activity_parties' must be a JSON array of activityparty objects",
    )
    expect(api.sim.rows('activityparty')).toEqual([])
  })

  it('refuses bulk messages on email (webapi.md §4.2) before reading any party', async () => {
    const { api, ada } = await withContacts()
    const result = await api.call('POST', 'emails/Microsoft.Dynamics.CRM.CreateMultiple', {
      Targets: [
        {
          '@odata.type': 'Microsoft.Dynamics.CRM.email',
          subject: 'Bulk',
          email_activity_parties: [
            { 'partyid_contact@odata.bind': `/contacts(${ada})`, participationtypemask: 2 },
          ],
        },
      ],
    })
    expect(result.status).toBe(400)
    expect(errorOf(result)).toEqual({
      code: '0x80040800',
      message:
        "The 'CreateMultiple' method does not support entities of type 'email'. MessageProcessorCache returned MessageProcessor.Empty. ",
    })
    expect(api.sim.rows('activityparty')).toEqual([])
  })
})
