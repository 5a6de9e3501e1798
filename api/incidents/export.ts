/** CSV and GeoJSON exports of filtered incidents and per-area statistics (issue 4). */
import { newRouter } from '../lib/router.ts'

export const incidentExportRoutes = newRouter()
