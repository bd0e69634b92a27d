import type { TableRef } from '../target/dataverse/types.ts'
import { ACTION_TABLES, RECEIVED_EMAIL_TYPES } from './action-type.ts'
import type { EntityMap, FieldMap } from './types.ts'

export const TASK: TableRef = { logicalName: 'task', entitySet: 'tasks', primaryId: 'activityid' }
export const PHONECALL: TableRef = {
  logicalName: 'phonecall',
  entitySet: 'phonecalls',
  primaryId: 'activityid',
}
export const APPOINTMENT: TableRef = {
  logicalName: 'appointment',
  entitySet: 'appointments',
  primaryId: 'activityid',
}
export const EMAIL: TableRef = { logicalName: 'email', entitySet: 'emails', primaryId: 'activityid' }
export const ANNOTATION: TableRef = {
  logicalName: 'annotation',
  entitySet: 'annotations',
  primaryId: 'annotationid',
}

/**
 * X2CRM Media files → notes (annotation) with the file, on the record they belong to. X2CRM's own assets (themes,
 * sounds) are skipped; the bytes come from the uploads folder or getFile when the run reads them.
 */
export function mediaMap(regardingTo: RegardingTo): EntityMap {
  return {
    entity: 'Media',
    name: 'Media→annotation',
    table: ANNOTATION,
    attachments: true,
    fields: [
      { source: 'name', target: 'subject', transform: 'text' },
      { source: 'description', target: 'notetext', transform: 'text' },
      { source: 'uploadedBy', target: 'ownerid', transform: 'owner' },
      { source: 'createDate', target: 'overriddencreatedon', transform: 'unixToIso' },
      { source: 'associationId', target: 'objectid', transform: 'regarding', regardingTo, pass: 1 },
    ],
  }
}

/** The record an action is about, among the classes the map loads. */
export type RegardingTo = NonNullable<FieldMap['regardingTo']>

/** X2CRM priority "1"/"2"/"3" (Low/Medium/High) → Dataverse prioritycode 0/1/2 (Low/Normal/High). */
const PRIORITY: Readonly<Record<string, number>> = { '1': 0, '2': 1, '3': 2 }

const typesOf = (table: string, except: readonly string[] = []) =>
  Object.entries(ACTION_TABLES)
    .filter(([type, t]) => t === table && !except.includes(type))
    .map(([type]) => type)

const byType = (types: readonly string[]): EntityMap['where'] => ({
  match: 'any',
  conditions: [{ type: 'field', field: 'type', in: types }],
})

/**
 * X2CRM Actions, routed by `type` into Dataverse's activity tables (api.md §1.9): to-dos and logged time → task,
 * calls → phonecall, calendar events → appointment (the event's subtype kept as its category), e-mails → email
 * (sent and received apart, for the direction), notes → a note (annotation) on the record. Each is about the record
 * of its `associationType`/`associationId` (`regardingTo`); activities are closed (Completed, Canceled) in the link
 * pass, after everything is in. A type none of them lists is quarantined as an unknown action type.
 */
export function actionMaps(regardingTo: RegardingTo): EntityMap[] {
  const regarding = (target: string): FieldMap => ({
    source: 'associationId',
    target,
    transform: 'regarding',
    regardingTo,
    pass: 1,
  })
  const common: FieldMap[] = [
    { source: 'subject', target: 'subject', transform: 'actionSubject' },
    { source: 'actionDescription', target: 'description', transform: 'text' },
    { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
    { source: 'createDate', target: 'overriddencreatedon', transform: 'unixToIso' },
    { source: 'priority', target: 'prioritycode', transform: 'choice', choices: PRIORITY },
    { source: 'timeSpent', target: 'actualdurationminutes', transform: 'secondsToMinutes' },
    regarding('regardingobjectid'),
    { source: 'complete', target: 'statecode', transform: 'activityState' },
  ]
  // A to-do's or call's due date is when it is due; it ended when it was completed.
  const dueAndDone: FieldMap[] = [
    { source: 'dueDate', target: 'scheduledend', transform: 'unixToIso' },
    { source: 'completeDate', target: 'actualend', transform: 'unixToIso' },
  ]
  const email = (name: string, types: string[], sent: boolean): EntityMap => ({
    entity: 'Actions',
    name,
    table: EMAIL,
    where: byType(types),
    defaults: { directioncode: sent },
    // Sent: from the X2CRM user to the record it is about; received: the other way (1 sender, 2 to).
    parties: sent ? { owner: 1, regarding: 2 } : { owner: 2, regarding: 1 },
    fields: [...common, ...dueAndDone],
  })
  return [
    {
      entity: 'Actions',
      name: 'Actions→task',
      table: TASK,
      where: byType(typesOf('task')),
      fields: [...common, ...dueAndDone],
    },
    {
      entity: 'Actions',
      name: 'Actions→phonecall',
      table: PHONECALL,
      where: byType(typesOf('phonecall')),
      fields: [...common, ...dueAndDone],
    },
    {
      entity: 'Actions',
      name: 'Actions→appointment',
      table: APPOINTMENT,
      where: byType(typesOf('appointment')),
      fields: [
        ...common,
        // An event's due date is its start, its complete date its end (api.md §1.9).
        { source: 'dueDate', target: 'scheduledstart', transform: 'unixToIso' },
        { source: 'completeDate', target: 'scheduledend', transform: 'unixToIso' },
        { source: 'eventSubtype', target: 'category', transform: 'text' },
        { source: 'allDay', target: 'isalldayevent', transform: 'boolean' },
      ],
    },
    email('Actions→email', typesOf('email', RECEIVED_EMAIL_TYPES), true),
    email('Actions→email received', [...RECEIVED_EMAIL_TYPES], false),
    {
      entity: 'Actions',
      name: 'Actions→annotation',
      table: ANNOTATION,
      where: byType(typesOf('annotation')),
      fields: [
        { source: 'subject', target: 'subject', transform: 'actionSubject' },
        { source: 'actionDescription', target: 'notetext', transform: 'text' },
        { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
        { source: 'createDate', target: 'overriddencreatedon', transform: 'unixToIso' },
        regarding('objectid'),
      ],
    },
  ]
}
