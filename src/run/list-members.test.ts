import { describe, expect, it } from 'vitest'
import { addListMembersBody, isDynamicList } from './list-members.ts'

describe('list members', () => {
  it('a list is dynamic only when X2CRM says so', () => {
    expect(isDynamicList('dynamic')).toBe(true)
    expect(isDynamicList(' Dynamic ')).toBe(true)
    expect(isDynamicList('static')).toBe(false)
    expect(isDynamicList(null)).toBe(false)
  })

  it('sends the members as entities of the list member table', () => {
    expect(addListMembersBody('l-1', 'contact', ['c-1', 'c-2'])).toEqual({
      List: { listid: 'l-1' },
      Members: [
        { '@odata.type': 'Microsoft.Dynamics.CRM.contact', contactid: 'c-1' },
        { '@odata.type': 'Microsoft.Dynamics.CRM.contact', contactid: 'c-2' },
      ],
    })
  })
})
