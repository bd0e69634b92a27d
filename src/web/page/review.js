/* global document, window, fetch, location, setTimeout, clearTimeout, structuredClone */
// The map review page. Plain DOM: every value from X2CRM or Dataverse is set with textContent or as an option's
// value, never as HTML. Saves send the content hash of the file they change; a 409 means another tab or an editor
// saved it first, and the page says so instead of overwriting.

const TRANSFORMS = [
  'text',
  'email',
  'phone',
  'url',
  'integer',
  'decimal',
  'boolean',
  'unixToIso',
  'unixToDate',
  'link',
  'owner',
  'choice',
  'multiChoice',
  'regarding',
  'activityState',
  'actionSubject',
  'secondsToMinutes',
]
const NEW_COLUMN_TYPES = ['String', 'Memo', 'Integer', 'Decimal', 'Money', 'Boolean', 'DateTime', 'Picklist']
const LOW_CONFIDENCE = 0.85
const TOKEN = location.pathname.split('/')[1]

let view
let objectName
let editing // `${section}/${field}` of the line whose editor is open
let splitDraft // the split rule being edited, before it is saved

/** `el('td', { className: 'x' }, 'text', child)`: strings become text nodes, never HTML. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (key === 'on')
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler)
    else if (key.startsWith('aria-') || key === 'for' || key === 'scope' || key === 'role')
      node.setAttribute(key, value)
    else node[key] = value
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue
    node.append(
      typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
    )
  }
  return node
}

function option(value, label, selected = false, disabled = false) {
  return el('option', { value, selected, disabled }, label)
}

function say(message, isError = false) {
  const status = document.getElementById('status')
  status.textContent = message
  status.className = isError ? 'error' : ''
}

let saving = 0 // saves in flight: their new hash is not in `view` yet

async function post(path, body) {
  saving++
  try {
    return await send(path, body)
  } finally {
    saving--
  }
}

async function send(path, body) {
  const response = await fetch(`/${TOKEN}/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-review-token': TOKEN },
    body: JSON.stringify(body),
  })
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }))
  if (response.status === 409) {
    say(data.error, true)
    showReload()
    return undefined
  }
  if (!response.ok) {
    say(data.error ?? `HTTP ${response.status}`, true)
    return undefined
  }
  return data
}

function showReload() {
  const status = document.getElementById('status')
  status.append(' ', el('button', { type: 'button', on: { click: () => location.reload() } }, 'Reload'))
}

async function saveMap(edit, done) {
  const next = await post('map', { hash: view.mappingHash, edit })
  if (next === undefined) return
  view = next
  say(done)
  render()
}

// ---- rendering -------------------------------------------------------------------------------------------------

function render() {
  const focused = document.activeElement?.id
  renderHeader()
  renderSettings()
  renderObjects()
  renderOwners()
  renderLock()
  const next =
    focused &&
    (document.getElementById(focused) ?? document.getElementById(focused.replace(/^(accept|save)-/, 'edit-')))
  next?.focus()
}

function renderHeader() {
  document.getElementById('files').textContent =
    `${view.review} lines flagged for review · ${view.objects.length} objects`
}

function renderSettings() {
  document.getElementById('tags').value = view.settings.tags
  document.getElementById('repair-linkByName').checked = view.settings.linkByName
  const box = document.getElementById('general-problems')
  box.replaceChildren(
    ...view.problems.errors.map((p) => el('p', { className: 'problem' }, `error: ${p}`)),
    ...view.problems.warnings.map((p) => el('p', { className: 'warning' }, `warning: ${p}`)),
  )
}

function currentObject() {
  return view.objects.find((o) => o.entity === objectName) ?? view.objects[0]
}

function flagged(line) {
  return typeof line.line.review === 'string'
}

function renderObjects() {
  const select = document.getElementById('object')
  objectName = currentObject()?.entity
  select.replaceChildren(
    ...view.objects.map((o) => {
      const flags = o.lines.filter(flagged).length
      const records = o.records === undefined ? 'records unknown' : `${o.records} records`
      return option(
        o.entity,
        `${o.entity} → ${o.table} (${records}, ${flags} to review)`,
        o.entity === objectName,
      )
    }),
  )
  const object = currentObject()
  if (object === undefined) return
  document.getElementById('accept-all').disabled = !object.lines.some(flagged)
  renderOtherKeys(object)
  renderSplit(object)
  renderLines(object)
}

function renderOtherKeys(object) {
  const keys = Object.entries(object.other)
  document.getElementById('other-keys').replaceChildren(
    ...(keys.length === 0
      ? []
      : [
          el('p', {}, 'Also in mapping.yaml for this object (kept as written, edit them in a text editor):'),
          el(
            'ul',
            {},
            keys.map(([key, value]) => el('li', {}, el('code', {}, `${key}: ${JSON.stringify(value)}`))),
          ),
        ]),
  )
}

function visible(object, line) {
  const filters = {
    review: flagged(line),
    low: line.confidence !== undefined && line.confidence < LOW_CONFIDENCE,
    unmapped: line.line.skip === true,
    empty: object.records === 0,
  }
  const on = Object.keys(filters).filter((name) => document.getElementById(`filter-${name}`).checked)
  return on.length === 0 || on.some((name) => filters[name])
}

function renderLines(object) {
  const lines = object.lines.filter((line) => visible(object, line))
  document.getElementById('lines-caption').textContent =
    `${object.entity}: ${lines.length} of ${object.lines.length} lines` +
    (object.records === 0 ? ' (empty module: X2CRM lists no records)' : '')
  const body = document.querySelector('#lines tbody')
  body.replaceChildren(...lines.flatMap((line) => lineRows(object, line)))
}

function lineId(object, line) {
  return `${object.entity}-${line.section}-${line.field}`
}

function lineRows(object, line) {
  const id = lineId(object, line)
  const key = `${line.section}/${line.field}`
  const table = line.section === 'split' ? object.split?.table : object.table
  const samples = line.sample
    ? [
        el('div', { className: 'muted' }, `${line.sample.filled} of ${line.sample.sampled} filled`),
        ...line.sample.top.map((s) => el('div', { className: 'samples' }, `${s.value} (${s.count})`)),
      ]
    : [el('span', { className: 'muted' }, 'no sample')]
  const column =
    line.line.skip === true
      ? `not migrated${line.line.reason ? `: ${line.line.reason}` : ''}`
      : `${table}.${line.line.target}`
  const problems = line.problems.map((p) =>
    el('div', { className: p.startsWith('error') ? 'problem' : 'warning' }, p),
  )
  const row = el(
    'tr',
    { className: flagged(line) ? 'review' : '' },
    el('th', { scope: 'row' }, line.field, el('div', { className: 'muted' }, `${line.label} · ${line.type}`)),
    el('td', {}, samples),
    el('td', {}, column, line.line.create ? el('div', { className: 'muted' }, 'new column') : null),
    el('td', {}, line.line.transform ?? ''),
    el('td', {}, line.confidence === undefined ? '' : line.confidence.toFixed(2)),
    el(
      'td',
      {},
      line.evidence ?? '',
      flagged(line) ? el('div', { className: 'warning' }, `review: ${line.line.review}`) : null,
      problems,
    ),
    el(
      'td',
      {},
      flagged(line)
        ? el(
            'button',
            {
              type: 'button',
              id: `accept-${id}`,
              'aria-label': `Accept ${line.field} → ${table}`,
              on: {
                click: () =>
                  saveMap(
                    { type: 'accept', entity: object.entity, section: line.section, field: line.field },
                    `Accepted ${line.field} → ${table}.`,
                  ),
              },
            },
            'Accept',
          )
        : null,
      el(
        'button',
        {
          type: 'button',
          id: `edit-${id}`,
          'aria-label': `Edit ${line.field} → ${table}`,
          'aria-expanded': String(editing === key),
          on: {
            click: () => {
              editing = editing === key ? undefined : key
              render()
            },
          },
        },
        'Edit',
      ),
    ),
  )
  return editing === key ? [row, editorRow(object, line, id)] : [row]
}

/** The editor of one line: a column of the target table (or a new one, or none), its transform, choice values. */
function editorRow(object, line, id) {
  const columns = line.section === 'split' ? object.split.columns : object.columns
  const current = line.line.skip === true ? '' : line.line.create ? '+new' : line.line.target
  const columnSelect = el(
    'select',
    { id: `column-${id}` },
    option('', '— not migrated —', current === ''),
    option('+new', '+ a new column…', current === '+new'),
    ...columns.map((c) =>
      option(c.name, `${c.name} — ${c.type}${c.maxLength ? `(${c.maxLength})` : ''}`, c.name === current),
    ),
  )
  const transformSelect = el(
    'select',
    { id: `transform-${id}` },
    ...TRANSFORMS.map((t) => option(t, t, t === (line.line.transform ?? 'text'))),
  )
  const prefix = view.settings.publisherPrefix
  const create = line.line.create ?? {}
  const newName = el('input', {
    id: `newname-${id}`,
    value: current === '+new' ? line.line.target : `${prefix}${line.field.toLowerCase()}`,
  })
  const newType = el(
    'select',
    { id: `newtype-${id}` },
    ...NEW_COLUMN_TYPES.map((t) => option(t, t, t === (create.type ?? 'String'))),
  )
  const newLength = el('input', {
    id: `newlength-${id}`,
    type: 'number',
    min: '1',
    value: String(create.maxLength ?? 100),
  })
  const newLabel = el('input', { id: `newlabel-${id}`, value: create.label ?? line.label })
  const newColumn = el(
    'div',
    {},
    el('label', { for: newName.id }, 'New column name '),
    newName,
    el('label', { for: newType.id }, ' type '),
    newType,
    el('label', { for: newLength.id }, ' max length '),
    newLength,
    el('label', { for: newLabel.id }, ' label '),
    newLabel,
  )
  const choices = el('div')
  const renderChoices = () => {
    newColumn.hidden = columnSelect.value !== '+new'
    const column = columns.find((c) => c.name === columnSelect.value)
    const isChoice = transformSelect.value === 'choice' || transformSelect.value === 'multiChoice'
    if (!isChoice || line.options === undefined || column?.options === undefined) {
      choices.replaceChildren()
      return
    }
    const mapped = line.line.choices ?? {}
    choices.replaceChildren(
      el(
        'table',
        {},
        el('caption', {}, `Choice values: X2CRM ${line.field} → ${column.name}`),
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, 'X2CRM value'),
          el('th', { scope: 'col' }, 'Dataverse choice'),
        ),
        ...Object.entries(line.options).map(([stored, label], i) => {
          const select = el(
            'select',
            { id: `choice-${id}-${i}`, 'aria-label': `Dataverse choice for ${stored}` },
            option('', '— none —'),
            ...column.options.map((o) =>
              option(String(o.value), `${o.label} (${o.value})`, mapped[stored] === o.value),
            ),
          )
          select.dataset.stored = stored
          return el(
            'tr',
            {},
            el('td', {}, `${stored}${label !== stored ? ` (${label})` : ''}`),
            el('td', {}, select),
          )
        }),
      ),
    )
  }
  columnSelect.addEventListener('change', renderChoices)
  transformSelect.addEventListener('change', renderChoices)
  renderChoices()

  const save = () => {
    let next
    if (columnSelect.value === '') {
      next = { skip: true, reason: 'left out in the review' }
    } else {
      next = { target: columnSelect.value, transform: transformSelect.value }
      for (const key of ['trim', 'linkTo', 'regardingTo', 'pass', 'newOptions']) {
        if (line.line[key] !== undefined) next[key] = line.line[key]
      }
      if (columnSelect.value === '+new') {
        next.target = newName.value.trim()
        next.create = { type: newType.value, label: newLabel.value.trim() || line.label }
        if (newType.value === 'String' || newType.value === 'Memo')
          next.create.maxLength = Number(newLength.value)
      }
      const picks = [...choices.querySelectorAll('select')].filter((s) => s.value !== '')
      if (picks.length > 0)
        next.choices = Object.fromEntries(picks.map((s) => [s.dataset.stored, Number(s.value)]))
    }
    editing = undefined
    void saveMap(
      { type: 'setLine', entity: object.entity, section: line.section, field: line.field, line: next },
      `Saved ${line.field}.`,
    )
  }
  return el(
    'tr',
    { className: 'editor' },
    el(
      'td',
      { colSpan: 7 },
      el(
        'label',
        { for: columnSelect.id },
        `Column of ${line.section === 'split' ? object.split.table : object.table}`,
      ),
      columnSelect,
      el('label', { for: transformSelect.id }, 'Transform'),
      transformSelect,
      newColumn,
      choices,
      el('button', { type: 'button', id: `save-${id}`, on: { click: save } }, `Save ${line.field}`),
      el(
        'button',
        {
          type: 'button',
          on: {
            click: () => {
              editing = undefined
              render()
            },
          },
        },
        'Cancel',
      ),
    ),
  )
}

// ---- split rule ------------------------------------------------------------------------------------------------

function renderSplit(object) {
  const box = document.getElementById('split')
  if (object.split === undefined) {
    box.replaceChildren()
    return
  }
  if (splitDraft === undefined || splitDraft.entity !== object.entity) {
    splitDraft = {
      entity: object.entity,
      match: object.split.match,
      when: structuredClone(object.split.when),
    }
  }
  const counts = el('p', { id: 'split-counts', role: 'status', 'aria-live': 'polite' })
  const showCounts = (preview) => {
    counts.replaceChildren(
      `${preview.split} of ${preview.total} records go to ${object.split.table}, ${preview.kept} stay in ${object.table}. `,
      ...preview.byCondition.map((c) =>
        el('span', { className: 'muted' }, `${c.matches} match “${c.condition}”. `),
      ),
    )
  }
  showCounts(object.split.preview)
  let timer
  const recount = () => {
    clearTimeout(timer)
    timer = setTimeout(async () => {
      const preview = await post('split-preview', {
        entity: object.entity,
        match: splitDraft.match,
        when: splitDraft.when,
      })
      if (preview) showCounts(preview)
    }, 150)
  }
  const match = el(
    'select',
    {
      id: 'split-match',
      on: {
        change: (e) => {
          splitDraft.match = e.target.value
          recount()
        },
      },
    },
    option('all', 'all of these hold', splitDraft.match === 'all'),
    option('any', 'any of these holds', splitDraft.match === 'any'),
  )
  const conditions = splitDraft.when.map((condition, i) => conditionEditor(condition, i, recount))
  box.replaceChildren(
    el(
      'div',
      { className: 'split' },
      el('h3', {}, `Split: which ${object.entity} become ${object.split.table} rows`),
      el('label', { for: 'split-match' }, 'A record goes to the split table when '),
      match,
      el('ul', {}, conditions),
      el(
        'button',
        {
          type: 'button',
          id: 'split-add',
          on: {
            click: () => {
              splitDraft.when.push({ field: 'leadstatus', in: [''] })
              renderSplit(object)
            },
          },
        },
        'Add a condition',
      ),
      ' ',
      el(
        'button',
        {
          type: 'button',
          id: 'split-save',
          on: {
            click: () =>
              saveMap(
                { type: 'setSplit', entity: object.entity, match: splitDraft.match, when: splitDraft.when },
                'Saved the split rule.',
              ),
          },
        },
        'Save the split rule',
      ),
      counts,
      el(
        'p',
        { className: 'muted' },
        'Counts are over every record X2CRM lists; tag conditions are not counted here (use `x2d365 map split-preview --tags`).',
      ),
    ),
  )
}

function conditionEditor(condition, i, recount) {
  const update = (next) => {
    splitDraft.when[i] = next
    recount()
  }
  const remove = el(
    'button',
    {
      type: 'button',
      'aria-label': `Remove condition ${i + 1}`,
      on: {
        click: () => {
          splitDraft.when.splice(i, 1)
          recount()
          renderSplit(currentObject())
        },
      },
    },
    'Remove',
  )
  if ('hasCompany' in condition) {
    const box = el('input', {
      type: 'checkbox',
      id: `cond-${i}-company`,
      checked: condition.hasCompany,
      on: { change: (e) => update({ ...condition, hasCompany: e.target.checked }) },
    })
    return el(
      'li',
      {},
      box,
      el('label', { for: box.id }, `${condition.field ?? 'company'} links a company (unticked: links none)`),
      ' ',
      remove,
    )
  }
  if ('tag' in condition) {
    const input = el('input', {
      id: `cond-${i}-tag`,
      value: [].concat(condition.tag).join(', '),
      on: {
        input: (e) =>
          update({
            tag: e.target.value
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          }),
      },
    })
    return el('li', {}, el('label', { for: input.id }, 'tagged one of '), input, ' ', remove)
  }
  const field = el('input', {
    id: `cond-${i}-field`,
    value: condition.field,
    on: { input: (e) => update({ ...splitDraft.when[i], field: e.target.value.trim() }) },
  })
  const values = el('input', {
    id: `cond-${i}-values`,
    size: 50,
    value: condition.in.join(', '),
    on: {
      input: (e) => update({ ...splitDraft.when[i], in: e.target.value.split(',').map((v) => v.trim()) }),
    },
  })
  return el(
    'li',
    {},
    el('label', { for: field.id }, 'field '),
    field,
    el('label', { for: values.id }, ' is one of (comma-separated) '),
    values,
    ' ',
    remove,
  )
}

// ---- owners ----------------------------------------------------------------------------------------------------

function renderOwners() {
  document
    .getElementById('users-problems')
    .replaceChildren(...view.usersProblems.map((p) => el('p', { className: 'problem' }, `users.yaml: ${p}`)))
  const body = document.querySelector('#owners tbody')
  body.replaceChildren(
    ...view.owners.map((owner, i) => {
      const selected =
        owner.choice.kind === 'user'
          ? `user:${owner.choice.email}`
          : owner.choice.kind === 'team'
            ? `team:${owner.choice.name}`
            : ''
      const select = el(
        'select',
        {
          id: `owner-${i}`,
          'aria-label': `Dataverse owner for ${owner.name}`,
          on: { change: (e) => saveOwner(owner, e.target.value) },
        },
        option('', '— no decision: match by e-mail or name, else the default owner —', selected === ''),
        el(
          'optgroup',
          { label: 'Users' },
          view.dataverseUsers.map((u) =>
            option(
              `user:${u.email}`,
              `${u.name} <${u.email}>${u.disabled ? ' (disabled)' : ''}`,
              selected === `user:${u.email}`,
              u.disabled,
            ),
          ),
        ),
        el(
          'optgroup',
          { label: 'Teams' },
          view.teams.map((t) => option(`team:${t.name}`, `team ${t.name}`, selected === `team:${t.name}`)),
        ),
      )
      return el(
        'tr',
        {},
        el(
          'th',
          { scope: 'row' },
          owner.name,
          el(
            'div',
            { className: 'muted' },
            `${owner.key}${owner.email ? ` · ${owner.email}` : ''}${owner.active ? '' : ' · inactive'}`,
          ),
        ),
        el('td', {}, owner.kind),
        el('td', {}, String(owner.records)),
        el('td', {}, select, el('div', { className: 'muted' }, owner.resolution)),
      )
    }),
  )
}

async function saveOwner(owner, value) {
  const choice =
    value === ''
      ? { kind: 'none' }
      : value.startsWith('user:')
        ? { kind: 'user', email: value.slice(5) }
        : { kind: 'team', name: value.slice(5) }
  const next = await post('owner', { hash: view.usersHash, owner: owner.key, choice })
  if (next === undefined) return
  view = next
  say(`Saved the owner of ${owner.name}'s records.`)
  render()
}

// ---- confirm ---------------------------------------------------------------------------------------------------

function renderLock() {
  const lock = view.lock
  document.getElementById('lock').textContent =
    lock.state === 'current'
      ? `Confirmed by ${lock.who} at ${lock.when}; the map has not changed since.`
      : lock.state === 'changed'
        ? `Confirmed by ${lock.who} at ${lock.when}, but the map changed since: confirm it again.`
        : 'Not confirmed yet.'
}

async function confirmMap() {
  const next = await post('confirm', { hash: view.mappingHash, by: document.getElementById('by').value })
  if (next === undefined) return
  view = next
  say('Confirmed: mapping.lock.json written.')
  render()
}

/** Back on this tab: says so when another tab or an editor changed a file since this page read it. */
async function checkFiles() {
  if (saving > 0) return
  const response = await fetch(`/${TOKEN}/api/state`)
  if (!response.ok || saving > 0) return
  const now = await response.json()
  const changed = [
    now.mappingHash !== view.mappingHash ? 'mapping.yaml' : undefined,
    now.usersHash !== view.usersHash ? 'users.yaml' : undefined,
  ].filter(Boolean)
  if (changed.length === 0) return
  say(
    `${changed.join(' and ')} changed since this page read it (another tab or an editor). Reload to see it.`,
    true,
  )
  showReload()
}

async function start() {
  const response = await fetch(`/${TOKEN}/api/state`)
  if (!response.ok) {
    say(`Could not read the map (HTTP ${response.status}).`, true)
    return
  }
  view = await response.json()
  document.getElementById('object').addEventListener('change', (e) => {
    objectName = e.target.value
    editing = undefined
    render()
  })
  for (const name of ['review', 'low', 'unmapped', 'empty']) {
    document.getElementById(`filter-${name}`).addEventListener('change', () => renderObjects())
  }
  document
    .getElementById('accept-all')
    .addEventListener('click', () =>
      saveMap(
        { type: 'acceptAll', entity: currentObject().entity },
        `Accepted every flagged line of ${currentObject().entity}.`,
      ),
    )
  document
    .getElementById('tags')
    .addEventListener('change', (e) =>
      saveMap({ type: 'setTags', tags: { mode: e.target.value } }, 'Saved the tags strategy.'),
    )
  document
    .getElementById('repair-linkByName')
    .addEventListener('change', (e) =>
      saveMap({ type: 'setRepairs', repairs: { linkByName: e.target.checked } }, 'Saved the repair rules.'),
    )
  document.getElementById('confirm').addEventListener('click', confirmMap)
  window.addEventListener('focus', () => void checkFiles())
  render()
}

void start()
