/**
 * A grouped horizontal bar chart of ratios, as plain SVG text (no chart library): one group per
 * topology, one bar per series (concurrency), a solid line at 1.0 (the reference) and dashed goal
 * lines. Horizontal bars keep long topology names readable.
 */
export interface Bar {
  group: string;
  series: string;
  value: number;
}

export interface ChartOptions {
  title: string;
  note: string;
  goals: Array<{ value: number; label: string }>;
}

const COLORS = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5'];

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

export function ratiosSvg(bars: Bar[], opts: ChartOptions): string {
  const groups = [...new Set(bars.map((b) => b.group))];
  const series = [...new Set(bars.map((b) => b.series))];
  const barH = 14;
  const gap = 10;
  const groupH = series.length * barH + gap;
  const left = 260;
  const plotW = 440;
  const top = 58;
  const width = left + plotW + 60;
  const height = top + groups.length * groupH + 34 + 13 * Math.max(1, opts.goals.length);
  const max = Math.max(1.2, ...bars.map((b) => b.value)) * 1.05;
  const x = (v: number) => left + (v / max) * plotW;
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  o.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  o.push(`<text x="12" y="20" font-size="14" font-weight="bold">${esc(opts.title)}</text>`);
  o.push(`<text x="12" y="38" fill="#555">${esc(opts.note)}</text>`);
  // Axis ticks every 0.25.
  const bottom = top + groups.length * groupH;
  for (let v = 0; v <= max + 1e-9; v += 0.25) {
    o.push(`<line x1="${x(v).toFixed(1)}" y1="${top - 4}" x2="${x(v).toFixed(1)}" y2="${bottom}" stroke="#eee"/>`);
    o.push(`<text x="${x(v).toFixed(1)}" y="${bottom + 14}" text-anchor="middle" fill="#555">${v.toFixed(2)}×</text>`);
  }
  groups.forEach((g, gi) => {
    const y0 = top + gi * groupH;
    o.push(`<text x="${left - 8}" y="${(y0 + (series.length * barH) / 2 + 4).toFixed(1)}" text-anchor="end">${esc(g)}</text>`);
    series.forEach((s, si) => {
      const b = bars.find((z) => z.group === g && z.series === s);
      if (!b) return;
      const y = y0 + si * barH;
      o.push(`<rect x="${left}" y="${y}" width="${(x(b.value) - left).toFixed(1)}" height="${barH - 2}" fill="${COLORS[si % COLORS.length]}"/>`);
      o.push(`<text x="${(x(b.value) + 4).toFixed(1)}" y="${y + barH - 4}" font-size="11">${b.value.toFixed(2)}</text>`);
    });
  });
  o.push(`<line x1="${x(1).toFixed(1)}" y1="${top - 6}" x2="${x(1).toFixed(1)}" y2="${bottom}" stroke="#000" stroke-width="1.5"/>`);
  o.push(`<text x="${x(1).toFixed(1)}" y="${top - 10}" text-anchor="middle" font-size="11">nginx = 1</text>`);
  opts.goals.forEach((g, i) => {
    o.push(`<line x1="${x(g.value).toFixed(1)}" y1="${top - 4}" x2="${x(g.value).toFixed(1)}" y2="${bottom}" stroke="#c53030" stroke-dasharray="4 3"/>`);
    // One row per goal label, so labels of close goals never overlap.
    o.push(`<text x="${x(g.value).toFixed(1)}" y="${bottom + 28 + 13 * i}" text-anchor="middle" fill="#c53030" font-size="11">${esc(g.label)}</text>`);
  });
  series.forEach((s, si) => {
    const lx = left + plotW - 140 + si * 70;
    o.push(`<rect x="${lx}" y="${height - 14}" width="10" height="10" fill="${COLORS[si % COLORS.length]}"/>`);
    o.push(`<text x="${lx + 14}" y="${height - 5}">${esc(s)}</text>`);
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}
