import type { FeatureCollection } from 'geojson'
import { useTranslation } from 'react-i18next'
import { CHANGE_RAMP, HEAT_RAMP, HOTSPOT_COLORS, metricOf, PATROL_RAMP, scaleMax, type ChoroplethMetric } from '../map/layers/analytics.ts'
import type { MapMode } from './CommanderPage.tsx'
import { HOTSPOT_CLASSES, type AreaStatsProps, type ClusterCollection, type DensityCells, type PatrolCoverageProps } from './queries.ts'

const css = (c: readonly number[]) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`

/** Legend of the commander map's current layer, with the numbers the colours stand for. */
export function MapLegend(props: {
  mode: MapMode
  metric: ChoroplethMetric
  stats?: FeatureCollection<any, AreaStatsProps>
  density?: DensityCells
  hotspots?: FeatureCollection
  clusters?: ClusterCollection
  patrol?: FeatureCollection<any, PatrolCoverageProps> & { from: string; to: string }
}) {
  const { t } = useTranslation()
  const { mode, metric } = props
  let body: React.ReactNode = null
  if (mode === 'hotspots') {
    body = (
      <ul>
        {HOTSPOT_CLASSES.map((c) => (
          <li key={c}>
            <span className="swatch" style={{ background: css(HOTSPOT_COLORS[c]), width: 14, height: 10 }} /> {t(`commander.hotspot.${c}`)}
            {props.hotspots && <span className="muted"> ({props.hotspots.features.filter((f) => f.properties?.class === c).length})</span>}
          </li>
        ))}
      </ul>
    )
  } else if (mode === 'choropleth') {
    const max = props.stats ? scaleMax(props.stats.features.map((f) => metricOf(f.properties, metric) ?? NaN)) : 0
    const ramp = metric === 'change' ? CHANGE_RAMP : HEAT_RAMP
    const fmt = (v: number) => (metric === 'change' ? `${Math.round(v * 100)}%` : String(Math.round(v * 10) / 10))
    body = (
      <>
        <div className="ramp">
          {ramp.map((c, i) => (
            <span key={i} style={{ background: css(c) }} />
          ))}
        </div>
        <div className="ramp-labels">
          <span>{fmt(metric === 'change' ? -max : 0)}</span>
          <span>≥ {fmt(max)}</span>
        </div>
        <p className="hint">{t(`commander.metric.${metric}`)}</p>
      </>
    )
  } else if (mode === 'heatmap' || mode === 'hex') {
    body = (
      <>
        <div className="ramp">
          {HEAT_RAMP.map((c, i) => (
            <span key={i} style={{ background: css(c) }} />
          ))}
        </div>
        <div className="ramp-labels">
          <span>{t('commander.low')}</span>
          <span>{t('commander.high')}</span>
        </div>
        {props.density && (
          <p className="hint" data-testid="density-summary">
            {t('commander.cells', { n: props.density.length, size: Math.round(props.density.cellSize) })}
          </p>
        )}
      </>
    )
  } else if (mode === 'patrol') {
    const all = props.patrol?.features.reduce((a, f) => a + f.properties.micro_grids, 0) ?? 0
    const seen = props.patrol?.features.reduce((a, f) => a + f.properties.visited, 0) ?? 0
    body = (
      <>
        <div className="ramp">
          {PATROL_RAMP.map((c, i) => (
            <span key={i} style={{ background: css(c) }} />
          ))}
        </div>
        <div className="ramp-labels">
          <span>0%</span>
          <span>100%</span>
        </div>
        {props.patrol && (
          <p className="hint" data-testid="patrol-summary" data-visited={seen} data-total={all} data-from={props.patrol.from} data-to={props.patrol.to}>
            {t('commander.patrolHint', { visited: seen, total: all, share: all ? `${Math.round((seen / all) * 100)}%` : '–', from: props.patrol.from, to: props.patrol.to })}
          </p>
        )}
      </>
    )
  } else if (mode === 'clusters') {
    const s = props.clusters?.summary
    body = s && (
      <p className="hint" data-testid="clusters-summary">
        {t('commander.clustersHint', { n: props.clusters!.features.length, eps: s.eps_m, min: s.min_points, clustered: s.clustered, incidents: s.incidents })}
      </p>
    )
  }
  return (
    <section className="panel legend" data-testid="commander-legend">
      <h2>{t(`commander.mode.${mode}`)}</h2>
      {body}
    </section>
  )
}
