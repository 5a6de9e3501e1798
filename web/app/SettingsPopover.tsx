import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { looksGcj02 } from '../map/style.ts'
import type { AppConfig } from './client.ts'
import { resetBasemap, updateSettings, useSettings } from './settings.ts'

/** Basemap URL (style .json or {z}/{x}/{y} raster template) and the GCJ-02 flag, kept in localStorage. */
export function SettingsPopover({ config, onClose }: { config?: AppConfig; onClose(): void }) {
  const { t } = useTranslation()
  const settings = useSettings()
  const current = settings.basemapUrl ?? config?.basemapUrl ?? ''
  const [draft, setDraft] = useState(current)
  const gcjHint = settings.gcj02 || looksGcj02(draft)

  return (
    <div className="popover settings" role="dialog" aria-label={t('settings.title')} data-testid="settings">
      <h2>{t('settings.title')}</h2>
      <label className="field">
        <span>{t('settings.basemapUrl')}</span>
        <input
          type="url"
          value={draft}
          placeholder="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
          onChange={(e) => setDraft(e.target.value)}
          spellCheck={false}
        />
      </label>
      <p className="hint">{t('settings.basemapHint')}</p>
      <label className="check">
        <input type="checkbox" checked={settings.gcj02} onChange={(e) => updateSettings({ gcj02: e.target.checked })} />
        {t('settings.gcj02')}
      </label>
      {gcjHint && <p className="note warn">{t('settings.gcj02Note')}</p>}
      <div className="row">
        <button type="button" className="button primary" onClick={() => { updateSettings({ basemapUrl: draft.trim() }); onClose() }}>
          {t('settings.apply')}
        </button>
        <button type="button" className="button" onClick={() => { updateSettings({ basemapUrl: '' }); setDraft(''); onClose() }}>
          {t('settings.offline')}
        </button>
        <button type="button" className="button" onClick={() => { resetBasemap(); setDraft(config?.basemapUrl ?? ''); onClose() }}>
          {t('settings.reset')}
        </button>
      </div>
    </div>
  )
}
