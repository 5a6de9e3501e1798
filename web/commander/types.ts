import type { InferResponseType } from 'hono/client'
import { client } from '../app/client.ts'

/** Response shapes of the commander endpoints, from the API's schemas. */
export type Kpis = InferResponseType<typeof client.analytics.kpis.$get, 200>
export type Charts = InferResponseType<typeof client.analytics.charts.$get, 200>
