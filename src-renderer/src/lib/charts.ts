// Chart.js setup shared by every chart: the parts we use, our palette, and no animation
// (curves update many times a second; animating each update only blurs them).
import { BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type Plugin } from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend, Filler, MatrixController, MatrixElement);
Chart.defaults.animation = false;
Chart.defaults.font.family = 'Inter, "Segoe UI", "Noto Sans KR", "Malgun Gothic", system-ui, sans-serif';
Chart.defaults.color = '#5b6475';
Chart.defaults.borderColor = '#e6e8ee';

export const palette = {
  accent: '#3b6cf6',
  accentSoft: 'rgba(59, 108, 246, 0.15)',
  orange: '#f08c2e',
  green: '#1f9d6b',
  red: '#d64545',
  grid: '#eceef3',
  text: '#1d2330',
};

/** Writes each matrix cell's count in it, white on dark cells and dark on light ones. */
export const cellLabels: Plugin<'matrix'> = {
  id: 'cellLabels',
  afterDatasetsDraw(chart) {
    const ctx = chart.ctx;
    const meta = chart.getDatasetMeta(0);
    const data = chart.data.datasets[0]?.data as { v?: number; share?: number }[] | undefined;
    if (!data) return;
    ctx.save();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    meta.data.forEach((el, i) => {
      const d = data[i];
      const { x, y, width, height } = el.getProps(['x', 'y', 'width', 'height'], true) as { x: number; y: number; width: number; height: number };
      if (!d?.v || width < 14) return;
      ctx.font = `${Math.max(9, Math.min(13, height * 0.4))}px ${Chart.defaults.font.family}`;
      ctx.fillStyle = (d.share ?? 0) > 0.5 ? '#ffffff' : palette.text;
      ctx.fillText(String(d.v), x + width / 2, y + height / 2);
    });
    ctx.restore();
  },
};
