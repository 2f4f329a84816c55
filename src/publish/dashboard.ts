import { createHash } from 'node:crypto';
import { DASHBOARD_SCRIPT, DASHBOARD_STYLE } from './dashboard-app.generated.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');

/**
 * The dashboard: one self-contained page (the app in dashboard/, built with D3 into one
 * script) that reads data/ and trusts none of it. The policy lets exactly this script and this
 * stylesheet run, and the page reach nothing but its own site.
 */
export function dashboardHtml(): string {
  const policy = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(DASHBOARD_SCRIPT)}'`,
    `style-src 'sha256-${sha256(DASHBOARD_STYLE)}'`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>streamstress</title>
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<header><h1><a href="#">streamstress</a></h1></header>
<main id="main"><p role="status">Loading…</p></main>
<noscript>The dashboard needs JavaScript; the data is in data/index.json and data/runs/.</noscript>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}
