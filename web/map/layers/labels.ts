import { TextLayer } from '@deck.gl/layers'
import type { AreaFeature } from '../../app/client.ts'
import { FONT_FAMILY } from '../fonts.ts'
import { labelPoint } from '../geometry.ts'

interface Label {
  text: string
  position: [number, number]
}

/** Label anchors for areas; cheap enough to recompute when the features change. */
export function areaLabels(features: AreaFeature[]): Label[] {
  return features.map((f) => ({ text: f.properties.name, position: labelPoint(f.geometry) }))
}

/**
 * Area names drawn with the shipped CJK font; the atlas holds only the characters used.
 * No layer at all until the font is loaded: deck.gl caches a glyph atlas per character set,
 * so one measured with a fallback font would stick (even a hidden layer builds its atlas).
 */
export function areaLabelsLayer(labels: Label[], opts: { visible: boolean; fontReady: boolean }) {
  if (!opts.fontReady || labels.length === 0) return null
  const characterSet = [...new Set(labels.map((l) => l.text).join(''))]
  return new TextLayer<Label>({
    id: 'area-labels',
    data: labels,
    visible: opts.visible,
    getPosition: (l) => l.position,
    getText: (l) => l.text,
    getSize: 13,
    sizeUnits: 'pixels',
    getColor: [33, 37, 41, 255],
    fontFamily: FONT_FAMILY,
    fontWeight: 500,
    fontSettings: { sdf: true, fontSize: 48, buffer: 6, radius: 12 },
    outlineWidth: 3,
    outlineColor: [255, 255, 255, 230],
    characterSet,
    getTextAnchor: 'middle',
    getAlignmentBaseline: 'center',
    updateTriggers: { getText: characterSet.join('') },
    pickable: false,
  })
}
