/** Incident density for heatmaps and hex bins, aggregated in PostGIS (issue 4). */
import { newRouter } from '../lib/router.ts'

export const densityRoutes = newRouter()
