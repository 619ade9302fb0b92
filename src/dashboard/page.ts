import { html, type Html } from '../viz/html.js';

/** The pages' shell: the built styles and one script, which fetches what the page shows and inserts it as text. */
function shell(o: { assetsBuilt: boolean; title: string; link: Html; main: Html; script: string }): string {
  const missing = o.assetsBuilt
    ? ''
    : html`<p class="error" id="not-built">The dashboard's scripts are not built: run <code>npm run build</code>.</p>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${o.title}</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<header><h1>neuroplast</h1>${o.link}<span id="status" aria-live="polite"></span></header>
${missing}
${o.main}
<script src="${o.script}" defer></script>
</body>
</html>
`.text;
}

/** The dashboard: the run list and the views. */
export function dashboardPage(o: { assetsBuilt: boolean }): string {
  return shell({
    ...o,
    title: 'neuroplast dashboard',
    link: html`<a href="/live">live network</a>`,
    main: html`<main>
<nav id="runs" aria-label="runs"></nav>
<section id="views"></section>
</main>`,
    script: '/assets/app.js',
  });
}

/** The live-network page: a Diehl & Cook network learning MNIST in the page (src/dashboard/client/live.ts). */
export function livePage(o: { assetsBuilt: boolean }): string {
  return shell({
    ...o,
    title: 'neuroplast: live network',
    link: html`<a href="/">runs</a>`,
    main: html`<main class="live"><section id="live"></section></main>`,
    script: '/assets/live.js',
  });
}
