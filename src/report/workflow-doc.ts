/**
 * The Workflow Reconstruction Document: each X2Flow automation as trigger, conditions and actions in readable steps,
 * with the Power Automate (Dataverse connector) trigger and actions an admin would rebuild it with. Pure.
 * X2Flow's JSON: `{ trigger: { type, options: { name: { value } }, modelClass, conditions: [...] }, items: [...] }`;
 * branches are `upperBranch`/`lowerBranch` (X2FlowSplitter) or `trueBranch`/`falseBranch` (X2FlowSwitch).
 */

export interface X2FlowRow {
  id: number
  active: boolean
  name: string
  description: string | null
  triggerType: string
  modelClass: string | null
  /** The `flow` column, parsed. */
  flow: unknown
}

interface FlowNode {
  type: string
  options: Record<string, { value?: unknown; operator?: unknown }>
  conditions: Condition[]
  branches: { label: string; items: FlowNode[] }[]
}

interface Condition {
  type: string
  name?: string
  operator?: string
  value?: unknown
}

/** X2CRM class → Dataverse table an automation on it would watch. */
const TABLE_OF: Record<string, string> = {
  Contacts: 'Contacts (contact)',
  Accounts: 'Accounts (account)',
  Opportunity: 'Opportunities (opportunity)',
  X2Leads: 'Leads (lead)',
  Actions: 'Tasks / Activities (task, phonecall, appointment)',
  Services: 'Cases (incident)',
  Quote: 'Quotes (quote)',
  Product: 'Products (product)',
  Campaign: 'Campaigns (campaign)',
}

const TRIGGERS: Record<string, { says: string; powerAutomate: string }> = {
  RecordCreateTrigger: {
    says: 'when a record is created',
    powerAutomate: 'Dataverse "When a row is added, modified or deleted" — Change type: Added',
  },
  RecordUpdateTrigger: {
    says: 'when a record is updated',
    powerAutomate:
      'Dataverse "When a row is added, modified or deleted" — Change type: Modified (set "Select columns" to the watched fields)',
  },
  RecordDeleteTrigger: {
    says: 'when a record is deleted',
    powerAutomate: 'Dataverse "When a row is added, modified or deleted" — Change type: Deleted',
  },
  RecordViewTrigger: {
    says: 'when a record is viewed',
    powerAutomate:
      'No Dataverse equivalent (views do not fire events); consider a model-driven form script or drop it',
  },
  RecordTagAddTrigger: {
    says: 'when a tag is added to a record',
    powerAutomate: 'Dataverse "When a row is … modified" on the tag column (or the tag table: Added)',
  },
  RecordTagRemoveTrigger: {
    says: 'when a tag is removed from a record',
    powerAutomate: 'Dataverse "When a row is … modified" on the tag column (or the tag table: Deleted)',
  },
  WebleadTrigger: {
    says: 'when a web form creates a lead',
    powerAutomate: 'Dataverse "When a row is added" on lead, filtered on lead source = Web',
  },
  PeriodicTrigger: { says: 'on a schedule', powerAutomate: 'Schedule "Recurrence"' },
  ActionOverdueTrigger: {
    says: 'when an action becomes overdue',
    powerAutomate: 'Schedule "Recurrence" + Dataverse "List rows" of open tasks whose due date has passed',
  },
  ActionCompleteTrigger: {
    says: 'when an action is completed',
    powerAutomate: 'Dataverse "When a row is … modified" on task, filtered on statecode = Completed',
  },
  ActionUncompleteTrigger: {
    says: 'when an action is reopened',
    powerAutomate: 'Dataverse "When a row is … modified" on task, filtered on statecode = Open',
  },
  InboundEmailTrigger: {
    says: 'when an e-mail arrives',
    powerAutomate:
      'Office 365 Outlook "When a new email arrives (V3)" or Dataverse email Added with direction = incoming',
  },
  OutboundEmailTrigger: {
    says: 'when an e-mail is sent',
    powerAutomate: 'Dataverse "When a row is added" on email with direction = outgoing',
  },
  EmailOpenTrigger: {
    says: 'when a sent e-mail is opened',
    powerAutomate:
      'Dynamics 365 Customer Insights – Journeys (email opened) or e-mail engagement; not in core Dataverse',
  },
  CampaignEmailOpenTrigger: {
    says: 'when a campaign e-mail is opened',
    powerAutomate: 'Customer Insights – Journeys trigger "Email opened"',
  },
  CampaignEmailClickTrigger: {
    says: 'when a campaign link is clicked',
    powerAutomate: 'Customer Insights – Journeys trigger "Email link clicked"',
  },
  CampaignUnsubscribeTrigger: {
    says: 'when a recipient unsubscribes',
    powerAutomate:
      'Customer Insights – Journeys consent change, or Dataverse contact "donotbulkemail" Modified',
  },
  UserLoginTrigger: {
    says: 'when a user logs in',
    powerAutomate: 'No equivalent; use Entra ID sign-in logs if needed',
  },
  MacroTrigger: {
    says: 'when a user runs it by hand (macro)',
    powerAutomate: 'Dataverse "When an action is performed" or an instant flow "For a selected row"',
  },
  WorkflowStartStageTrigger: {
    says: 'when a process stage starts',
    powerAutomate: 'Dataverse "When a row is … modified" on the business process flow table (activestageid)',
  },
  WorkflowCompleteStageTrigger: {
    says: 'when a process stage is completed',
    powerAutomate: 'Dataverse "When a row is … modified" on the business process flow table (activestageid)',
  },
  WorkflowCompleteTrigger: {
    says: 'when a process is completed',
    powerAutomate: 'Dataverse "When a row is … modified" on the business process flow table (statecode)',
  },
}

const ACTIONS: Record<string, { does: (o: FlowNode['options']) => string; powerAutomate: string }> = {
  X2FlowRecordTag: {
    does: (o) =>
      `${text(o['action']) === 'remove' ? 'remove' : text(o['action']) === 'clear' ? 'clear' : 'add'} tag(s) ${text(o['tags'])}`,
    powerAutomate: 'Dataverse "Update a row" (the tag choice column) or "Add a new row" in the tag table',
  },
  X2FlowRecordUpdate: {
    does: (o) => `update the record: ${attributes(o)}`,
    powerAutomate: 'Dataverse "Update a row"',
  },
  X2FlowRecordCreate: {
    does: (o) => `create a ${text(o['modelClass']) || 'record'}: ${attributes(o)}`,
    powerAutomate: 'Dataverse "Add a new row"',
  },
  X2FlowRecordDelete: { does: () => 'delete the record', powerAutomate: 'Dataverse "Delete a row"' },
  X2FlowRecordReassign: {
    does: (o) => `reassign the record to ${text(o['user']) || 'the next user in round-robin'}`,
    powerAutomate: 'Dataverse "Update a row" (Owner), or "Perform a bound action" Assign',
  },
  X2FlowRecordComment: {
    does: (o) => `add a comment "${text(o['comment'])}"`,
    powerAutomate: 'Dataverse "Add a new row" in Notes (annotation) regarding the row',
  },
  X2FlowCreateAction: {
    does: (o) =>
      `create a to-do "${text(o['subject'])}" ${text(o['dueDate']) ? `due ${text(o['dueDate'])}` : ''}`.trim(),
    powerAutomate: 'Dataverse "Add a new row" in Tasks, Regarding = the row',
  },
  X2FlowRecordCreateAction: {
    does: (o) => `log an action "${text(o['subject'])}" on the record`,
    powerAutomate: 'Dataverse "Add a new row" in Tasks / Phone Calls, Regarding = the row',
  },
  X2FlowCreateEvent: {
    does: (o) => `create a calendar event "${text(o['title']) || text(o['subject'])}"`,
    powerAutomate: 'Dataverse "Add a new row" in Appointments, or Office 365 Outlook "Create event (V4)"',
  },
  X2FlowCreateNotif: {
    does: (o) => `notify ${text(o['user'])}: "${text(o['text'])}"`,
    powerAutomate:
      'Microsoft Teams "Post message in a chat or channel", or an in-app notification (Dataverse "Add a new row" in Notifications)',
  },
  X2FlowEmail: {
    does: (o) => `send an e-mail to ${text(o['to'])}: "${text(o['subject'])}"`,
    powerAutomate:
      'Office 365 Outlook "Send an email (V2)", or Dataverse "Add a new row" in Email Messages + "Perform a bound action" SendEmail',
  },
  X2FlowRecordEmail: {
    does: (o) => `e-mail the record's contact: "${text(o['subject'])}"`,
    powerAutomate: 'Dataverse email row regarding the row + SendEmail',
  },
  X2FlowWait: {
    does: (o) => `wait ${text(o['delay'])} ${text(o['unit'])}`,
    powerAutomate: 'Control "Delay" (or "Delay until")',
  },
  X2FlowApiCall: {
    does: (o) => `call ${text(o['method']) || 'POST'} ${text(o['url'])}`,
    powerAutomate: 'HTTP "HTTP" action (premium)',
  },
  X2FlowRecordListAdd: {
    does: (o) => `add the record to list ${text(o['listId'])}`,
    powerAutomate: 'Dataverse "Perform an unbound action" AddMemberList',
  },
  X2FlowRecordListRemove: {
    does: (o) => `remove the record from list ${text(o['listId'])}`,
    powerAutomate: 'Dataverse "Perform an unbound action" RemoveMemberList',
  },
  X2FlowWorkflowStartStage: {
    does: (o) => `start process stage ${text(o['stageNumber'])} of process ${text(o['workflowId'])}`,
    powerAutomate: 'Update the business process flow row (activestageid)',
  },
  X2FlowWorkflowCompleteStage: {
    does: (o) => `complete process stage ${text(o['stageNumber'])} of process ${text(o['workflowId'])}`,
    powerAutomate: 'Update the business process flow row (activestageid → next stage)',
  },
  X2FlowWorkflowRevertStage: {
    does: (o) => `revert process stage ${text(o['stageNumber'])}`,
    powerAutomate: 'Update the business process flow row (activestageid → previous stage)',
  },
  X2FlowPushWebContent: {
    does: () => 'serve targeted web content',
    powerAutomate: 'No Dataverse equivalent; rebuild in the website / Customer Insights',
  },
  X2FlowSms: {
    does: (o) => `send an SMS to ${text(o['to'])}`,
    powerAutomate: 'A messaging connector (e.g. Twilio "Send Text Message (SMS)")',
  },
}

export interface FlowDocument {
  id: number
  name: string
  active: boolean
  description: string | null
  trigger: { type: string; says: string; table: string; conditions: string[]; powerAutomate: string }
  steps: string[]
  /** Power Automate actions to build, one per X2Flow step type used. */
  powerAutomate: string[]
  /** Step types this document does not know: rebuild them by hand from the raw options. */
  unknown: string[]
}

export function describeFlow(row: X2FlowRow): FlowDocument {
  const flow = asObject(row.flow)
  const trigger = asObject(flow['trigger'])
  const triggerType = typeof trigger['type'] === 'string' ? trigger['type'] : row.triggerType
  const modelClass =
    typeof trigger['modelClass'] === 'string' ? trigger['modelClass'] : (row.modelClass ?? '')
  const known = TRIGGERS[triggerType]
  const unknown = new Set<string>()
  const powerAutomate = new Set<string>()
  const steps: string[] = []
  const walk = (items: FlowNode[], depth: number, prefix: string) => {
    items.forEach((item, index) => {
      const number = `${prefix}${index + 1}`
      const indent = '  '.repeat(depth)
      if (item.branches.length > 0) {
        steps.push(
          `${indent}${number}. If ${item.conditions.map(describeCondition).join(' and ') || '(no condition set)'}:`,
        )
        powerAutomate.add('Control "Condition"')
        for (const branch of item.branches) {
          steps.push(`${indent}   - ${branch.label}:${branch.items.length === 0 ? ' nothing' : ''}`)
          walk(branch.items, depth + 2, `${number}.`)
        }
        return
      }
      const action = ACTIONS[item.type]
      if (action === undefined) {
        unknown.add(item.type)
        steps.push(
          `${indent}${number}. ${item.type} (not documented automatically; options: ${JSON.stringify(plainOptions(item.options))})`,
        )
      } else {
        steps.push(`${indent}${number}. ${action.does(item.options)}`)
        powerAutomate.add(action.powerAutomate)
      }
    })
  }
  walk(nodesOf(flow['items']), 0, '')
  if (known === undefined) unknown.add(triggerType)
  return {
    id: row.id,
    name: row.name,
    active: row.active,
    description: row.description,
    trigger: {
      type: triggerType,
      says: known?.says ?? `on ${triggerType}`,
      table: TABLE_OF[modelClass] ?? modelClass,
      conditions: conditionsOf(trigger['conditions']).map(describeCondition),
      powerAutomate: known?.powerAutomate ?? 'No known equivalent: design by hand',
    },
    steps,
    powerAutomate: [...powerAutomate],
    unknown: [...unknown],
  }
}

/** The whole document, as Markdown. */
export function renderWorkflowDocument(flows: readonly X2FlowRow[]): string {
  const lines = [
    '# Workflow Reconstruction Document',
    '',
    `X2CRM automations (X2Flow) do not move to Dynamics 365: each one below is written out as trigger, conditions and`,
    `steps, with the Power Automate cloud flow (Dataverse connector) that rebuilds it. ${flows.length} flow(s), ${flows.filter((f) => f.active).length} active.`,
  ]
  for (const doc of flows.map(describeFlow)) {
    lines.push('', `## ${doc.name} (X2Flow ${doc.id}${doc.active ? '' : ', inactive'})`, '')
    if (doc.description) lines.push(doc.description, '')
    lines.push(
      `**Trigger:** ${doc.trigger.says} in ${doc.trigger.table || 'any module'} (\`${doc.trigger.type}\`).`,
    )
    if (doc.trigger.conditions.length > 0)
      lines.push(`**Only if:** ${doc.trigger.conditions.join('; and ')}.`)
    lines.push(
      '',
      '**Steps:**',
      '',
      ...(doc.steps.length > 0 ? doc.steps : ['(none)']),
      '',
      '**Rebuild in Power Automate:**',
      '',
    )
    lines.push(`- Trigger: ${doc.trigger.powerAutomate}`)
    for (const action of doc.powerAutomate) lines.push(`- ${action}`)
    if (doc.unknown.length > 0)
      lines.push(`- Needs a person: ${doc.unknown.join(', ')} (no automatic description)`)
  }
  return `${lines.join('\n')}\n`
}

function nodesOf(value: unknown): FlowNode[] {
  return Array.isArray(value) ? value.map((v) => nodeOf(asObject(v))) : []
}

function nodeOf(raw: Record<string, unknown>): FlowNode {
  const branches: FlowNode['branches'] = []
  if ('upperBranch' in raw || 'lowerBranch' in raw) {
    branches.push(
      { label: 'yes', items: nodesOf(raw['upperBranch']) },
      { label: 'no', items: nodesOf(raw['lowerBranch']) },
    )
  }
  if ('trueBranch' in raw || 'falseBranch' in raw) {
    branches.push(
      { label: 'yes', items: nodesOf(raw['trueBranch']) },
      { label: 'no', items: nodesOf(raw['falseBranch']) },
    )
  }
  const options = asObject(raw['options']) as FlowNode['options']
  return {
    type: typeof raw['type'] === 'string' ? raw['type'] : 'unknown',
    options,
    conditions: conditionsOf(raw['conditions']),
    branches,
  }
}

function conditionsOf(value: unknown): Condition[] {
  return Array.isArray(value) ? value.map((c) => asObject(c) as unknown as Condition) : []
}

const OPERATORS: Record<string, string> = {
  '=': 'is',
  '<>': 'is not',
  '!=': 'is not',
  '>': 'is greater than',
  '<': 'is less than',
  '>=': 'is at least',
  '<=': 'is at most',
  changed: 'changed',
  contains: 'contains',
  noContains: 'does not contain',
  empty: 'is empty',
  notEmpty: 'is not empty',
  list: 'is one of',
  notList: 'is none of',
}

function describeCondition(c: Condition): string {
  const operator = OPERATORS[c.operator ?? '='] ?? c.operator ?? 'is'
  const value = Array.isArray(c.value) ? c.value.map(show).join(', ') : show(c.value)
  if (c.type === 'attribute') return `${c.name ?? '?'} ${operator}${value ? ` "${value}"` : ''}`
  return `${c.type}${c.name ? ` ${c.name}` : ''} ${operator}${value ? ` "${value}"` : ''}`
}

function attributes(options: FlowNode['options']): string {
  const raw = options['attributes']?.value
  if (Array.isArray(raw)) {
    return raw
      .map((a) => asObject(a))
      .map((a) => `${show(a['name'] ?? '?')} = "${show(a['value'] ?? '')}"`)
      .join(', ')
  }
  return JSON.stringify(plainOptions(options))
}

function plainOptions(options: FlowNode['options']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v?.value]))
}

function text(option: { value?: unknown } | undefined): string {
  const value = option?.value
  return Array.isArray(value) ? value.map(show).join(', ') : show(value)
}

function show(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value) ?? ''
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}
