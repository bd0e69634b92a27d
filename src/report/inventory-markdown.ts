import { dynamicListsMarkdown } from './dynamic-lists.ts'
import { escapeMarkdown as md, type Inventory, type InventoryKind } from './inventory.ts'

/** The processes as business process flows to build, as a Markdown section of the reconstruction document. */
export function renderProcessesMarkdown(inventory: Inventory): string {
  const lines = [
    '# Processes → business process flows',
    '',
    'X2CRM processes (pipelines of stages a record moves through) become Dynamics 365 business process flows: one',
    'stage per X2CRM stage, in the same order, on the table the records went to. Record counts are the records X2CRM tracked in each process.',
  ]
  const unreadable = inventory.unreadable.find((u) => u.kind === 'processes')
  if (unreadable !== undefined) {
    lines.push('', `Not read: ${md(unreadable.reason)}.`)
    return `${lines.join('\n')}\n`
  }
  if (inventory.processes.length === 0) {
    lines.push('', 'X2CRM has no processes defined: no business process flow to build.')
    return `${lines.join('\n')}\n`
  }
  lines.push('', `${inventory.processes.length} process(es).`)
  for (const process of inventory.processes) {
    lines.push(
      '',
      `## ${md(process.name)} (process ${process.id}${process.isDefault ? ', default' : ''})`,
      '',
    )
    lines.push(`**Build:** ${md(process.rebuild)}.`, '')
    if (process.entities.length > 0) {
      lines.push(
        `**Tables:** ${process.entities.map((e) => `${e.table} (${md(e.entity)}, ${e.records} record(s) in this process in X2CRM)`).join('; ')}.`,
        '',
      )
    }
    lines.push(
      `Business process flow name: **${md(process.bpfName)}**`,
      '',
      '| # | X2CRM stage | Stage to create | Stage category | Steps |',
      '|---|---|---|---|---|',
    )
    for (const stage of process.stages) {
      lines.push(
        `| ${stage.number} | ${md(stage.x2crmName)} | ${md(stage.stageName)} | ${stage.category ?? '—'} | ${stage.steps.map(md).join('<br>')} |`,
      )
    }
    const notes = process.stages.flatMap((s) => s.notes.map((n) => `Stage ${s.number}: ${n}`))
    const described = process.stages.filter((s) => s.description)
    if (notes.length > 0 || described.length > 0) lines.push('')
    for (const stage of described) lines.push(`- Stage ${stage.number}: ${md(stage.description ?? '')}`)
    for (const note of notes) lines.push(`- ${md(note)}`)
  }
  return `${lines.join('\n')}\n`
}

const TITLES: Readonly<Record<InventoryKind, string>> = {
  reports: 'Reports',
  charts: 'Charts',
  dashboards: 'Dashboards',
  processes: 'Processes',
  campaigns: 'Campaigns',
  templates: 'E-mail and document templates',
}

/** Reports, charts, dashboards, campaigns and templates to rebuild, as a Markdown section. */
export function renderInventoryMarkdown(inventory: Inventory): string {
  const lines = [
    '# Inventory to rebuild in Dynamics 365',
    '',
    'Reports, charts, dashboards and campaign content are not data: x2d365 does not move them. Each item below',
    `says what to build. ${inventory.reports.length} report(s), ${inventory.charts.length} chart(s), ${inventory.dashboards.length} dashboard(s), ${inventory.campaigns.length} campaign(s), ${inventory.templates.length} template(s).`,
  ]
  const notRead = (kind: InventoryKind) => {
    const found = inventory.unreadable.find((u) => u.kind === kind)
    if (found !== undefined) lines.push('', `Not read: ${md(found.reason)}.`)
    return found !== undefined
  }

  lines.push('', `## ${TITLES.reports} (${inventory.reports.length})`)
  if (!notRead('reports') && inventory.reports.length === 0) lines.push('', 'None.')
  for (const report of inventory.reports) {
    const on =
      report.entity === null ? '' : ` on ${md(report.entity)}${report.table ? ` → ${report.table}` : ''}`
    lines.push('', `### ${md(report.name)} (report ${report.id}, ${md(report.type)}${on})`, '')
    lines.push(`- Columns: ${report.columns.length > 0 ? report.columns.map(md).join(', ') : '(none)'}`)
    lines.push(`- Filters: ${report.filters.length > 0 ? report.filters.map(md).join('; ') : 'none'}`)
    if (report.orderBy.length > 0) lines.push(`- Order: ${report.orderBy.map(md).join(', ')}`)
    lines.push(`- Build: ${md(report.rebuild)}`)
  }

  lines.push('', `## ${TITLES.charts} (${inventory.charts.length})`)
  if (!notRead('charts')) {
    if (inventory.charts.length === 0) lines.push('', 'None.')
    else {
      lines.push('', '| Chart | Report | Shows | Build |', '|---|---|---|---|')
      for (const chart of inventory.charts) {
        lines.push(
          `| ${md(chart.name)} (chart ${chart.id}) | ${chart.reportName === null ? '—' : md(chart.reportName)} | ${md(chart.summary)} | ${md(chart.rebuild)} |`,
        )
      }
    }
  }

  lines.push('', `## ${TITLES.dashboards} (${inventory.dashboards.length})`)
  if (!notRead('dashboards') && inventory.dashboards.length === 0) lines.push('', 'None.')
  for (const dashboard of inventory.dashboards) {
    lines.push(
      '',
      `### ${md(dashboard.name)}, by ${md(dashboard.owner)}`,
      '',
      `Build: ${md(dashboard.rebuild)}.`,
      '',
    )
    lines.push('| Widget | Shown as | Component to add |', '|---|---|---|')
    for (const tile of dashboard.tiles) {
      lines.push(
        `| ${md(tile.label)}${tile.chartId === null ? '' : ` (chart ${tile.chartId})`} | ${md(tile.display)} | ${md(tile.rebuild)} |`,
      )
    }
  }

  lines.push('', `## ${TITLES.campaigns} (${inventory.campaigns.length})`)
  notRead('campaigns')
  if (inventory.campaigns.length === 0) lines.push('', 'None.')
  for (const campaign of inventory.campaigns) {
    lines.push(
      '',
      `### ${md(campaign.name)} (campaign ${campaign.id}, ${md(campaign.type)}, ${campaign.state})`,
      '',
    )
    lines.push(`- Subject: ${campaign.subject === null ? '(none)' : md(campaign.subject)}`)
    const list = campaign.list
    lines.push(
      `- List: ${list === null ? '(none)' : `${md(list.name)}${list.type ? `, ${md(list.type)}` : ''}${list.members === null ? '' : `, ${list.members} member(s)`}`}`,
    )
    lines.push(
      `- Template: ${campaign.template === null ? 'none (content written in the campaign)' : md(campaign.template)}`,
    )
    lines.push(
      `- Content: ${campaign.contentBytes} bytes of HTML, ${campaign.links} link(s), ${campaign.images} image(s)` +
        `${campaign.mergeFields.length > 0 ? `, merge fields ${campaign.mergeFields.map((f) => `\`{${f}}\``).join(', ')}` : ''}` +
        `${campaign.preview ? `; it starts: “${md(campaign.preview)}”` : ''}`,
    )
    if (campaign.attachments !== null) lines.push(`- Attachments: ${campaign.attachments}`)
    lines.push(`- Build: ${md(campaign.rebuild)}`)
  }

  if (inventory.dynamicLists !== undefined) lines.push(...dynamicListsMarkdown(inventory.dynamicLists, md))

  lines.push('', `## ${TITLES.templates} (${inventory.templates.length})`)
  notRead('templates')
  if (inventory.templates.length === 0) lines.push('', 'None.')
  else {
    lines.push('', '| Template | Type | Subject | Size | Merge fields | Build |', '|---|---|---|---|---|---|')
    for (const t of inventory.templates) {
      lines.push(
        `| ${md(t.name)} (doc ${t.id}) | ${md(t.type)} | ${t.subject === null ? '—' : md(t.subject)} | ${t.bytes} B | ${t.mergeFields.length > 0 ? t.mergeFields.map((f) => `\`{${f}}\``).join(', ') : '—'} | ${md(t.rebuild)} |`,
      )
    }
  }
  return `${lines.join('\n')}\n`
}
