// The cut-list page: tables in, a job to the server, progress over a stream, the plan back.
"use strict";

const $ = (sel) => document.querySelector(sel);
const PIECE_COLUMNS = ["name", "width", "height", "count"];
const STOCK_COLUMNS = ["name", "width", "height", "cost", "count"];
let currentJob = null;
let objectUrls = [];

function authHeaders(extra) {
  const headers = Object.assign({}, extra || {});
  const token = $("#token").value.trim();
  if (token) headers["Authorization"] = "Bearer " + token;
  return headers;
}

function cell(value, type, column) {
  const td = document.createElement("td");
  const input = document.createElement("input");
  input.type = type;
  input.value = value === undefined || value === null ? "" : value;
  input.dataset.column = column;
  if (type === "number") input.min = "0";
  td.appendChild(input);
  return td;
}

function addPiece(p) {
  p = p || {};
  const tr = document.createElement("tr");
  tr.appendChild(cell(p.name, "text", "name"));
  tr.appendChild(cell(p.width, "number", "width"));
  tr.appendChild(cell(p.height, "number", "height"));
  tr.appendChild(cell(p.count === undefined ? 1 : p.count, "number", "count"));
  const turn = document.createElement("td");
  const box = document.createElement("input");
  box.type = "checkbox"; box.dataset.column = "rotation";
  box.checked = p.rotation === undefined ? $("#allow_rotation").checked : p.rotation !== false;
  turn.appendChild(box); tr.appendChild(turn);
  tr.appendChild(removeButton(tr));
  $("#pieces tbody").appendChild(tr);
  return tr;
}

function addStock(s) {
  s = s || {};
  const tr = document.createElement("tr");
  STOCK_COLUMNS.forEach((c) => tr.appendChild(cell(s[c], c === "name" ? "text" : "number", c)));
  tr.appendChild(removeButton(tr));
  $("#stock tbody").appendChild(tr);
  return tr;
}

function removeButton(tr) {
  const td = document.createElement("td");
  const b = document.createElement("button");
  b.type = "button"; b.className = "remove"; b.textContent = "×"; b.title = "remove";
  b.onclick = () => tr.remove();
  td.appendChild(b);
  return td;
}

function csvField(text) {
  text = String(text);
  return /[",\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

// The table as CSV, and for each CSV data row the table row it came from (empty rows are left out).
function tableCsv(selector, columns, withRotation) {
  const rows = [];
  const header = columns.concat(withRotation ? ["rotation"] : []);
  const lines = [header.join(",")];
  for (const tr of document.querySelectorAll(selector + " tbody tr")) {
    const values = columns.map((c) => tr.querySelector(`[data-column="${c}"]`).value.trim());
    if (values.every((v) => v === "")) continue;
    if (withRotation) values.push(tr.querySelector('[data-column="rotation"]').checked ? "yes" : "no");
    lines.push(values.map(csvField).join(","));
    rows.push(tr);
  }
  return { text: lines.join("\n") + "\n", rows };
}

function parseCsv(text) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === "," || ch === ";" || ch === "\t") { row.push(field); field = ""; }
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += ch;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.some((c) => c.trim() !== ""));
}

function loadPiecesCsv(text) {
  const rows = parseCsv(text.replace(/^\ufeff/, ""));
  if (!rows.length) return;
  const header = rows[0].map((c) => c.trim().toLowerCase());
  $("#pieces tbody").innerHTML = "";
  for (const r of rows.slice(1)) {
    const p = {};
    header.forEach((h, k) => { p[h] = (r[k] || "").trim(); });
    if (p.rotation !== undefined && p.rotation !== "") p.rotation = !/^(0|no|n|false|f)$/i.test(p.rotation);
    else delete p.rotation;
    addPiece(p);
  }
}

function clearErrors() {
  document.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
  document.querySelectorAll(".field-error").forEach((el) => { el.textContent = ""; });
}

// Put the server's one-line error next to the field it names.
function showError(line, pieceRows, stockRows) {
  let m;
  const mark = (tr, column) => {
    if (!tr) return false;
    tr.classList.add("invalid");
    const input = column && tr.querySelector(`[data-column="${column}"]`);
    if (input) { input.classList.add("invalid"); input.focus(); }
    return true;
  };
  if ((m = /^cut_list: row (\d+)(?:, column '(\w+)')?/.exec(line)) && mark(pieceRows[m[1] - 2], m[2])) {
    $("#error-cut_list").textContent = line; return;
  }
  if ((m = /^stock: row (\d+)(?:, column '(\w+)')?/.exec(line)) && mark(stockRows[m[1] - 2], m[2])) {
    $("#error-stock").textContent = line; return;
  }
  if ((m = /items\[(\d+)\]/.exec(line))) {
    mark(pieceRows[Number(m[1])], /fits no stock/.test(line) ? "width" : null);
    $("#error-cut_list").textContent = line; return;
  }
  if ((m = /bins\[(\d+)\]/.exec(line))) {
    mark(stockRows[Number(m[1])], null); $("#error-stock").textContent = line; return;
  }
  if (/^(cut_list|field 'cut_list')/.test(line)) { $("#error-cut_list").textContent = line; return; }
  if (/^(stock|field 'stock')|'bins'/.test(line)) { $("#error-stock").textContent = line; return; }
  if ((m = /(?:field|options:.*field) '(kerf|trim|guillotine|stages|first_cut|allow_rotation|time_limit)'/.exec(line))) {
    const id = m[1] === "guillotine" ? "stages" : m[1];
    const el = document.getElementById(id);
    if (el) el.classList.add("invalid");
    $("#error-options").textContent = line; return;
  }
  $("#error-general").textContent = line;
}

function requestBody(pieces, stock) {
  const options = { allow_rotation: $("#allow_rotation").checked, first_cut: $("#first_cut").value };
  for (const key of ["kerf", "trim"]) {
    const v = $("#" + key).value.trim();
    if (v !== "") options[key] = Number(v);
  }
  const stages = $("#stages").value;
  if (stages) options.stages = stages === "unlimited" ? stages : Number(stages);
  const body = { cut_list: pieces.text, stock: stock.text, options };
  const limit = $("#time_limit").value.trim();
  if (limit !== "") body.time_limit = Number(limit);
  return body;
}

async function errorLine(response) {
  try { return (await response.json()).error || response.statusText; }
  catch (e) { return `HTTP ${response.status}`; }
}

function fmt(x) {
  if (x === null || x === undefined) return "–";
  return Number.isInteger(x) ? String(x) : Number(x).toFixed(2);
}

async function solve() {
  clearErrors();
  $("#result").hidden = true;
  delete $("#summary").dataset.status;
  const pieces = tableCsv("#pieces", PIECE_COLUMNS, true);
  const stock = tableCsv("#stock", STOCK_COLUMNS, false);
  $("#solve").disabled = true;
  $("#progress").textContent = "sending…";
  try {
    const response = await fetch("/solve?async=1", {
      method: "POST", headers: authHeaders({ "Content-Type": "application/json" }),
      body: JSON.stringify(requestBody(pieces, stock)),
    });
    if (!response.ok) {
      $("#progress").textContent = "";
      showError(await errorLine(response), pieces.rows, stock.rows);
      $("#solve").disabled = false;
      return;
    }
    currentJob = (await response.json()).job;
    $("#stop").disabled = false;
    $("#progress").textContent = "solving…";
    await followJob(currentJob);
  } catch (e) {
    $("#error-general").textContent = String(e);
  }
  $("#solve").disabled = false;
  $("#stop").disabled = true;
}

// Read the job's server-sent events through fetch (so the token header goes along).
async function followJob(job) {
  const response = await fetch(`/jobs/${job}/events`, { headers: authHeaders() });
  if (!response.ok) { $("#error-general").textContent = await errorLine(response); return; }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const started = performance.now();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
      const event = (/^event: (.*)$/m.exec(block) || [])[1];
      const data = (/^data: (.*)$/m.exec(block) || [])[1];
      if (event === "progress") {
        const p = JSON.parse(data);
        $("#progress").textContent =
          `best cost ${fmt(p.objective)} · bound ${fmt(p.lower_bound)} · ${fmt(p.seconds)} s`;
      } else if (event === "done") {
        await showJob(job);
        return;
      } else if (event === "status") {
        $("#progress").textContent = `${JSON.parse(data).status}… (${((performance.now() - started) / 1000).toFixed(1)} s)`;
      }
    }
  }
}

async function stopJob() {
  if (!currentJob) return;
  $("#stop").disabled = true;
  $("#progress").textContent += " · stopping…";
  await fetch(`/jobs/${currentJob}`, { method: "DELETE", headers: authHeaders() });
}

async function download(path, anchor, type) {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) { anchor.hidden = true; return null; }
  const blob = type ? new Blob([await response.text()], { type }) : await response.blob();
  const url = URL.createObjectURL(blob);
  objectUrls.push(url);
  anchor.href = url; anchor.hidden = false;
  return url;
}

async function showJob(job) {
  const response = await fetch(`/jobs/${job}`, { headers: authHeaders() });
  const data = await response.json();
  if (!response.ok || data.status === "failed" || data.status === "cancelled") {
    $("#progress").textContent = "";
    $("#error-general").textContent = data.error || `job ${data.status}`;
    return;
  }
  objectUrls.forEach((u) => URL.revokeObjectURL(u)); objectUrls = [];
  const sheets = data.sheets || [];
  const words = { optimal: "proved optimal", interrupted: "stopped: best plan so far", budget: "time limit reached",
                  heuristic: "shelf plan" };
  $("#progress").textContent = `done · ${words[data.result_status] || data.result_status} · ${fmt(data.seconds)} s`;
  $("#summary").textContent = `${sheets.length} sheet(s), total cost ${fmt(data.objective)}` +
    ` (lower bound ${fmt(data.lower_bound)})` + (data.verified ? " · verified" : " · NOT verified");
  const body = $("#sheets tbody");
  body.innerHTML = "";
  for (const s of sheets) {
    const tr = document.createElement("tr");
    for (const v of [s.sheet + 1, `${s.name} (${s.width}×${s.height})`, s.pieces, fmt(s.use), fmt(s.cost), s.waste]) {
      const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  const svg = await download(`/jobs/${job}/plan.svg`, $("#dl-svg"), "image/svg+xml");
  await download(`/jobs/${job}/plan.pdf`, $("#dl-pdf"));
  await download(`/jobs/${job}/cuts.csv`, $("#dl-cuts"));
  const json = URL.createObjectURL(new Blob([JSON.stringify(data.solution, null, 1)], { type: "application/json" }));
  objectUrls.push(json); $("#dl-json").href = json;
  $("#plan").innerHTML = "";
  if (svg) {
    const img = document.createElement("img");
    img.src = svg; img.alt = "cutting plan"; img.id = "plan-image";
    $("#plan").appendChild(img);
  }
  $("#result").hidden = false;
  $("#summary").dataset.status = data.result_status;  // set last: the plan is on the page
}

function start() {
  [{ name: "side", width: 720, height: 560, count: 4, rotation: false },
   { name: "shelf", width: 564, height: 300, count: 8 },
   { name: "door", width: 715, height: 396, count: 4, rotation: false },
   { name: "back", width: 1164, height: 720, count: 2 }].forEach(addPiece);
  [{ name: "oak 19", width: 2800, height: 2070, cost: 48.5, count: 6 },
   { name: "birch 18", width: 2440, height: 1220, cost: 21 }].forEach(addStock);
  $("#add-piece").onclick = () => addPiece();
  $("#add-stock").onclick = () => addStock();
  $("#load-csv").onclick = () => loadPiecesCsv($("#pieces-csv").value);
  $("#pieces-file").onchange = async (e) => {
    const file = e.target.files[0];
    if (file) loadPiecesCsv(await file.text());
  };
  $("#allow_rotation").onchange = (e) => {  // turns every piece's box; a piece's own box overrides it
    document.querySelectorAll('#pieces [data-column="rotation"]').forEach((box) => { box.checked = e.target.checked; });
  };
  $("#solve").onclick = solve;
  $("#stop").onclick = stopJob;
}

start();
