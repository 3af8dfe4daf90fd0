/**
 * The daily charts, drawn by uPlot (bundled with the page, no CDN). Colours
 * come from the page's CSS variables, so the charts follow light and dark
 * mode. Each chart also says what it shows in words, for screen readers and
 * for a quick read.
 */
import uPlot from 'uplot';
import type { DailyPoint } from './types';

function cssColour(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || 'currentColor';
}

interface SeriesSpec {
  label: string;
  values: number[];
  colour: string;
}

function drawChart(container: HTMLElement, days: readonly DailyPoint[], series: SeriesSpec[]): uPlot {
  const fg = cssColour('--fg');
  const grid = cssColour('--grid');
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const xs = days.map((point) => Date.parse(`${point.day}T00:00:00Z`) / 1000);
  const options: uPlot.Options = {
    width: Math.max(container.clientWidth, 300),
    height: 220,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
    axes: [axis, { ...axis, size: 60 }],
    cursor: { drag: { x: false, y: false } },
    series: [{ label: 'Day' }, ...series.map((s) => ({ label: s.label, stroke: s.colour, width: 2, points: { show: false } }))],
  };
  container.replaceChildren();
  return new uPlot(options, [xs, ...series.map((s) => s.values)], container);
}

function describePeak(days: readonly DailyPoint[], values: readonly number[], what: string): string {
  if (days.length === 0) return `No ${what}.`;
  let peak = 0;
  values.forEach((value, i) => {
    if (value > values[peak]!) peak = i;
  });
  const latest = values[values.length - 1]!;
  return `${days[0]!.day} to ${days[days.length - 1]!.day}: ${latest.toLocaleString('en')} ${what} on the last day, at most ${values[peak]!.toLocaleString('en')} (${days[peak]!.day}).`;
}

export interface DrawnCharts {
  destroy(): void;
}

/** Draws the active-installs and events charts, with a sentence under each. */
export function drawDailyCharts(
  places: { active: HTMLElement; activeSummary: HTMLElement; events: HTMLElement; eventsSummary: HTMLElement },
  days: readonly DailyPoint[],
): DrawnCharts {
  const active = days.map((p) => p.activeInstalls);
  const events = days.map((p) => p.events);
  const charts = [
    drawChart(places.active, days, [{ label: 'Active installs', values: active, colour: cssColour('--series-1') }]),
    drawChart(places.events, days, [
      { label: 'Events', values: events, colour: cssColour('--series-1') },
      { label: 'Failed installs', values: days.map((p) => p.failures), colour: cssColour('--series-2') },
      { label: 'Opt-outs', values: days.map((p) => p.optOuts), colour: cssColour('--series-3') },
    ]),
  ];
  places.activeSummary.textContent = describePeak(days, active, 'active installs');
  places.eventsSummary.textContent = describePeak(days, events, 'events');
  return { destroy: () => charts.forEach((chart) => chart.destroy()) };
}
