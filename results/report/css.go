package report

// css returns the report's style sheet: small, readable on screen, and
// print-friendly (no backgrounds that matter, charts never split).
func css() string {
	return `body { font: 14px/1.45 "Liberation Sans", Arial, Helvetica, sans-serif; color: #222; max-width: 1180px; margin: 0 auto; padding: 1rem 1.5rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; }
h2 { font-size: 1.3rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
nav a { color: #0b5394; }
table { border-collapse: collapse; margin: 0.4rem 0 1rem; font-size: 12.5px; }
th, td { border: 1px solid #ccc; padding: 2px 7px; white-space: nowrap; }
th { background: #f2f2f2; text-align: left; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
.list-heading { margin: 0.8rem 0 0.2rem; font-weight: bold; }
ul { margin: 0.2rem 0 0.8rem; padding-left: 1.4rem; }
pre { background: #f6f6f6; padding: 0.4rem 0.6rem; overflow-x: auto; white-space: pre-wrap; }
code { font: 12.5px "DejaVu Sans Mono", Menlo, Consolas, monospace; }
figure { margin: 1rem 0 2rem; break-inside: avoid; page-break-inside: avoid; }
svg.chart { display: block; width: 100%; max-width: 800px; height: auto; }
figcaption { max-width: 800px; font-size: 12.5px; color: #444; }
.finding { max-width: 800px; margin: 0.3rem 0; padding-left: 0.6rem; border-left: 3px solid #0b5394; font-weight: bold; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav { display: none; }
  .scroll { overflow: visible; }
  h2, h3 { break-after: avoid; }
  tr { break-inside: avoid; }
}
`
}
