/**
 * The battle report's stylesheet, inlined into the document so the report is one file that
 * opens anywhere and fetches nothing: system fonts, a light theme, monospace for ids and diffs.
 * A constant the code wrote; nothing read from a battle ever goes into it.
 */
import { trustedHtml, type Html } from '../../lib/html.js';

export const battleReportStyle: Html = trustedHtml(`
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --good: #1a7f37; --good-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --warn: #9a6700;
  --warn-bg: #fff8c5; --accent: #0969da; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; color: var(--fg); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main, header, footer { max-width: 1400px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 12px; }
h1 code { font-size: 20px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 16px 0 6px; }
code, .mono { font-family: var(--mono); font-size: 12.5px; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
pre { margin: 0; font-family: var(--mono); font-size: 12px; line-height: 1.45; }
pre.prompt { font: inherit; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 16em; overflow: auto;
  padding: 8px 10px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: var(--soft); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
td.id { font-family: var(--mono); font-size: 12px; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
.tests { max-height: 28em; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
.tests th { position: sticky; top: 0; }
table.ranking a { color: inherit; text-decoration: none; }
table.ranking a:hover strong { color: var(--accent); text-decoration: underline; }
tr.winner td { background: var(--good-bg); }
tr.winner td:first-child { box-shadow: inset 3px 0 0 var(--good); }
tr.winner.unresolved td { background: #ddf4ff; }
tr.winner.unresolved td:first-child { box-shadow: inset 3px 0 0 var(--accent); }
.yes { color: var(--good); font-weight: 600; }
.no { color: var(--bad); font-weight: 600; }
.badge { display: inline-block; padding: 0 6px; margin: 1px 2px 1px 0; border-radius: 10px;
  font-size: 11.5px; white-space: nowrap; border: 1px solid var(--line); background: var(--soft); }
.badge.flag { color: var(--warn); background: var(--warn-bg); border-color: #eed888; cursor: help; }
.badge.flag.severe { color: var(--bad); background: var(--bad-bg); border-color: #ffcecb; }
.st-passed { color: var(--good); } .st-failed, .st-errored { color: var(--bad); }
.st-skipped, .st-absent { color: var(--muted); }
.add-n { color: var(--good); } .del-n { color: var(--bad); }
details.contestant { border: 1px solid var(--line); border-radius: 6px; margin: 10px 0; }
details.contestant > summary { cursor: pointer; padding: 8px 12px; background: var(--soft);
  border-radius: 6px; font-weight: 600; }
details.contestant[open] > summary { border-bottom: 1px solid var(--line); border-radius: 6px 6px 0 0; }
details.contestant > .body { padding: 4px 14px 14px; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 0 28px; }
.columns > section { min-width: 0; }
ul.flags { margin: 0; padding-left: 18px; }
ul.flags li { margin: 2px 0; overflow-wrap: anywhere; }
.note { color: var(--muted); font-style: italic; margin: 6px 0; }
.no-grade { margin: 0; padding: 8px 10px; border-radius: 6px; color: #6a4a00; background: var(--warn-bg);
  border: 1px solid #eed888; overflow-wrap: anywhere; }
.diff { border: 1px solid var(--line); border-radius: 6px; overflow: auto; max-height: 70vh; background: #fff; }
.diff pre { padding: 6px 0; min-width: max-content; }
.diff pre > span { display: block; padding: 0 10px; min-height: 1.45em; white-space: pre; }
.diff .meta { color: var(--muted); font-weight: 600; background: var(--soft); }
.diff .hunk { color: #8250df; background: #fbefff; }
.diff .add { background: var(--good-bg); }
.diff .del { background: var(--bad-bg); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`);
