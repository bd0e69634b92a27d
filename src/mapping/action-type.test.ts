import { describe, expect, it } from 'vitest'
import {
  actionSubject,
  activityState,
  associationClass,
  resolveRegarding,
  secondsToMinutes,
  unroutedReason,
} from './action-type.ts'
import { actionMaps } from './default-actions.ts'
import { ACCOUNT, CONTACT } from './default-map.ts'
import { matchesFilter } from './split-rule.ts'
import type { FieldMap, TransformContext } from './types.ts'

const LEAD = { logicalName: 'lead', entitySet: 'leads', primaryId: 'leadid' }
const regardingTo = [
  { entity: 'Accounts', table: ACCOUNT },
  { entity: 'Contacts', table: CONTACT },
  { entity: 'Contacts', table: LEAD },
]
const ctx: TransformContext = { targetIdFor: (e, id) => `${e}-${id}`, ownerFor: () => undefined }
const field: FieldMap = {
  source: 'associationId',
  target: 'regardingobjectid',
  transform: 'regarding',
  regardingTo,
}

describe('routing actions by type', () => {
  const maps = actionMaps(regardingTo)
  const tableOf = (type: unknown) =>
    maps.filter((m) => m.where !== undefined && matchesFilter(m.where, { id: 1, type })).map((m) => m.name)

  it('sends each known type to exactly one table', () => {
    expect(tableOf('call')).toEqual(['Actions→phonecall'])
    expect(tableOf('event')).toEqual(['Actions→appointment'])
    expect(tableOf('email')).toEqual(['Actions→email'])
    expect(tableOf('emailFrom')).toEqual(['Actions→email received'])
    expect(tableOf('note')).toEqual(['Actions→annotation'])
    expect(tableOf('')).toEqual(['Actions→task'])
    expect(tableOf(null)).toEqual(['Actions→task'])
    expect(tableOf('time')).toEqual(['Actions→task'])
    expect(tableOf('webactivity')).toEqual([])
  })

  it('names the type no table takes, and nothing for the types one takes', () => {
    const filters = maps.flatMap((m) => (m.where ? [m.where] : []))
    expect(unroutedReason('Actions', filters, { id: 1, type: 'workflow' })).toMatch(
      /^unknown action type 'workflow'/,
    )
    expect(unroutedReason('Actions', filters, { id: 1, type: 'call' })).toBeUndefined()
    // A split with a catch-all side takes every record.
    expect(
      unroutedReason('Actions', [{ ...filters[0]!, negate: true }], { id: 1, type: 'x' }),
    ).toBeUndefined()
  })
})

describe('the record an action is about', () => {
  it('reads module and class names in any case', () => {
    expect(associationClass('contacts')).toBe('Contacts')
    expect(associationClass('Contacts')).toBe('Contacts')
    expect(associationClass('opportunities')).toBe('Opportunity')
    expect(associationClass('Opportunity')).toBe('Opportunity')
    expect(associationClass('x2leads')).toBe('X2Leads')
    expect(associationClass('X2Leads')).toBe('X2Leads')
    expect(associationClass('none')).toBeNull()
    expect(associationClass('')).toBeNull()
    expect(associationClass(null)).toBeNull()
    expect(associationClass('widgets')).toBeUndefined()
  })

  it('links to the parent, with the navigation property of each table the parent may be in', () => {
    const link = resolveRegarding({ associationType: 'Contacts', associationId: 12 }, field, 'phonecall', ctx)
    expect(link.warning).toBeUndefined()
    expect(link.value).toMatchObject({
      parentKey: 'Contacts:12',
      parentTargetId: 'Contacts-12',
      nav: 'regardingobjectid_contact_phonecall',
      navBySet: {
        contacts: 'regardingobjectid_contact_phonecall',
        leads: 'regardingobjectid_lead_phonecall',
      },
    })
    const note = resolveRegarding(
      { associationType: 'accounts', associationId: '3' },
      { ...field, target: 'objectid' },
      'annotation',
      ctx,
    )
    expect(note.value?.nav).toBe('objectid_account')
  })

  it('reads a class named in another letter case (caseInsensitiveClass), said so; off, it links nothing', () => {
    const record = { associationType: 'CONTACTS', associationId: 12 }
    const repaired = resolveRegarding(record, field, 'phonecall', ctx)
    expect(repaired.value).toMatchObject({ parentKey: 'Contacts:12' })
    expect(repaired.warning).toBe(
      'repair caseInsensitiveClass: associationType "CONTACTS" read as Contacts (differs in letter case)',
    )
    const off = resolveRegarding(record, field, 'phonecall', ctx, false)
    expect(off.value).toBeNull()
    expect(off.warning).toMatch(/only ignoring letter case, and caseInsensitiveClass is off/)
    // X2CRM's own spellings, the module name and the class name, are no repair.
    expect(
      resolveRegarding({ associationType: 'x2Leads', associationId: 1 }, field, 'task', ctx).warning,
    ).toMatch(/^X2Leads 1: the map does not migrate/)
    expect(
      resolveRegarding({ associationType: 'opportunities', associationId: 1 }, field, 'task', ctx).warning,
    ).toMatch(/does not migrate Opportunity/)
    expect(
      resolveRegarding({ associationType: 'Opportunities', associationId: 1 }, field, 'task', ctx).warning,
    ).toMatch(/^repair caseInsensitiveClass: .*; Opportunity 1: the map does not migrate Opportunity/)
  })

  it('loads an action about nothing as it is, and one about a class the map does not load with a warning', () => {
    expect(resolveRegarding({ associationType: 'none', associationId: 0 }, field, 'task', ctx)).toEqual({
      value: null,
    })
    expect(resolveRegarding({ associationType: 'contacts', associationId: 0 }, field, 'task', ctx)).toEqual({
      value: null,
    })
    const services = resolveRegarding({ associationType: 'services', associationId: 7 }, field, 'task', ctx)
    expect(services.value).toBeNull()
    expect(services.warning).toMatch(/does not migrate Services/)
    const odd = resolveRegarding({ associationType: 'widgets', associationId: 7 }, field, 'task', ctx)
    expect(odd.warning).toMatch(/names no X2CRM module/)
  })
})

describe('the state an activity is closed into', () => {
  it('completes what X2CRM marks complete, with each table’s reason', () => {
    expect(activityState('task', { complete: 'Yes' })).toEqual({ statecode: 1, statuscode: 5 })
    expect(activityState('phonecall', { complete: 'Yes' })).toEqual({ statecode: 1, statuscode: 2 })
    expect(activityState('appointment', { complete: '1' })).toEqual({ statecode: 1, statuscode: 3 })
    expect(activityState('email', { complete: 'Yes', type: 'email' })).toEqual({
      statecode: 1,
      statuscode: 3,
    })
    expect(activityState('email', { complete: 'Yes', type: 'emailFrom' })).toEqual({
      statecode: 1,
      statuscode: 4,
    })
  })

  it('cancels a cancelled event, leaves open ones open and never closes a note', () => {
    expect(activityState('appointment', { complete: null, eventStatus: 'Cancelled' })).toEqual({
      statecode: 2,
      statuscode: 4,
    })
    expect(activityState('task', { complete: 'No' })).toBeNull()
    expect(activityState('appointment', { complete: null, eventStatus: 'Confirmed' })).toBeNull()
    expect(activityState('annotation', { complete: 'Yes' })).toBeNull()
  })
})

describe('subjects and durations', () => {
  it('takes the subject, else the first line of the description, else the type and id', () => {
    expect(actionSubject({ id: 1, subject: ' Call Bob ' })).toBe('Call Bob')
    expect(actionSubject({ id: 3, subject: null, actionDescription: 'Subject: Proposal #2\n\nHi' })).toBe(
      'Proposal #2',
    )
    expect(actionSubject({ id: 4, subject: '', actionDescription: '<p></p>\n<b>Lunch</b>' })).toBe('Lunch')
    expect(actionSubject({ id: 9, type: 'call' })).toBe('Call 9')
    expect(actionSubject({ id: 9, type: null })).toBe('Action 9')
    expect(actionSubject({ id: 1, subject: 'x'.repeat(300) })).toHaveLength(200)
  })

  it('turns seconds into whole minutes', () => {
    expect(secondsToMinutes(5400)).toEqual({ value: 90 })
    expect(secondsToMinutes('89')).toEqual({ value: 1 })
    expect(secondsToMinutes(0)).toEqual({ value: null })
    expect(secondsToMinutes(null)).toEqual({ value: null })
  })
})
