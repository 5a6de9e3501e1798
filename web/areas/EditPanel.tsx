import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { TFunction } from 'i18next'
import type { AreaDetail } from '../app/client.ts'
import { formatNumber } from '../app/format.ts'
import type { User } from '../auth/queries.ts'
import { css } from '../map/colors.ts'
import { EDIT_ACTION_COLORS } from '../map/layers/boundaryEdit.ts'
import { childLevel } from './areaImport.ts'
import { ProblemList } from './ProblemList.tsx'
import { canEditBoundaries, editDraftsQuery, useDeleteDraft, type BoundaryEdit, type EditOp, type EditProblemListed, type EditTool } from './boundaryEdit.ts'

const TOOLS: EditTool[] = ['select', 'draw', 'split', 'merge']

interface Props {
  detail: AreaDetail
  user: User
  edit: BoundaryEdit
  /** Frame a problem on the map. */
  onFocus(problem: EditProblemListed): void
}

/**
 * Boundary editing in the area panel (issue 7): the "edit boundaries" button for those who may,
 * then the toolbar, the ops done so far, the check of their result with its problems, save (with
 * a reason), save as draft and the area's drafts. The map side is web/map/terraDraw.ts.
 */
export function EditSection({ detail: d, user, edit, onFocus }: Props) {
  const { t, i18n } = useTranslation()
  const n = (v: number) => formatNumber(v, i18n.language)
  if (!canEditBoundaries(user, d)) return null
  if (edit.parentId !== d.id) {
    const saved = edit.lastSaved?.parentId === d.id ? edit.lastSaved.saved : undefined
    return (
      <section className="boundary-edit" data-testid="boundary-edit">
        <div className="row">
          <button type="button" className="button" onClick={() => edit.start({ id: d.id, level: d.level, bbox: d.bbox })} data-testid="edit-open">
            {t('boundaryEdit.open')}
          </button>
        </div>
        {saved && (
          <p className="coverage-summary good" data-testid="edit-saved">
            {t('boundaryEdit.saved', { inserted: n(saved.inserted.length), updated: n(saved.updated.length), removed: n(saved.removed.length) })}
          </p>
        )}
      </section>
    )
  }
  return <EditPanel detail={d} edit={edit} onFocus={onFocus} />
}

function EditPanel({ detail: d, edit: e, onFocus }: Omit<Props, 'user'>) {
  const { t, i18n } = useTranslation()
  const n = (v: number) => formatNumber(v, i18n.language)
  const [reason, setReason] = useState('')
  const level = t(`level.${childLevel(d.level) ?? 'micro_grid'}`)
  const names = new Map<number, string>([...d.children.map((c) => [c.id, c.name] as [number, string]), ...e.features.map((f) => [f.id, f.properties.name] as [number, string])])
  const nameOf = (id: number) => names.get(id) ?? `#${id}`
  const summary = e.answer?.summary
  const blocking = e.problems.filter((p) => p.properties.blocking)
  const busy = e.checking || e.saving

  return (
    <section className="boundary-edit editing" data-testid="boundary-edit" data-editing="true" aria-label={t('boundaryEdit.title', { level })}>
      <div className="area-import-head">
        <h3>{t('boundaryEdit.title', { level })}</h3>
        <button type="button" className="icon-button" onClick={e.cancel} aria-label={t('boundaryEdit.cancel')} title={t('boundaryEdit.cancel')} data-testid="edit-close">
          ×
        </button>
      </div>
      <div className="edit-toolbar" role="toolbar" data-testid="edit-toolbar" data-snap-vertices={e.subAreaVertices.length}>
        {TOOLS.map((tool) => (
          <button
            key={tool}
            type="button"
            className={`button ${e.tool === tool ? 'active' : ''}`}
            aria-pressed={e.tool === tool}
            onClick={() => e.setTool(tool)}
            data-testid={`edit-tool-${tool}`}
          >
            {t(`boundaryEdit.tool.${tool}`)}
          </button>
        ))}
        <button type="button" className="button" disabled={!e.ops.length || e.saving} onClick={e.undo} data-testid="edit-undo">
          {t('boundaryEdit.undo')}
        </button>
        <button type="button" className="button" onClick={e.cancel} data-testid="edit-cancel">
          {t('boundaryEdit.cancel')}
        </button>
      </div>
      <p className="hint" data-testid="edit-hint">{t(`boundaryEdit.hint.${e.tool}`)}</p>
      {e.tool === 'merge' && (
        <div className="row">
          <span className="muted">{e.mergePicks.map(nameOf).join(' + ') || t('boundaryEdit.mergeNone')}</span>
          <button type="button" className="button primary" disabled={e.mergePicks.length < 2} onClick={e.mergePicked} data-testid="edit-merge">
            {t('boundaryEdit.merge', { n: e.mergePicks.length })}
          </button>
        </div>
      )}
      {e.pendingCreate && <CreateForm onCreate={e.create} onDismiss={e.dismissCreate} />}
      {e.notice && <p className="hint error" role="alert" data-testid="edit-notice">{t(`boundaryEdit.notice.${e.notice}`)}</p>}
      {e.error && <p className="form-error" role="alert" data-testid="edit-error">{e.error.message}</p>}

      <h4>{t('boundaryEdit.ops', { n: e.ops.length })}</h4>
      {e.ops.length === 0 ? (
        <p className="hint">{t('boundaryEdit.noOps')}</p>
      ) : (
        <ol className="edit-ops" data-testid="edit-ops">
          {e.ops.map((op, i) => (
            <li key={i} data-op={op.op}>{describeOp(op, nameOf, t)}</li>
          ))}
        </ol>
      )}
      {e.checking && <p className="hint">{t('boundaryEdit.checking')}</p>}
      {summary && (
        <div
          className="edit-summary"
          data-testid="edit-summary"
          data-updated={summary.updated}
          data-inserted={summary.inserted}
          data-removed={summary.removed.length}
          data-blocking={summary.blocking}
          data-committable={summary.committable}
        >
          <p className="area-import-counts">
            <span className="swatch" style={{ background: css(EDIT_ACTION_COLORS.update) }} />
            {t('boundaryEdit.updated')} {n(summary.updated)}
            {' · '}
            <span className="swatch" style={{ background: css(EDIT_ACTION_COLORS.insert) }} />
            {t('boundaryEdit.inserted')} {n(summary.inserted)}
            {' · '}
            <span className="swatch dashed" style={{ borderColor: css(EDIT_ACTION_COLORS.remove) }} />
            {t('boundaryEdit.removed')} {n(summary.removed.length)}
          </p>
        </div>
      )}
      {e.refused && (
        <p className="form-error" role="alert" data-testid="edit-refused">
          {t('boundaryEdit.refused')} {e.refused.message}
        </p>
      )}
      {(summary || e.refused) && (
        <p className={`coverage-summary ${blocking.length ? 'bad' : 'good'}`} data-testid="edit-problems-summary" data-blocking={blocking.length}>
          {e.problems.length === 0 ? t('boundaryEdit.noProblems') : (
            <>
              <span>{t('areaImport.blocking', { n: n(blocking.length) })}</span>
              <span>{t('areaImport.warnings', { n: n(e.problems.length - blocking.length) })}</span>
            </>
          )}
        </p>
      )}
      {e.problems.length > 0 && (
        <ProblemList
          problems={e.problems}
          selected={e.selectedProblem}
          onSelect={e.selectProblem}
          onFocus={onFocus}
          lead={(p) => p.properties.children.length > 0 && <>{p.properties.children.map(nameOf).join(' / ')} · </>}
          testId="edit-problems"
        />
      )}

      <label className="field">
        <span>{t('boundaryEdit.reason')}</span>
        <input type="text" value={reason} onChange={(ev) => setReason(ev.target.value)} maxLength={500} data-testid="edit-reason" />
      </label>
      <div className="row">
        <button type="button" className="button primary" disabled={!e.ops.length || busy || !!e.error} onClick={() => e.save(reason)} data-testid="edit-save">
          {e.saving ? t('boundaryEdit.saving') : t('boundaryEdit.save')}
        </button>
        <button type="button" className="button" disabled={!e.ops.length || busy || !!e.error} onClick={() => e.saveDraft(reason)} data-testid="edit-save-draft">
          {t('boundaryEdit.saveDraft')}
        </button>
      </div>
      {e.draftSaved && <p className="hint" data-testid="edit-draft-saved">{t('boundaryEdit.draftSaved')}</p>}
      <Drafts parentId={d.id} edit={e} />
    </section>
  )
}

/** The name (and optional code) of a polygon just drawn; creating it appends the op. */
function CreateForm({ onCreate, onDismiss }: { onCreate(name: string, code?: string): void; onDismiss(): void }) {
  const { t } = useTranslation()
  const [name, setName] = useState('')
  const [code, setCode] = useState('')
  return (
    <form
      className="edit-create"
      data-testid="edit-create"
      onSubmit={(ev) => {
        ev.preventDefault()
        if (name.trim()) onCreate(name.trim(), code.trim() || undefined)
      }}
    >
      <label className="field">
        <span>{t('boundaryEdit.newName')}</span>
        <input type="text" value={name} onChange={(ev) => setName(ev.target.value)} required autoFocus data-testid="edit-create-name" />
      </label>
      <label className="field">
        <span>{t('boundaryEdit.newCode')}</span>
        <input type="text" value={code} onChange={(ev) => setCode(ev.target.value)} data-testid="edit-create-code" />
      </label>
      <div className="row">
        <button type="submit" className="button primary" disabled={!name.trim()} data-testid="edit-create-ok">
          {t('boundaryEdit.create')}
        </button>
        <button type="button" className="button" onClick={onDismiss}>
          {t('boundaryEdit.dismiss')}
        </button>
      </div>
    </form>
  )
}

/** The area's kept drafts: open one (its ops replace the current ones and are checked) or delete it. */
function Drafts({ parentId, edit }: { parentId: number; edit: BoundaryEdit }) {
  const { t, i18n } = useTranslation()
  const drafts = useQuery(editDraftsQuery(parentId))
  const remove = useDeleteDraft()
  const list = drafts.data ?? []
  return (
    <details className="edit-drafts" data-testid="edit-drafts" open={list.length > 0}>
      <summary>{t('boundaryEdit.drafts', { n: list.length })}</summary>
      {drafts.error && <p className="hint error">{drafts.error.message}</p>}
      <ul>
        {list.map((dr) => (
          <li key={dr.id} className={dr.id === edit.draftId ? 'current' : ''} data-draft-id={dr.id}>
            <span>
              {new Date(dr.updated_at).toLocaleString(i18n.language)} · {t('boundaryEdit.draftOps', { n: dr.ops.length, problems: dr.problems_count })}
              {dr.reason && <span className="muted"> · {dr.reason}</span>}
            </span>
            <button type="button" className="link" onClick={() => edit.openDraft(dr)} data-testid="edit-draft-open">
              {t('boundaryEdit.openDraft')}
            </button>
            <button type="button" className="link" disabled={remove.isPending} onClick={() => remove.mutate(dr.id)} data-testid="edit-draft-delete">
              {t('boundaryEdit.deleteDraft')}
            </button>
          </li>
        ))}
      </ul>
    </details>
  )
}

/** One line of the ops list, in the user's language. */
function describeOp(op: EditOp, nameOf: (id: number) => string, t: TFunction): string {
  switch (op.op) {
    case 'reshape':
      return t('boundaryEdit.op.reshape', { name: nameOf(op.id) })
    case 'split':
      return t('boundaryEdit.op.split', { name: nameOf(op.id) })
    case 'merge':
      return t('boundaryEdit.op.merge', { names: op.ids.map(nameOf).join(' + ') })
    case 'create':
      return t('boundaryEdit.op.create', { name: op.name })
  }
}
