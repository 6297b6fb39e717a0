// Text viewer for zip entries: CSV as a table, everything else (XML, TXT…) as preformatted text.
// Content is only ever inserted as text nodes (never as HTML).

const CSV_ROWS = 500;

export function renderText(name, text) {
  if (/\.(csv|tsv)$/i.test(name)) {
    const table = csvTable(text);
    if (table) return table;
  }
  const pre = document.createElement("pre");
  pre.textContent = text;
  return pre;
}

function csvTable(text) {
  const lines = text.split(/\r?\n/);
  const head = lines[0] ?? "";
  const delim = [";", ",", "\t"].reduce((best, d) => (count(head, d) > count(head, best) ? d : best), ";");
  if (count(head, delim) === 0) return null;
  const rows = [];
  for (const line of lines) {
    if (rows.length > CSV_ROWS) break;
    if (line === "") continue;
    rows.push(splitLine(line, delim));
  }
  const table = document.createElement("table");
  table.className = "csv";
  const thead = table.createTHead().insertRow();
  for (const cell of rows[0] ?? []) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = cell;
    thead.append(th);
  }
  const tbody = table.createTBody();
  for (const r of rows.slice(1, CSV_ROWS + 1)) {
    const tr = tbody.insertRow();
    for (const cell of r) tr.insertCell().textContent = cell;
  }
  return table;
}

function count(s, ch) {
  let n = 0;
  let quoted = false;
  for (const c of s) {
    if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) n++;
  }
  return n;
}

/** One CSV line; double quotes protect delimiters, "" is a literal quote. */
function splitLine(line, delim) {
  const out = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === delim) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}
