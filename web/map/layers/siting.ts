import { GeoJsonLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers'
import type { FeatureCollection } from 'geojson'
import type { StationFeature } from '../../app/client.ts'
import type { RGB } from '../colors.ts'
import { FONT_FAMILY } from '../fonts.ts'

/** Chosen sites are drawn in this colour (legend and list markers use it too). */
export const NEW_SITE_COLOR: RGB = [216, 27, 96]

export interface ChosenSite {
  lon: number
  lat: number
  /** 1-based order in which the solver picked it. */
  rank: number
}

/** Service areas of the kept stations: discs of their radius on the ground, in the type's colour. */
export function serviceAreaLayer(stations: StationFeature[], radiusM: number, color: RGB) {
  return new ScatterplotLayer<StationFeature>({
    id: 'siting-kept-service',
    data: stations,
    getPosition: (s) => s.geometry.coordinates as [number, number],
    radiusUnits: 'meters',
    getRadius: radiusM,
    getFillColor: [...color, 40],
    getLineColor: [...color, 200],
    stroked: true,
    lineWidthMinPixels: 1,
    pickable: false,
  })
}

/** Service areas of the kept stations along the road network: the API's polygons, in the type's colour. */
export function roadServiceAreaLayer(areas: FeatureCollection, color: RGB) {
  return new GeoJsonLayer({
    id: 'siting-kept-service',
    data: areas,
    getFillColor: [...color, 40],
    getLineColor: [...color, 200],
    stroked: true,
    lineWidthMinPixels: 1,
    pickable: false,
  })
}

/**
 * The solver's new sites: their service discs (none when `radiusM` is null: a road-distance reach
 * is not a disc), a marker and the pick order.
 */
export function chosenSiteLayers(sites: ChosenSite[], radiusM: number | null, fontReady: boolean) {
  const position = (s: ChosenSite): [number, number] => [s.lon, s.lat]
  return [
    radiusM !== null &&
      new ScatterplotLayer<ChosenSite>({
        id: 'siting-new-service',
        data: sites,
        getPosition: position,
        radiusUnits: 'meters',
        getRadius: radiusM,
        getFillColor: [...NEW_SITE_COLOR, 45],
        getLineColor: [...NEW_SITE_COLOR, 230],
        stroked: true,
        lineWidthMinPixels: 2,
      }),
    new ScatterplotLayer<ChosenSite>({
      id: 'siting-new-sites',
      data: sites,
      getPosition: position,
      radiusUnits: 'pixels',
      getRadius: 10,
      getFillColor: [...NEW_SITE_COLOR, 255],
      getLineColor: [255, 255, 255, 255],
      stroked: true,
      lineWidthMinPixels: 2,
      pickable: true,
    }),
    fontReady &&
      new TextLayer<ChosenSite>({
        id: 'siting-new-ranks',
        data: sites,
        getPosition: position,
        getText: (s) => String(s.rank),
        getColor: [255, 255, 255, 255],
        getSize: 12,
        fontFamily: FONT_FAMILY,
        fontWeight: 700,
        characterSet: '0123456789',
      }),
  ]
}

/** Buildings outside every kept station's reach, sized by households. */
export const UNCOVERED_COLOR: RGB = [230, 81, 0]

export function uncoveredLayer(points: { lon: number; lat: number; households: number }[]) {
  return new ScatterplotLayer<{ lon: number; lat: number; households: number }>({
    id: 'siting-uncovered',
    data: points,
    getPosition: (p) => [p.lon, p.lat],
    radiusUnits: 'meters',
    getRadius: (p) => 6 + Math.sqrt(p.households) * 1.5,
    radiusMinPixels: 1.5,
    getFillColor: [...UNCOVERED_COLOR, 200],
  })
}

/** Candidate sites the planner drew or imported: teal rings, distinct from kept stations and new sites. */
export const CANDIDATE_COLOR: RGB = [0, 137, 123]

/** Layer id of the drawn/imported candidates (a click on one of them removes it while drawing). */
export const CANDIDATE_LAYER_ID = 'siting-candidates'

export function candidateLayer(points: { lon: number; lat: number }[]) {
  return new ScatterplotLayer<{ lon: number; lat: number }>({
    id: CANDIDATE_LAYER_ID,
    data: points,
    getPosition: (p) => [p.lon, p.lat],
    radiusUnits: 'pixels',
    getRadius: 6,
    getFillColor: [...CANDIDATE_COLOR, 230],
    getLineColor: [255, 255, 255, 255],
    stroked: true,
    lineWidthMinPixels: 2,
    pickable: true,
  })
}
