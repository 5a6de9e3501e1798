import { useTranslation } from 'react-i18next'
import type { AreaDetail } from '../app/client.ts'
import { areaExportUrl, childLevel, type ExportFormat } from './areaImport.ts'

const FORMATS: Array<{ format: ExportFormat; label: string }> = [
  { format: 'geojson', label: 'GeoJSON' },
  { format: 'shp', label: 'Shapefile (zip)' },
  { format: 'csv', label: 'CSV' },
]

/** Download links for the area's children (GET /api/areas/export): the files the import reads back. */
export function AreaExport({ detail: d }: { detail: AreaDetail }) {
  const { t } = useTranslation()
  const level = t(`level.${childLevel(d.level) ?? 'micro_grid'}`)
  return (
    <div className="row area-export" data-testid="area-export" title={t('areaImport.exportHint', { level })}>
      <span className="muted">{t('areaImport.export')}</span>
      {FORMATS.map(({ format, label }) => (
        // A plain link: the browser downloads the attachment with the session cookie, no copy in memory.
        <a key={format} className="button" href={areaExportUrl(d.id, format)} download data-testid={`area-export-${format}`}>
          {label}
        </a>
      ))}
    </div>
  )
}
