import type { RunEvent } from '../run/events.ts'

type AfterLoad = Extract<
  RunEvent,
  { type: 'cases.closed' | 'lists.filled' | 'connections.made' | 'tags.written' }
>

const failures = (failed: readonly { sourceKey: string; reason: string }[]) =>
  failed.length === 0
    ? ''
    : `; ${failed.length} refused (${failed
        .slice(0, 3)
        .map((f) => `${f.sourceKey}: ${f.reason}`)
        .join('; ')}${failed.length > 3 ? '; …' : ''})`

/** One line saying what a step after the load did: cases closed, list members added, connections, tag rows. Pure. */
export function describeAfterLoad(event: AfterLoad): string {
  switch (event.type) {
    case 'cases.closed':
      return `Cases: ${event.resolved} resolved, ${event.cancelled} cancelled, ${event.alreadyClosed} already closed${failures(event.failed)}`
    case 'lists.filled':
      return (
        `Marketing lists: ${event.added} members added to ${event.lists} static list(s)` +
        `${event.notMigrated > 0 ? `, ${event.notMigrated} left off (not migrated)` : ''}` +
        `${event.otherTable > 0 ? `, ${event.otherTable} left off (loaded into another table, e.g. as leads)` : ''}` +
        `${event.emailOnly > 0 ? `, ${event.emailOnly} left off (e-mail address only)` : ''}` +
        `${event.dynamic > 0 ? `, ${event.dynamic} dynamic list(s) created empty (rules: x2d365 docs)` : ''}` +
        `${event.unread > 0 ? `, ${event.unread} list(s) without members: X2CRM's API has none, configure source.mysql` : ''}` +
        failures(event.failed)
      )
    case 'connections.made':
      return (
        `Connections: ${event.connected} from X2CRM relationships (${event.rolesCreated} role(s) created), ` +
        `${event.linkFields} were link fields, ${event.notMigrated} had an end not migrated${failures(event.failed)}`
      )
    case 'tags.written':
      return `Tags: ${event.rows} tag-table row(s)${failures(event.failed)}`
  }
}
