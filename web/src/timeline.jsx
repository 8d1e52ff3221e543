// A lease's attested time as a chart, from its start to now (or its end once
// past): each attested period drawn up (green) then down (red) in proportion
// to what the attestor signed, and time not yet attested grey.

const WIDTH = 600;
const HEIGHT = 28;

/** The timeline of a lease from `start` to `end` (unix seconds) with its `UptimeAttested` events, drawn up to `now`. */
export function Timeline({ start, end, periods, now }) {
  const attested = periods.reduce((latest, p) => Math.max(latest, p.to), start);
  const shown = Math.min(end, Math.max(now, attested));
  const span = Math.max(1, shown - start);
  const x = (t) => ((Math.min(Math.max(t, start), shown) - start) / span) * WIDTH;
  const up = periods.reduce((sum, p) => sum + Number(p.up_seconds), 0);
  const down = periods.reduce((sum, p) => sum + (p.to - p.from) - Number(p.up_seconds), 0);
  return (
    <figure class="timeline">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" height={HEIGHT} preserveAspectRatio="none" role="img"
        aria-label={`${up} s attested up, ${down} s down`}>
        <rect x="0" y="4" width={WIDTH} height={HEIGHT - 8} class="unattested" />
        {periods.map((p) => {
          const from = x(p.from);
          const to = x(p.to);
          const upWidth = ((to - from) * Number(p.up_seconds)) / Math.max(1, p.to - p.from);
          return (
            <g key={`${p.from}-${p.to}`} data-testid="period" data-from={p.from} data-to={p.to} data-up={p.up_seconds}>
              <title>{`${new Date(p.from * 1000).toLocaleTimeString()}–${new Date(p.to * 1000).toLocaleTimeString()}: ${p.up_seconds} of ${p.to - p.from} s up`}</title>
              <rect x={from} y="4" width={upWidth} height={HEIGHT - 8} class="up" />
              <rect x={from + upWidth} y="4" width={to - from - upWidth} height={HEIGHT - 8} class="down" />
            </g>
          );
        })}
      </svg>
      <figcaption>
        {new Date(start * 1000).toLocaleTimeString()} to {shown < end ? "now" : new Date(end * 1000).toLocaleTimeString()}:
        <span class="key up" /> up {up} s <span class="key down" /> down {down} s <span class="key unattested" /> not yet attested
      </figcaption>
    </figure>
  );
}
