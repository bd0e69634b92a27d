/**
 * The X2CRM tables only the database has (api.md §1.13), with the columns each reader selects. `required` columns
 * are what the data means; without one the reader stops with a message. `optional` columns were added in later
 * X2CRM versions; an older table without them reads them as null and says so once.
 */
export interface TableSpec {
  table: string
  required: readonly string[]
  optional: readonly string[]
}

function spec(table: string, required: readonly string[], optional: readonly string[] = []): TableSpec {
  return { table, required, optional }
}

export const TABLES = {
  flows: spec(
    'x2_flows',
    ['id', 'active', 'name', 'triggerType', 'modelClass', 'flow'],
    ['description', 'createDate', 'lastUpdated'],
  ),
  triggerLogs: spec('x2_trigger_logs', ['id', 'flowId', 'triggeredAt', 'triggerLog']),
  workflows: spec(
    'x2_workflows',
    ['id', 'name'],
    ['isDefault', 'lastUpdated', 'colors', 'financial', 'financialModel', 'financialField'],
  ),
  workflowStages: spec(
    'x2_workflow_stages',
    ['id', 'workflowId', 'stageNumber', 'name'],
    ['description', 'conversionRate', 'value', 'requirePrevious', 'requireComment'],
  ),
  /** A record's process progress: actions of type `workflow`; `stageNumber` holds the stage row's id. */
  stageHistory: spec(
    'x2_actions',
    ['id', 'workflowId', 'stageNumber', 'associationType', 'associationId', 'createDate', 'complete'],
    ['completeDate', 'completedBy', 'assignedTo'],
  ),
  roles: spec('x2_roles', ['id', 'name'], ['timeout']),
  roleMembers: spec('x2_role_to_user', ['id', 'roleId', 'userId', 'type']),
  fieldPermissions: spec('x2_role_to_permission', ['id', 'roleId', 'fieldId', 'permission']),
  roleStages: spec('x2_role_to_workflow', ['id', 'roleId', 'stageId', 'workflowId']),
  roleExceptions: spec('x2_role_exceptions', ['id', 'workflowId', 'stageId', 'roleId', 'replacementId']),
  groups: spec('x2_groups', ['id', 'name'], ['nameId']),
  groupMembers: spec('x2_group_to_user', ['id', 'groupId', 'userId'], ['username']),
  listItems: spec(
    'x2_list_items',
    ['id', 'listId', 'contactId'],
    [
      'emailAddress',
      'uniqueId',
      'sent',
      'opened',
      'clicked',
      'unsubscribed',
      'suppressed',
      'bounced',
      'sending',
    ],
  ),
  /** A record's tags: `type` is its class name (api.md §1.7). */
  tags: spec('x2_tags', ['id', 'type', 'itemId', 'tag']),
  /** Relationships between two records, by class name and id, with optional labels (api.md §1.8). */
  relationships: spec(
    'x2_relationships',
    ['id', 'firstType', 'firstId', 'secondType', 'secondId'],
    ['firstLabel', 'secondLabel'],
  ),
  listCriteria: spec('x2_list_criteria', ['id', 'listId', 'type', 'attribute', 'comparison', 'value']),
  quoteLines: spec(
    'x2_quotes_products',
    ['id', 'quoteId', 'productId', 'quantity', 'name', 'price'],
    [
      'type',
      'description',
      'currency',
      'adjustment',
      'adjustmentType',
      'lineNumber',
      'total',
      'createDate',
      'lastUpdated',
    ],
  ),
  actionLinks: spec('x2_action_to_record', ['id', 'actionId', 'recordId', 'recordType']),
  /** `inviteKey` is left out on purpose: it lets anyone answer the invitation. */
  calendarInvites: spec('x2_calendar_invites', ['id', 'actionId', 'email', 'status']),
  changelog: spec(
    'x2_changelog',
    ['id', 'type', 'itemId', 'changedBy', 'timestamp'],
    ['recordName', 'changed', 'fieldName', 'oldValue', 'newValue', 'diff'],
  ),
  /** Saved reports (api.md §2.13): `settings` is the report form as JSON; the API does not return it. */
  reports: spec(
    'x2_reports_2',
    ['id', 'name', 'settings'],
    ['type', 'dataWidgetLayout', 'createdBy', 'createDate', 'lastUpdated', 'version'],
  ),
  charts: spec(
    'x2_charts',
    ['id', 'name', 'settings'],
    ['reportId', 'type', 'createdBy', 'createDate', 'lastUpdated'],
  ),
  /** Embedded settings models; `recordType = 'Profile'` rows are each user's widget layouts (dashboards). */
  settings: spec(
    'x2_settings',
    ['id', 'recordType', 'recordId', 'embeddedModelName', 'settings'],
    ['name', 'isDefault'],
  ),
  modules: spec(
    'x2_modules',
    ['id', 'name'],
    ['title', 'custom', 'defaultWorkflow', 'moduleType', 'visible'],
  ),
  campaignAttachments: spec('x2_campaigns_attachments', ['id', 'campaign', 'media']),
} as const satisfies Record<string, TableSpec>

export type TableName = keyof typeof TABLES
