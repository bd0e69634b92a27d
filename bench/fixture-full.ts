import { createDataverseSimulator, type DataverseSimulator } from '../sim/dataverse/index.ts'
import { connectSource } from '../src/cli/connect.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../src/cli/demo-users.ts'
import type { RunConfig } from '../src/config/config.ts'
import { createMemoryLedger } from '../src/ledger/memory.ts'
import type { Ledger } from '../src/ledger/ledger.ts'
import { listMap, servicesMap } from '../src/mapping/default-cases.ts'
import { ACCOUNT, CONTACT, defaultMapping } from '../src/mapping/default-map.ts'
import { salesMaps } from '../src/mapping/default-sales.ts'
import type { TargetSchema } from '../src/mapping/schemas.ts'
import type { EntityMap, Mapping } from '../src/mapping/types.ts'
import { readUploadLimit, uploadsReaderFor } from '../src/run/attachments.ts'
import type { RunEvent } from '../src/run/events.ts'
import { migrate, type MigrateResult } from '../src/run/migrate.ts'
import { verify, type VerifyResult } from '../src/run/verify.ts'
import { applySchema } from '../src/schema/apply-schema.ts'
import { planSchema, tablesOf } from '../src/schema/plan-schema.ts'
import { readTargetSchema } from '../src/schema/read-target-schema.ts'
import type { RelatedReaders } from '../src/source/x2crm/related.ts'
import type { X2crmSource } from '../src/source/x2crm/types.ts'
import { createMsalTokenProvider } from '../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../src/target/dataverse/client.ts'
import { createDataverseMetadataClient } from '../src/target/dataverse/metadata.ts'
import type { TableRef } from '../src/target/dataverse/types.ts'
import standardTables from '../sim/dataverse/tables.json' with { type: 'json' }

/*
 * One end-to-end run of the real X2CRM 7.1 fixture: its database (restored into MariaDB) and its uploads folder,
 * through the CLI's own source wiring (connectSource: the database reader, its related readers, the sales classes,
 * the ledger's fixes), `schema apply`, `migrate` and `verify`, into the Dataverse simulator, with a map carrying every
 * object the code migrates. `npm run fixture:counts` prints its table; test/e2e/fixture-full.test.ts asserts it.
 */

export const FIXTURE_INSTANCE = 'fixture'
export const TAG_COLUMN = 'new_x2crmtags'

const LEAD: TableRef = { logicalName: 'lead', entitySet: 'leads', primaryId: 'leadid' }
const CAMPAIGN: TableRef = { logicalName: 'campaign', entitySet: 'campaigns', primaryId: 'campaignid' }

/** X2CRM X2Leads → lead: the person, their company and contact details, owner and original creation date. */
function leadMap(): EntityMap {
  return {
    entity: 'X2Leads',
    table: LEAD,
    fields: [
      { source: 'firstName', target: 'firstname', transform: 'text' },
      { source: 'lastName', target: 'lastname', transform: 'text' },
      { source: 'name', target: 'subject', transform: 'text' },
      { source: 'company', target: 'companyname', transform: 'text' },
      { source: 'email', target: 'emailaddress1', transform: 'email' },
      { source: 'phone', target: 'telephone1', transform: 'phone' },
      { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
      { source: 'createDate', target: 'overriddencreatedon', transform: 'unixToIso' },
    ],
  }
}

/** X2CRM Campaign → campaign: its name, description, cost, owner and original creation date. */
function campaignMap(): EntityMap {
  return {
    entity: 'Campaign',
    table: CAMPAIGN,
    fields: [
      { source: 'name', target: 'name', transform: 'text' },
      { source: 'description', target: 'description', transform: 'text' },
      { source: 'cost', target: 'budgetedcost', transform: 'decimal' },
      { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
      { source: 'createDate', target: 'overriddencreatedon', transform: 'unixToIso' },
    ],
  }
}

/**
 * Every object the code migrates: accounts, contacts and their timeline (opportunities closed won/lost, actions by
 * type with their regarding record, notes, Media files), leads, cases (resolved last), campaigns, static lists with
 * their members, products with price lists, quotes and their lines; tags as a text column on every table, X2CRM
 * groups as owner teams, authors by impersonation (on by default), relationships with labels as connections.
 */
export function fullFixtureMapping(): Mapping {
  const contacts = { entity: 'Contacts', table: CONTACT }
  return {
    entities: [
      ...defaultMapping().entities,
      leadMap(),
      servicesMap(contacts),
      campaignMap(),
      listMap(contacts),
      ...salesMaps(),
    ],
    settings: {
      publisherPrefix: 'new_',
      sourceIdColumn: 'new_x2crmid',
      tags: { mode: 'text', column: TAG_COLUMN },
      teams: { create: true },
    },
  }
}

export { ACCOUNT }

export interface FixtureRun {
  dataverse: DataverseSimulator
  mapping: Mapping
  migrated: MigrateResult
  verified: VerifyResult
  events: RunEvent[]
  ledger: Ledger
  source: X2crmSource
  related: RelatedReaders
  close: () => Promise<void>
}

/**
 * Migrates the X2CRM database at `mysqlUrl` (password empty) and the uploads folder `uploadsDir` into a fresh
 * Dataverse simulator, then verifies every record; the caller closes the source with `close`.
 */
export async function runFixture(mysqlUrl: string, uploadsDir: string): Promise<FixtureRun> {
  const dataverse = createDataverseSimulator({})
  const settings = dataverse.settings()
  const dataverseFetch = (input: string | URL | Request, init?: RequestInit) =>
    dataverse.handle(new Request(input, init))
  const getToken = createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken
  const target = createDataverseClient({
    url: settings.url,
    fetch: dataverseFetch,
    getToken,
    sleep: async () => {},
  })
  const metadata = createDataverseMetadataClient({
    url: settings.url,
    fetch: dataverseFetch,
    getToken,
    sleep: async () => undefined,
  })
  const ledger = createMemoryLedger()
  const events: RunEvent[] = []
  const emit = (e: RunEvent) => events.push(e)
  const config: RunConfig = {
    source: {
      mysql: { url: mysqlUrl, password: '', passwordEnv: 'X2D365_MYSQL_PASSWORD' },
      uploads: { dir: uploadsDir },
    },
    target: {
      url: settings.url,
      authority: settings.authority,
      clientId: settings.clientId,
      clientSecret: '',
    },
    run: {
      instance: FIXTURE_INSTANCE,
      ledgerPath: ':memory:',
      batchSize: 25,
      usersPath: 'users.yaml',
      defaultOwnerEmail: DEMO_DEFAULT_OWNER,
      deletions: 'deactivate',
    },
  }
  // The CLI's wiring of a database source: the reader, list members / relationships / tags, the sales classes.
  const { source, related, close } = connectSource(config, emit, () => undefined, {
    current: () => ledger.fixes.current(),
  })
  try {
    // Dataverse users for X2CRM's users (by e-mail), as an administrator adds them before the run.
    const users = (await source.users()) as unknown as Record<string, unknown>[]
    dataverse.seed('systemuser', demoSystemUsers(users))

    const mapping = fullFixtureMapping()
    // `schema apply`: the X2CRM id column and key on every table, the tag column.
    const standard = standardTables as unknown as TargetSchema
    await applySchema(
      planSchema(mapping, await readTargetSchema(metadata, tablesOf(mapping), standard)),
      metadata,
    )
    const uploads = uploadsReaderFor(config.source.uploads, fetch)
    const deps = {
      source,
      related,
      target,
      ledger,
      emit,
      now: () => new Date(),
      ...(uploads !== undefined && { uploads }),
      uploadLimit: await readUploadLimit(target),
      tables: await readTargetSchema(
        metadata,
        mapping.entities.map((e) => e.table.logicalName),
      ),
    }
    const migrated = await migrate(
      {
        instance: FIXTURE_INSTANCE,
        mapping,
        batchSize: config.run.batchSize,
        defaultOwnerEmail: DEMO_DEFAULT_OWNER,
      },
      deps,
    )
    const verified = await verify({ instance: FIXTURE_INSTANCE, mapping }, deps)
    return { dataverse, mapping, migrated, verified, events, ledger, source, related, close }
  } catch (error) {
    await close()
    throw error
  }
}
