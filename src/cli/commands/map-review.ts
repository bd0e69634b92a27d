import { parse } from 'yaml'
import { ConfigError } from '../../errors.ts'
import { gatherReviewData } from '../../web/gather.ts'
import { serveReview } from '../../web/serve-review.ts'
import { connect } from '../connect.ts'
import { EXIT } from '../exit-codes.ts'
import { lockPathFor, readConfig, readDiscovery, readTextFile } from '../inputs.ts'
import { silent, withSession } from '../session.ts'

export interface MapReviewOptions {
  mapping: string
  discovery: string
  config: string
  users: string
  port: number
  sample: number
}

interface WrittenEntities {
  entities?: Record<string, { split?: unknown; fields?: Record<string, { transform?: unknown }> }>
}

/**
 * `map review`: reads sample values, the split class's records, owners, Dataverse users and teams once, then serves
 * the review page on 127.0.0.1 until Ctrl-C. The page saves mapping.yaml and users.yaml and confirms the map.
 */
export async function mapReviewCommand(options: MapReviewOptions): Promise<number> {
  const text = readTextFile(options.mapping, 'map', 'write one with `x2d365 map propose`')
  let written: WrittenEntities
  try {
    written = (parse(text) ?? {}) as WrittenEntities
  } catch {
    throw new ConfigError([
      `${options.mapping}: the YAML does not parse; run \`x2d365 map validate\` to see where`,
    ])
  }
  const discovery = readDiscovery(options.discovery)
  const config = readConfig(options.config)
  const entities = Object.entries(written.entities ?? {})
  process.stderr.write('Reading sample values, owners, Dataverse users and teams…\n')
  const data = await withSession(
    silent,
    (emit) => connect(config, emit),
    ({ source, target }) =>
      gatherReviewData(
        {
          discovery,
          entities: entities.map(([name]) => name),
          splitEntities: entities.filter(([, e]) => e.split !== undefined).map(([name]) => name),
          ownedEntities: entities
            .filter(([, e]) => Object.values(e.fields ?? {}).some((f) => f.transform === 'owner'))
            .map(([name]) => name),
          sampleSize: options.sample,
        },
        { source, target },
      ),
  )
  if (config.run.defaultOwnerEmail !== undefined) data.defaultOwnerEmail = config.run.defaultOwnerEmail
  const server = await serveReview(
    { mapping: options.mapping, users: options.users, lock: lockPathFor(options.mapping) },
    data,
    { port: options.port },
  )
  process.stdout.write(`Review the map at ${server.url}\n(only on this machine; Ctrl-C stops it)\n`)
  await new Promise<void>((done) => {
    const stop = () => void server.close().then(done)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  process.stdout.write('Stopped.\n')
  return EXIT.ok
}
