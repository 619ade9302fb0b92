import { html } from '../viz/html.js';

/** The page shell: everything it shows is fetched from the API by the bundled client and inserted as text. */
export function dashboardPage(o: { assetsBuilt: boolean }): string {
  const missing = o.assetsBuilt
    ? ''
    : html`<p class="error" id="not-built">The dashboard's scripts are not built: run <code>npm run build</code>.</p>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>neuroplast dashboard</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<header><h1>neuroplast</h1><a href="/live">live network</a><span id="status" aria-live="polite"></span></header>
${missing}
<main>
<nav id="runs" aria-label="runs"></nav>
<section id="views"></section>
</main>
<script src="/assets/app.js" defer></script>
</body>
</html>
`.text;
}

/** The live-network page: a Diehl & Cook network learning MNIST in the page (src/dashboard/client/live.ts). */
export function livePage(o: { assetsBuilt: boolean }): string {
  const missing = o.assetsBuilt
    ? ''
    : html`<p class="error" id="not-built">The dashboard's scripts are not built: run <code>npm run build</code>.</p>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>neuroplast: live network</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<header><h1>neuroplast</h1><a href="/">runs</a><span id="status" aria-live="polite"></span></header>
${missing}
<main class="live"><section id="live"></section></main>
<script src="/assets/live.js" defer></script>
</body>
</html>
`.text;
}
