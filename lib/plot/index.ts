// Public API of lib/plot's figure builders (re-exported by lib/core.ts): plain plotly objects, no
// display. Showing a figure in a notebook is show.ts, a Node-only module exported by lib/index.ts.
export {
  type Trace, type Figure, type ChartOptions, baseLayout, describeFigure, SEEKLAB_COLORS,
} from "./figure.js";
export {
  type Series, type BarOptions, type HeatmapOptions, lineChart, scatterChart, barChart, heatmap,
  tableFigure, SEEKLAB_SEQUENTIAL,
} from "./charts.js";
export { formatTick, logTickValues, logTicks, applyLogTicks } from "./ticks.js";
export {
  type MeanBand, type BandSeries, type BandOptions, movingAverage, meanBand, bandChart,
} from "./band.js";
export {
  type LabelledPoint, type RooflineRoof, type RooflineMarker, type RooflineOptions, labelledScatter,
  rooflineChart,
} from "./labelled.js";
