// Charts with Chart.js: only the pieces the dashboards use are registered, so the bundle stays small.

import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { el } from "./dom.ts";

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

const PALETTE = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

export interface Series {
  label: string;
  /** null leaves a gap (e.g. days before a segment was first computed). */
  values: (number | null)[];
  /** Plot on the right-hand axis (e.g. revenue beside counts). */
  right?: boolean;
}

/** A chart in a fixed-height box; `name` lets tests find it and read what it plots. */
function chartBox(name: string, config: ChartConfiguration): HTMLElement {
  const canvas = el("canvas", { role: "img", "aria-label": name });
  const box = el("div", { class: "chart", "data-chart": name }, canvas);
  const chart = new Chart(canvas, { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options } });
  box.dataset.points = String(chart.data.labels?.length ?? 0);
  return box;
}

export function lineChart(name: string, labels: string[], series: Series[]): HTMLElement {
  const hasRight = series.some((s) => s.right);
  return chartBox(name, {
    type: "line",
    data: {
      labels,
      datasets: series.map((s, i) => ({
        label: s.label,
        data: s.values,
        borderColor: PALETTE[i % PALETTE.length],
        backgroundColor: PALETTE[i % PALETTE.length],
        pointRadius: labels.length > 60 ? 0 : 2,
        borderWidth: 2,
        tension: 0.2,
        yAxisID: s.right ? "right" : "left",
      })),
    },
    options: {
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { autoSkip: true, maxTicksLimit: 12, maxRotation: 0 } },
        left: { type: "linear", position: "left", beginAtZero: true },
        ...(hasRight ? { right: { type: "linear" as const, position: "right" as const, beginAtZero: true, grid: { drawOnChartArea: false } } } : {}),
      },
    },
  });
}

export function barChart(name: string, labels: string[], series: Series[], stacked = false): HTMLElement {
  return chartBox(name, {
    type: "bar",
    data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: PALETTE[i % PALETTE.length] })) },
    options: { scales: { x: { stacked }, y: { stacked, beginAtZero: true } } },
  });
}

export function doughnutChart(name: string, labels: string[], values: number[]): HTMLElement {
  return chartBox(name, {
    type: "doughnut",
    data: { labels, datasets: [{ data: values, backgroundColor: labels.map((_, i) => PALETTE[i % PALETTE.length]) }] },
    options: { plugins: { legend: { position: "right" } } },
  });
}
