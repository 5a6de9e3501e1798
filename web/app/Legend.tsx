import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AREA_LEVELS } from '../../geo-data/generate/types.ts'
import { colorOf, css, INCIDENT_COLORS, LEVEL_STYLE, STATION_COLORS } from '../map/colors.ts'
import type { AppConfig } from './client.ts'

/** Colours and symbols of the map: area levels, station types, incident types. */
export function Legend({ config }: { config?: AppConfig }) {
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
