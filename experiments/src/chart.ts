// Charts: Vega-Lite compiled to Vega and rendered to SVG in Node. SVG rendering needs no canvas
// (text widths are estimated), so this works on a CI machine with no native graphics libraries.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartSpec, Row } from './experiment.ts';

export async function renderChart(spec: ChartSpec, values: Row[], title: string): Promise<string> {
  const full = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 260,
    ...spec,
    data: { values },
    config: {
      font: 'sans-serif',
      background: 'white',
      // Variant names are long sentences; the default 160 px cuts them to "client clock, one …".
      legend: { labelLimit: 360 },
      ...((spec.config as object | undefined) ?? {}),
    },
  } as unknown as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(full).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Small multiples: one panel per value of `field`, in rows (or side by side as columns), so each
 * variant gets its own time line on a shared x axis.
 */
export function facet(
  field: string,
  panel: ChartSpec,
  { height = 110, width = 560, column = false, independentY = false } = {},
): ChartSpec {
  return {
    facet: { [column ? 'column' : 'row']: { field, type: 'nominal', title: null } },
    ...(independentY ? { resolve: { scale: { y: 'independent' } } } : {}),
    spec: { width, height, ...panel },
  };
}

/** One bar chart per variant of counts over time, in bins of `binMs` (values: { variant, t (s), [y] }). */
export function binnedBarsPerVariant(o: { y: string; xTitle: string; binMs: number; height: number }) {
  return facet(
    'variant',
    {
      mark: { type: 'bar' },
      encoding: {
        x: { field: 't', type: 'quantitative', title: o.xTitle, bin: { step: o.binMs / 1000 } },
        // No y title: the row header names the variant, and the x title says what is counted.
        y: { field: o.y, type: 'quantitative', title: null },
      },
    },
    { height: o.height },
  );
}
