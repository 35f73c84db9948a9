/**
 * The reviewer UI's static shell: one HTML page and its stylesheet. They are constants rather
 * than files so the compiled service needs nothing beside dist/ (tsc copies no assets); the
 * script is the compiled browser code (browser/*.ts → dist/src/server/ui/browser/*.js).
 * The page has no inline script or style, so its policy can forbid both (uiRoutes.ts); the empty
 * data: icon stops the browser asking for /favicon.ico.
 */

export const UI_HTML = `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cohortlink reviewer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/app.css">
<script type="module" src="/ui/main.js"></script>
</head>
<body>
<header class="top">
  <p class="brand">cohortlink <span>governance review</span></p>
  <nav id="account" aria-label="Account"></nav>
</header>
<main id="main"><p>Loading…</p><noscript><p>This page needs JavaScript.</p></noscript></main>
<div id="status" class="status" role="status" aria-live="polite"></div>
</body>
</html>
`;

export const UI_CSS = `
:root{--fg:#1d1d1b;--muted:#5b5b57;--line:#c8c8c4;--accent:#005eb8;--accent-dark:#003d78;--bad:#b3261e;--bg:#fff;--soft:#f2f4f5}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:var(--fg);background:var(--bg)}
.top{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem;padding:.6rem 1.5rem;background:var(--accent);color:#fff}
.brand{margin:0;font-weight:700;font-size:1.1rem}.brand span{font-weight:400;opacity:.9;margin-left:.4rem}
.top nav{display:flex;align-items:center;gap:.75rem;font-size:.95rem}
.top button{background:transparent;color:#fff;border:1px solid #fff}.top a{color:#fff}
main{max-width:64rem;margin:0 auto;padding:1.25rem 1.5rem 3rem}
h1{font-size:1.6rem;margin:.5rem 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .5rem;padding-bottom:.2rem;border-bottom:2px solid var(--line)}
h1:focus{outline:none}
p.lede{color:var(--muted);margin-top:0}
a{color:var(--accent)}a:hover{color:var(--accent-dark)}
:focus-visible{outline:3px solid #ffb81c;outline-offset:2px}
.scroll{overflow-x:auto;margin:.5rem 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;color:var(--muted);padding:.25rem 0}
th,td{border-bottom:1px solid var(--line);padding:.4rem .5rem;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid var(--fg)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em;word-break:break-all}
.nowrap{white-space:nowrap;word-break:normal}
button{font:inherit;padding:.35rem .9rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}
button:disabled{opacity:.5;cursor:default}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=password],input[type=text]{font:inherit;width:100%;max-width:32rem;padding:.4rem .5rem;border:2px solid var(--fg);border-radius:4px}
.hint{color:var(--muted);font-size:.92rem;margin:.25rem 0 .75rem}
.state{display:inline-block;padding:0 .45rem;border:1px solid currentColor;border-radius:3px;font-size:.85rem}
.state-succeeded{color:#00703c}.state-failed,.state-cancelled{color:var(--bad)}.state-running,.state-queued{color:var(--muted)}
.error{color:var(--bad);font-weight:600}
.status{position:fixed;bottom:0;left:0;right:0;padding:0 1.5rem;font-size:.9rem;color:var(--muted);background:var(--soft)}
.status:empty{display:none}
.toolbar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:.75rem 0}
.pager{display:flex;gap:.5rem;align-items:center}
iframe.report{display:block;width:100%;height:75vh;border:1px solid var(--line);border-radius:4px;background:#fff}
ul.plain{list-style:none;padding:0}ul.plain li{padding:.5rem 0;border-bottom:1px solid var(--line)}
dl.detail{margin:0}dl.detail div{display:inline}dl.detail dt{display:inline;color:var(--muted)}dl.detail dd{display:inline;margin:0 .6rem 0 .2rem;overflow-wrap:anywhere}
@media print{.top,.toolbar,.status{display:none}}
`;
