import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AREA_LEVELS } from '../../geo-data/generate/types.ts'
import { colorOf, COVERAGE_COLORS, COVERAGE_KIND_ORDER, css, INCIDENT_COLORS, LEVEL_STYLE, STATION_COLORS } from '../map/colors.ts'
import type { AppConfig } from './client.ts'

/** Colours and symbols of the map: area levels, station types, incident types, and coverage problems while they are drawn. */
export function Legend({ config, coverage = false }: { config?: AppConfig; coverage?: boolean }) {
  const { t } = useTranslation()
  const [open, setOpen] = useState(true)
  return (
    <section className="panel legend" data-testid="legend">
      <h2>
        <button type="button" className="link" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          {t('legend.title')} {open ? '▾' : '▸'}
        </button>
      </h2>
      {open && (
        <div className="legend-body">
          {coverage && (
            <>
              <h3>{t('legend.coverage')}</h3>
              <ul className="two-col" data-testid="legend-coverage">
                {COVERAGE_KIND_ORDER.map((k) => (
                  <li key={k}>
                    <span className="swatch fill" style={{ background: css(COVERAGE_COLORS[k], 0.45), borderColor: css(COVERAGE_COLORS[k]) }} />
                    {t(`coverage.kind.${k}`)}
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3>{t('legend.levels')}</h3>
          <ul>
            {AREA_LEVELS.filter((l) => l !== 'district').map((level) => (
              <li key={level}>
                <span className="swatch line" style={{ borderColor: css(LEVEL_STYLE[level].color), borderTopWidth: LEVEL_STYLE[level].width }} />
                {t(`level.${level}`)}
              </li>
            ))}
          </ul>
          <h3>{t('legend.stations')}</h3>
          <ul>
            {(config?.stationTypes ?? []).map((ty) => (
              <li key={ty}>
                <span className="swatch station" style={{ background: css(colorOf(STATION_COLORS, ty)) }}>
                  {t(`stationGlyph.${ty}`, { defaultValue: '?' })}
                </span>
                {t(`stationType.${ty}`, { defaultValue: ty })}
              </li>
            ))}
          </ul>
          <h3>{t('legend.incidents')}</h3>
          <ul className="two-col">
            {(config?.incidentTypes ?? []).map((ty) => (
              <li key={ty}>
                <span className="swatch dot" style={{ background: css(colorOf(INCIDENT_COLORS, ty)) }} />
                {t(`incidentType.${ty}`, { defaultValue: ty })}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  )
}
