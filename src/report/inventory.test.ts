import { describe, expect, it } from 'vitest'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { gatherInventory } from './gather-inventory.ts'
import { buildInventory, escapeMarkdown } from './inventory.ts'
import { renderInventoryMarkdown, renderProcessesMarkdown } from './inventory-markdown.ts'

function aCampaign(overrides: Record<string, unknown> = {}): X2crmRecord {
  return {
    id: 7,
    name: 'Spring sale',
    type: 'Email',
    listId: 'Spring list_3',
    template: '0',
    subject: 'Hi {firstName}',
    content:
      '<p>Dear {firstName},</p><a href="https://x.test/a">one</a> <A HREF="https://x.test/b">two</A><img src="x.png">',
    active: 1,
    complete: 0,
    launchDate: null,
    ...overrides,
  }
}

describe('the inventory', () => {
  it('summarises a campaign without its HTML: size, links, images, merge fields, launch state, its list', () => {
    const inventory = buildInventory({
      campaigns: [aCampaign(), aCampaign({ id: 8, launchDate: 1790000000, listId: null })],
      lists: [{ id: 3, name: 'Spring list', type: 'dynamic', count: 120 }],
      campaignAttachments: { 7: 2 },
    })
    expect(inventory.campaigns[0]).toMatchObject({
      state: 'not launched',
      list: { name: 'Spring list', id: 3, type: 'dynamic', members: 120 },
      links: 2,
      images: 1,
      mergeFields: ['firstName'],
      preview: 'Dear {firstName}, one two',
      attachments: 2,
      template: null,
    })
    expect(inventory.campaigns[1]).toMatchObject({ state: 'launched 2026-09-21', list: null, attachments: 0 })
    const markdown = renderInventoryMarkdown(inventory)
    expect(markdown).not.toMatch(/<a |<img|<p>/i)
    expect(markdown).toContain('- List: Spring list, dynamic, 120 member(s)')
  })

  it('escapes what users wrote so that it cannot open tags, links or tables in the document', () => {
    const inventory = buildInventory({
      campaigns: [aCampaign({ name: 'Q1 <script>alert(1)</script> | [x](y)', subject: '*big* _deal_' })],
    })
    const markdown = renderInventoryMarkdown(inventory)
    expect(markdown).toContain('### Q1 \\<script\\>alert(1)\\</script\\> \\| \\[x\\](y) (campaign 7')
    expect(markdown).toContain('- Subject: \\*big\\* \\_deal\\_')
    expect(escapeMarkdown('a\nb')).toBe('a b')
  })

  it('keeps the charts a report dashboard or a user layout shows, not hidden, deleted or prototype widgets', () => {
    const inventory = buildInventory({
      reports: [
        {
          id: 3,
          name: 'Pipeline',
          type: 'grid',
          settings:
            '{"primaryModelType":"Opportunity","columns":["name"],"allFilters":[["salesStage","=","Won"]]}',
          dataWidgetLayout:
            '{"BarWidget":{"label":"Bar Chart","chartId":null,"displayType":"bar"},"BarWidget_a1":{"label":"Won","chartId":"9","displayType":"funnel"},"BarWidget_b2":{"label":"Gone","chartId":"9","softDeleted":true}}',
          createdBy: 'admin',
        },
      ],
      charts: [
        { id: 9, name: 'Won deals', reportId: 3, type: 'Bar', settings: '{"labelField":"salesStage"}' },
      ],
      layouts: [
        {
          id: 1,
          owner: 'lchen',
          layout: 'ProfileWidgetLayout',
          settings: '{"NoteBox":{"label":"Notes"},"X":{"hidden":true}}',
        },
      ],
    })
    expect(inventory.reports[0]).toMatchObject({
      table: 'opportunity',
      filters: ['salesStage = Won'],
      rebuild: expect.stringMatching(/^Power BI matrix/) as unknown,
    })
    expect(inventory.dashboards.map((d) => [d.name, d.tiles.map((t) => t.label)])).toEqual([
      ['Pipeline (report charts)', ['Won']],
      ["lchen's home page", ['Notes']],
    ])
    expect(inventory.dashboards[0]?.tiles[0]?.rebuild).toBe('Funnel chart of "Won deals"')
  })

  it('plans one business process flow per table when a process ran on several modules', () => {
    const inventory = buildInventory({
      processes: [
        {
          id: 2,
          name: 'Onboarding',
          isDefault: false,
          financial: false,
          financialModel: null,
          stages: [
            {
              id: 21,
              stageNumber: 2,
              name: 'Kick-off',
              description: null,
              conversionRate: null,
              value: null,
              requirePrevious: 1,
              requireComment: 0,
            },
            {
              id: 20,
              stageNumber: 1,
              name: 'Research',
              description: null,
              conversionRate: null,
              value: null,
              requirePrevious: 1,
              requireComment: 0,
            },
          ],
          defaultFor: ['accounts'],
          recordsByType: { contacts: 4, accounts: 9 },
        },
      ],
    })
    const process = inventory.processes[0]
    expect(process?.entities).toEqual([
      { entity: 'Accounts', table: 'account', records: 9 },
      { entity: 'Contacts', table: 'contact', records: 4 },
    ])
    expect(process?.stages.map((s) => [s.number, s.stageName, s.category])).toEqual([
      [1, 'Research', 'Research'],
      [2, 'Kick-off', null],
    ])
    expect(renderProcessesMarkdown(inventory)).toContain(
      'One business process flow per table (account, contact)',
    )
  })

  it('through the API alone: campaigns and templates are read, the rest says why not and what would read it', async () => {
    const records: Record<string, X2crmRecord[]> = {
      Campaign: [aCampaign()],
      Docs: [{ id: 52, name: 'Welcome', type: 'email', subject: 'Welcome {firstName}', text: '<p>Hi</p>' }],
    }
    const inventory = await gatherInventory({
      source: {
        async *records(entity) {
          if (entity === 'X2List') throw new Error('400 X2List')
          yield* records[entity] ?? []
        },
        users: async () => [],
      },
    })
    expect(inventory.campaigns.map((c) => c.name)).toEqual(['Spring sale'])
    expect(inventory.campaigns[0]?.list).toMatchObject({ name: 'Spring list', members: null })
    expect(inventory.templates[0]).toMatchObject({
      name: 'Welcome',
      type: 'email',
      mergeFields: ['firstName'],
    })
    expect(inventory.unreadable.map((u) => u.kind)).toEqual(['reports', 'charts', 'dashboards', 'processes'])
    const markdown = renderInventoryMarkdown(inventory) + renderProcessesMarkdown(inventory)
    expect(markdown).toContain('Not read: API v2 does not return report definitions')
    expect(markdown).toContain('source.mysql would read x2\\_workflows and x2\\_workflow\\_stages')
  })
})
