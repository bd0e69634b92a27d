import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from '../test-helpers.ts'

// https://learn.microsoft.com/en-us/previous-versions/dynamicscrm-2016/developers-guide/mt607498(v=crm.8) (CloseIncident)
// https://learn.microsoft.com/en-us/previous-versions/dynamicscrm-2016/developers-guide/mt607641(v=crm.8) (AddListMembersList)

async function aCase() {
  const api = await connect()
  const contact = idFrom(await api.call('POST', 'contacts', { lastname: 'Smith' }))
  const id = idFrom(
    await api.call('POST', 'incidents', {
      title: 'Laptop will not boot',
      'customerid_contact@odata.bind': `/contacts(${contact})`,
    }),
  )
  return { api, id, contact }
}

describe('CloseIncident', () => {
  it('an incident needs a customer', async () => {
    const api = await connect()
    const refused = await api.call('POST', 'incidents', { title: 'No customer' })
    expect(refused.status).toBe(400)
    expect(errorOf(refused).message).toContain('customerid')
  })

  it('creates the incidentresolution and resolves the case; a resolved case is read-only until reactivated', async () => {
    const { api, id } = await aCase()
    const closed = await api.call('POST', 'CloseIncident', {
      Status: 5,
      IncidentResolution: {
        subject: 'Password reset',
        'incidentid@odata.bind': `/incidents(${id})`,
        actualend: '2025-08-18T10:00:00Z',
      },
    })
    expect(closed.status).toBe(204)
    expect(api.sim.rows('incident')[0]).toMatchObject({ statecode: 1, statuscode: 5 })
    expect(api.sim.rows('incidentresolution')).toEqual([
      expect.objectContaining({
        subject: 'Password reset',
        _incidentid_value: id,
        actualend: '2025-08-18T10:00:00Z',
      }),
    ])
    const edit = await api.call('PATCH', `incidents(${id})`, { title: 'Changed' })
    expect(edit.status).toBe(400)
    expect(errorOf(edit).message).toContain('already been resolved')
    const again = await api.call('POST', 'CloseIncident', {
      Status: 5,
      IncidentResolution: { subject: 'Again', 'incidentid@odata.bind': `/incidents(${id})` },
    })
    expect(again.status).toBe(400)
    expect(api.sim.rows('incidentresolution')).toHaveLength(1)
    // Reactivated, it can be changed again.
    expect((await api.call('PATCH', `incidents(${id})`, { statecode: 0, statuscode: 1 })).status).toBe(204)
    expect((await api.call('PATCH', `incidents(${id})`, { title: 'Changed' })).status).toBe(204)
  })

  it('refuses Resolved through a PATCH, and a Status that is not a resolved one', async () => {
    const { api, id } = await aCase()
    const patch = await api.call('PATCH', `incidents(${id})`, { statecode: 1, statuscode: 5 })
    expect(patch.status).toBe(400)
    expect(errorOf(patch).message).toContain('use the CloseIncidentRequest message instead')
    const wrong = await api.call('POST', 'CloseIncident', {
      Status: 6,
      IncidentResolution: { subject: 'x', 'incidentid@odata.bind': `/incidents(${id})` },
    })
    expect(wrong.status).toBe(400)
    expect(api.sim.rows('incident')[0]).toMatchObject({ statecode: 0 })
    // Cancelled is a PATCH (statecode 2, statuscode 6), and leaves the case read-only too.
    expect((await api.call('PATCH', `incidents(${id})`, { statecode: 2, statuscode: 6 })).status).toBe(204)
    expect((await api.call('PATCH', `incidents(${id})`, { title: 'x' })).status).toBe(400)
  })
})

describe('AddListMembersList', () => {
  it('adds many members at once, each once; a member of another type refuses the whole call', async () => {
    const api = await connect()
    const list = idFrom(await api.call('POST', 'lists', { listname: 'Q4', createdfromcode: 2, type: false }))
    const a = idFrom(await api.call('POST', 'contacts', { lastname: 'A' }))
    const b = idFrom(await api.call('POST', 'contacts', { lastname: 'B' }))
    const account = idFrom(await api.call('POST', 'accounts', { name: 'Acme' }))
    const member = (table: string, id: string) => ({
      '@odata.type': `Microsoft.Dynamics.CRM.${table}`,
      [`${table}id`]: id,
    })
    const wrong = await api.call('POST', 'AddListMembersList', {
      List: { listid: list },
      Members: [member('contact', a), member('account', account)],
    })
    expect(wrong.status).toBe(400)
    expect(api.sim.rows('listmember')).toEqual([])
    const added = await api.call('POST', 'AddListMembersList', {
      List: { listid: list },
      Members: [member('contact', a), member('contact', b), member('contact', a)],
    })
    expect(added.status).toBe(204)
    const again = await api.call('POST', 'AddListMembersList', {
      List: { listid: list },
      Members: [member('contact', b)],
    })
    expect(again.status).toBe(204)
    expect(
      api.sim
        .rows('listmember')
        .map((m) => m['_entityid_value'])
        .sort(),
    ).toEqual([a, b].sort())
  })
})
