/** The pages' one stylesheet (served as /web/assets/app.css; no inline styles, so the CSP needs none). */
export const APP_CSS = `
:root{--fg:#1d232a;--muted:#5b6570;--line:#d9dee3;--bg:#f6f7f9;--card:#fff;--accent:#0b5cad;--ok:#1f7a3a;--warn:#b25e00;--bad:#b3261e}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
button{font:inherit;padding:.25rem .7rem;border:1px solid var(--line);border-radius:4px;background:var(--card);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
button.danger{border-color:var(--bad);color:var(--bad)}
button.link{border:0;background:none;color:var(--accent);padding:0 .3rem}
button:disabled{opacity:.5;cursor:default}
input,textarea,select{font:inherit;padding:.3rem .4rem;border:1px solid var(--line);border-radius:4px;width:100%;background:#fff}
textarea{min-height:6rem;resize:vertical}
label{display:block;margin:.5rem 0 .15rem;color:var(--muted);font-size:.9em}
.top{display:flex;align-items:center;gap:1rem;padding:.5rem 1rem;background:#132a43;color:#fff;flex-wrap:wrap}
.top a{color:#dce9f7;text-decoration:none}
.top a[aria-current=page]{color:#fff;font-weight:600;border-bottom:2px solid #fff}
.top .brand{font-weight:700;color:#fff}
.top nav{display:flex;gap:.9rem;flex-wrap:wrap}
.top .session{margin-left:auto;display:flex;gap:.5rem;align-items:center}
.top .role{color:#a9bdd2}
.top button.link{color:#dce9f7}
main{padding:1rem;max-width:1400px;margin:0 auto}
h1{font-size:1.35rem;margin:.2rem 0 .8rem}
h2{font-size:1.1rem;margin:.2rem 0 .6rem}
h3{font-size:1rem;margin:.6rem 0 .3rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem;margin-bottom:1rem}
.tabs{display:flex;gap:.4rem;flex-wrap:wrap;margin-bottom:.8rem}
.tabs a,.tabs button{padding:.2rem .7rem;border:1px solid var(--line);border-radius:999px;background:var(--card);text-decoration:none;color:var(--fg)}
.tabs [aria-current=page],.tabs [aria-pressed=true]{background:var(--accent);border-color:var(--accent);color:#fff}
.muted{color:var(--muted)}
.status{font-size:.9em;color:var(--muted)}
.status[data-state=live]{color:var(--ok)}
.status[data-state=down]{color:var(--bad)}
.notice{padding:.4rem .7rem;border-radius:4px;background:#eef4fb;margin:.4rem 0}
.notice[data-kind=error]{background:#fbeceb;color:var(--bad)}
.grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
@media (max-width:900px){.grid,.grid2{grid-template-columns:1fr}}
.records{list-style:none;margin:0;padding:0}
.records li{padding:.55rem 0;border-bottom:1px solid var(--line)}
.records li.fresh{background:#fff8d6}
.records .meta{font-size:.85em;color:var(--muted)}
.records .summary{margin:.2rem 0 0;color:#38424c;overflow:hidden;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical}
.badge{display:inline-block;padding:0 .4rem;border-radius:3px;background:#e7edf3;font-size:.8em;margin-right:.3rem}
.map svg{width:100%;height:auto;background:#dbe9f5;border-radius:4px}
.map .land{fill:#c9d3bf;stroke:#9aa58f;stroke-width:.4}
.map circle{fill:#6c7a89;fill-opacity:.75;stroke:#fff;stroke-width:.6}
.map circle[data-alert=green]{fill:#2e8b3d}
.map circle[data-alert=orange]{fill:#e07b00}
.map circle[data-alert=red]{fill:#c62828}
.legend{display:flex;gap:1rem;font-size:.85em;color:var(--muted);flex-wrap:wrap;margin:.3rem 0}
.dot{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;background:#6c7a89;margin-right:.25rem;vertical-align:middle}
.dot[data-alert=green]{background:#2e8b3d}.dot[data-alert=orange]{background:#e07b00}.dot[data-alert=red]{background:#c62828}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.9em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.flag{display:inline-block;padding:0 .35rem;border-radius:3px;font-size:.8em;background:#fdecc8;color:#7a4a00;margin:0 .2rem .2rem 0}
.flag[data-flag=ok]{background:#dcf1df;color:var(--ok)}
.flag[data-flag=error]{background:#fbeceb;color:var(--bad)}
.queue{list-style:none;margin:0;padding:0;max-height:75vh;overflow:auto}
.queue li{padding:.45rem .5rem;border-bottom:1px solid var(--line);cursor:pointer}
.queue li[aria-selected=true]{background:#e3eefa}
.queue .meta{font-size:.8em;color:var(--muted)}
.editor{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1rem}
@media (max-width:900px){.editor{grid-template-columns:1fr}}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin:.4rem 0}
.source-text .title{font-weight:600;font-size:1.05rem}
.terms .term{display:inline-block;background:#eef4fb;border-radius:3px;padding:0 .3rem;margin:0 .2rem .2rem 0;font-size:.85em}
kbd{border:1px solid var(--line);border-bottom-width:2px;border-radius:3px;padding:0 .25rem;font-size:.85em}
.bulletin{max-width:52rem}
.bulletin h2{border-bottom:2px solid #132a43;padding-bottom:.2rem}
.bulletin ol{list-style:none;padding:0;margin:0}
.bulletin li{display:flex;gap:.6rem;padding:.5rem 0;border-bottom:1px dashed var(--line)}
.bulletin .n{font-weight:700;min-width:1.6rem}
.bulletin .body{flex:1}
.bulletin .cite{color:var(--muted)}
.bulletin .move{display:flex;flex-direction:column;gap:.2rem}
.machine-draft{border:1px dashed var(--warn);background:#fff8ec;border-radius:4px;padding:.4rem .7rem;margin:.6rem 0}
.machine-draft h3{margin:.1rem 0 .2rem}
.machine-draft dl{margin:.3rem 0}
.machine-draft dt{color:var(--muted);font-size:.9em}
.machine-draft dd{margin:0 0 .3rem}
.badge.draft-badge{background:#fdecc8;color:#7a4a00}
.also-fits{margin:.3rem 0;font-size:.9em}
.bulletin .also-fits{margin:.2rem 0 0}
.bulletin .events{margin:.8rem 0;padding:.5rem .8rem;border:1px solid var(--line);border-left:4px solid #132a43;border-radius:4px}
.bulletin .events h3{margin:0 0 .2rem;font-size:1em}
.bulletin .events ul{margin:.3rem 0 0;padding-left:1.2rem}
.bulletin .events li{display:list-item;padding:.15rem 0;border:0}
.login{max-width:28rem;margin:3rem auto}
#event-list{max-height:22rem;overflow:auto}
form.actions label{display:inline;margin:0 .3rem 0 0}
form.actions input{width:auto}
`;
