/** Hotspot statistics (Getis-Ord Gi*) and DBSCAN clusters (issue 4). */
import { newRouter } from '../lib/router.ts'

export const hotspotRoutes = newRouter()
