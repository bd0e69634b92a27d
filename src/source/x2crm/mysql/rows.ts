/** Rows of the tables only the database has, as MySQL returns them (unix seconds as numbers, DECIMAL as strings). */

export interface FlowRow {
  id: number
  active: number
  name: string
  description: string | null
  /** e.g. `RecordCreateTrigger` */
  triggerType: string
  modelClass: string | null
  /** The X2Flow definition, JSON text as X2CRM stores it (api.md §2.12). */
  flow: string
  createDate: number | null
  lastUpdated: number | null
}

export interface TriggerLogRow {
  id: number
  flowId: number
  triggeredAt: number
  /** JSON text of the run's trace. */
  triggerLog: string | null
}

export interface WorkflowRow {
  id: number
  name: string
  isDefault: number | null
  lastUpdated: number | null
  colors: string | null
  financial: number | null
  financialModel: string | null
  financialField: string | null
}

export interface WorkflowStageRow {
  id: number
  workflowId: number
  /** Order within the process, from 1. */
  stageNumber: number
  name: string
  description: string | null
  conversionRate: string | null
  value: string | null
  requirePrevious: number | null
  requireComment: number | null
}

/** One stage of one record's process: an action of type `workflow`. */
export interface StageHistoryRow {
  /** The action's id. */
  id: number
  workflowId: number | null
  /** Despite its name, the id of the `x2_workflow_stages` row. */
  stageNumber: number | null
  associationType: string | null
  associationId: number | null
  /** When the stage started. */
  createDate: number | null
  complete: string | null
  completeDate: number | null
  completedBy: string | null
  assignedTo: string | null
}

export interface RoleRow {
  id: number
  name: string
  timeout: number | null
}

/** `type` `user` → `userId` is an `x2_users.id`; `group` → it is an `x2_groups.id`. */
export interface RoleMemberRow {
  id: number
  roleId: number
  userId: number
  type: string
}

/** `permission` 0 none, 1 read, 2 edit; `modelName`/`fieldName` from `x2_fields` (null when the field is gone). */
export interface FieldPermissionRow {
  id: number
  roleId: number
  fieldId: number
  permission: number
  modelName: string | null
  fieldName: string | null
}

export interface RoleStageRow {
  id: number
  roleId: number
  stageId: number
  workflowId: number
}

export interface RoleExceptionRow {
  id: number
  workflowId: number
  stageId: number
  roleId: number
  replacementId: number
}

/** A role's module rights: `x2_auth_assignment` (`userid` is the role id; `itemname` an RBAC item). */
export interface AuthAssignmentRow {
  itemname: string
  userid: string
}

export interface GroupRow {
  id: number
  name: string
  nameId: string | null
}

export interface GroupMemberRow {
  id: number
  groupId: number
  userId: number
  username: string | null
}

/** `contactId` is the id of a record in the list's `modelName` table (not always Contacts). */
export interface ListItemRow {
  id: number
  listId: number
  contactId: number | null
  emailAddress: string | null
  uniqueId: string | null
  /** Campaign stats: unix seconds, 0 when not yet. */
  sent: number | null
  opened: number | null
  clicked: number | null
  unsubscribed: number | null
  suppressed: number | null
  bounced: number | null
  sending: number | null
}

export interface ListCriterionRow {
  id: number
  listId: number
  type: string
  attribute: string
  comparison: string
  value: string
}

export interface QuoteLineRow {
  id: number
  quoteId: number
  productId: number | null
  quantity: string | null
  name: string | null
  price: string | null
  type: string | null
  description: string | null
  currency: string | null
  adjustment: string | null
  adjustmentType: string | null
  lineNumber: number | null
  total: string | null
  createDate: number | null
  lastUpdated: number | null
}

/** Extra records an action is associated with, besides its `associationType`/`associationId`. */
export interface ActionLinkRow {
  id: number
  actionId: number
  recordId: number
  /** A class name, e.g. `Contacts` */
  recordType: string
}

export interface CalendarInviteRow {
  id: number
  actionId: number
  email: string
  status: 'Yes' | 'No' | 'Maybe' | null
}

export interface ChangelogRow {
  id: number
  /** The class, e.g. `Contacts`. */
  type: string
  itemId: number
  changedBy: string
  timestamp: number
  recordName: string | null
  /** `delete` for a deletion. */
  changed: string | null
  fieldName: string | null
  oldValue: string | null
  newValue: string | null
  diff: number | null
}

/** A record deleted in X2CRM, from `x2_changelog` (the API does not expose deletions). */
export interface Deletion {
  entity: string
  id: number
  name: string | null
  deletedBy: string
  deletedAt: number
}

/** A saved report (`x2_reports_2`). `settings` and `dataWidgetLayout` are JSON text as X2CRM stores them. */
export interface ReportRow {
  id: number
  name: string
  settings: string | null
  /** `rowsAndColumns`, `grid`, `summation` or `external` */
  type: string | null
  /** The report's own charts dashboard: widget name → settings (label, chartId, displayType, hidden…). */
  dataWidgetLayout: string | null
  createdBy: string | null
  createDate: number | null
  lastUpdated: number | null
  version: string | null
}

/** A chart on a report (`x2_charts`); `settings` JSON names its time and label fields and its date filter. */
export interface ChartRow {
  id: number
  name: string
  settings: string | null
  reportId: number | null
  /** e.g. `TimeSeries`, `Bar` */
  type: string | null
  createdBy: string | null
  createDate: number | null
  lastUpdated: number | null
}

/**
 * An embedded settings model (`x2_settings`). With `recordType = 'Profile'`, `recordId` is the user's id and
 * `embeddedModelName` the layout (`ProfileWidgetLayout`: the home page; `DataWidgetLayout`: the charts dashboard).
 */
export interface SettingsRow {
  id: number
  recordType: string
  recordId: number
  embeddedModelName: string | null
  settings: string | null
  name: string | null
  isDefault: number | null
}

/** A module (`x2_modules`): `name` is module-style (`contacts`, `opportunities`); `defaultWorkflow` a process id. */
export interface ModuleRow {
  id: number
  name: string
  title: string | null
  custom: number | null
  defaultWorkflow: number | null
  moduleType: string | null
  visible: number | null
}

/** A file attached to a campaign's e-mail: `media` is an `x2_media` id. */
export interface CampaignAttachmentRow {
  id: number
  campaign: number | null
  media: number | null
}

/** One row of `x2_tags`. */
export interface TagRow {
  id: number
  type: string
  itemId: number
  tag: string
}
