import type { InventoryKind } from './inventory.ts'

/** What a person reads after `docs`: the document written and what it asks to rebuild. Pure. */
export function describeDocs(
  file: string,
  counts: { flows: number } & Record<InventoryKind, number>,
): string {
  return (
    `Wrote ${file}: ${counts.flows} X2Flow automation(s) to rebuild in Power Automate, ${counts.processes} ` +
    `process(es) as business process flows; to rebuild: ${counts.reports} report(s), ${counts.charts} chart(s), ` +
    `${counts.dashboards} dashboard(s), ${counts.campaigns} campaign(s), ${counts.templates} template(s) ` +
    `(also in inventory.json).\n`
  )
}
