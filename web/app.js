// The Palcode.ai screens that use the Procore integration, as plain static files: no build step.
// The API is on the same origin (the local gateway, or the API's custom domain when deployed);
// on the local stack, "Sign in" asks the gateway for a user token (POST /_local/sign-in).
"use strict";

const TOKEN_KEY = "palcode-token";
const USER_KEY = "palcode-user";
const REASONS = {
  no_connection: "Procore is not connected.",
  disconnected: "You disconnected Procore; what was synced is kept unless you purged it.",
  refresh_token_rejected: "Procore no longer accepts this connection (access was revoked). Connect again.",
  refresh_response_lost: "A token refresh did not complete. Connect again to restore syncing.",
  refresh_failed: "Procore refused to renew access. Connect again.",
  access_token_rejected: "Procore no longer accepts this connection. Connect again.",
  refresh_lease_lost: "A token refresh was interrupted. Connect again.",
  access_denied: "You chose Deny on Procore's page.",
  browser_mismatch: "The connect flow was started in another browser. Start it again here.",
  expired_state: "The connect flow took too long. Start it again.",
  invalid_state: "That connect link was already used or is unknown. Start again.",
  code_rejected: "Procore did not accept the sign-in. Start again.",
  exchange_failed: "Procore could not be reached to finish connecting. Try again.",
};

const $ = (selector) => document.querySelector(selector);
const state = { status: null };

function token() { return sessionStorage.getItem(TOKEN_KEY); }

function notice(text) { $("#notice").textContent = text || ""; }

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    credentials: "same-origin",
    headers: { "Authorization": `Bearer ${token()}`, "Content-Type": "application/json", ...(options.headers || {}) },
  });
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  return { ok: response.ok, status: response.status, body, headers: response.headers };
}

async function readAll(path) {
  const items = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: "200" });
    if (cursor) query.set("cursor", cursor);
    const page = await api(`${path}?${query}`);
    if (!page.ok) return items;
    items.push(...page.body.items);
    cursor = page.body.next_cursor;
  } while (cursor && items.length < 5000);
  return items;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  row.appendChild(td);
  return td;
}

function fill(table, records, columns) {
  const body = table.querySelector("tbody");
  body.replaceChildren();
  for (const record of records) {
    const row = document.createElement("tr");
    for (const column of columns) column(row, record);
    body.appendChild(row);
  }
}

const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const when = (iso) => (iso ? new Date(iso).toLocaleDateString("en-US", { dateStyle: "medium" }) : "");
const yesNo = (value) => (value ? "Yes" : "No");

// ---------------------------------------------------------------- sign-in

async function signIn(userId) {
  const response = await fetch("/_local/sign-in", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user_id: userId }),
  });
  if (!response.ok) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
    return false;
  }
  sessionStorage.setItem(TOKEN_KEY, (await response.json()).token);
  sessionStorage.setItem(USER_KEY, userId);
  return true;
}

// ---------------------------------------------------------------- integrations card

function describe(status) {
  if (status.status === "connected") {
    const user = status.procore_user || {};
    return `Connected as ${user.name || user.login} (${user.login}).`;
  }
  if (status.status === "reauthorization_required") {
    return `Reconnect needed: ${REASONS[status.reason] || status.reason}`;
  }
  return `Not connected. ${REASONS[status.reason] || ""}`.trim();
}

function renderStatus(status) {
  state.status = status;
  const connected = status.status === "connected";
  $("#connection").textContent = describe(status);
  $("#connection").dataset.status = status.status;
  $("#connect").hidden = connected;
  $("#connect").textContent = status.status === "reauthorization_required" ? "Reconnect Procore" : "Connect to Procore";
  $("#sync-now").hidden = !connected;
  $("#disconnect").hidden = status.status === "not_connected";
  const last = status.last_sync;
  $("#last-sync").textContent = last
    ? `Last sync: ${last.state}${last.finished_at ? `, finished ${new Date(last.finished_at).toLocaleString()}` : ""}.`
    : "";
  renderRecentSyncs(status.recent_syncs || []);
  const list = $("#company-list");
  list.replaceChildren();
  for (const company of status.companies || []) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "company";
    box.value = company.id;
    box.checked = company.selected;
    label.append(box, ` ${company.name}`);
    if (!company.app_installed) {
      const hint = document.createElement("small");
      hint.textContent = ` (app not installed: ${company.hint})`;
      label.appendChild(hint);
    } else if (company.webhooks && company.webhooks.state === "active") {
      const live = document.createElement("small");
      live.className = "webhooks";
      live.textContent = " (changes arrive within a minute)";
      label.appendChild(live);
    } else if (company.webhooks && company.webhooks.hint) {
      const polling = document.createElement("small");
      polling.className = "webhooks";
      polling.textContent = ` (${company.webhooks.hint})`;
      label.appendChild(polling);
    }
    list.appendChild(label);
  }
  $("#companies").hidden = !(status.companies || []).length;
  for (const select of document.querySelectorAll(".company-select")) {
    const chosen = select.value;
    select.replaceChildren();
    for (const company of (status.companies || []).filter((c) => c.app_installed)) {
      const option = new Option(company.name, company.id);
      select.appendChild(option);
    }
    if (chosen) select.value = chosen;
  }
}

function renderRecentSyncs(runs) {
  const body = $("#recent-syncs tbody");
  body.replaceChildren();
  for (const run of runs) {
    const total = { created: 0, updated: 0, deleted: 0, invalid: 0 };
    let calls = 0;
    let error = "";
    for (const company of Object.values(run.companies || {})) {
      for (const counts of Object.values(company.counts || {})) {
        for (const kind of Object.keys(total)) total[kind] += counts[kind] || 0;
      }
      calls += company.api_calls || 0;
      error = error || company.last_error || "";
    }
    const row = document.createElement("tr");
    const cells = [new Date(run.started_at).toLocaleString(), run.trigger, run.state,
      total.created, total.updated, total.deleted, total.invalid, calls, error];
    for (const value of cells) {
      const cell = document.createElement("td");
      cell.textContent = String(value ?? "");
      row.appendChild(cell);
    }
    body.appendChild(row);
  }
  $("#recent-syncs").hidden = runs.length === 0;
}

async function refreshStatus() {
  const answer = await api("/integrations/procore/status");
  if (answer.ok) renderStatus(answer.body);
  else $("#connection").textContent = "Sign in to see your Procore connection.";
  return answer.ok;
}

async function connect() {
  const answer = await api("/integrations/procore/connect", { method: "POST", body: "{}" });
  if (answer.ok) window.location.assign(answer.body.authorize_url);
  else notice(`Could not start connecting: ${answer.body?.message || answer.status}`);
}

async function syncNow() {
  const answer = await api("/integrations/procore/sync", { method: "POST", body: "{}" });
  if (answer.status === 202) notice(answer.body.queued ? "Sync queued." : "A sync is already under way.");
  else if (answer.status === 409 && answer.body?.error === "no_company_selected") notice("Select a company to sync first.");
  else if (answer.status === 429) notice(`Sync was just asked for; try again in ${answer.headers.get("Retry-After")} s.`);
  else notice(answer.body?.message || "Sync could not be queued.");
  await refreshStatus();
}

async function disconnect() {
  const answer = await api("/integrations/procore/disconnect", { method: "POST", body: "{}" });
  notice(answer.ok ? "Procore disconnected." : "Disconnect failed.");
  await refreshStatus();
}

async function saveCompanies(event) {
  event.preventDefault();
  const ids = [...document.querySelectorAll("input[name=company]:checked")].map((box) => box.value);
  const answer = await api("/integrations/procore/companies", { method: "PUT", body: JSON.stringify({ company_ids: ids }) });
  notice(answer.ok ? "Company selection saved." : (answer.body?.message || "Could not save the selection."));
  await refreshStatus();
}

// ---------------------------------------------------------------- data screens

async function showProjects() {
  const company = $("#dashboard-company").value;
  if (!company) return;
  const projects = await readAll(`/procore/companies/${company}/projects`);
  fill($("#projects"), projects, [
    (row, p) => cell(row, p.project_number),
    (row, p) => cell(row, p.name),
    (row, p) => cell(row, [p.city, p.state_code].filter(Boolean).join(", ")),
    (row, p) => cell(row, p.stage),
    (row, p) => cell(row, yesNo(p.active)),
  ]);
}

async function loadBidProjects() {
  const company = $("#bids-company").value;
  if (!company) return;
  const projects = await readAll(`/procore/companies/${company}/projects`);
  const select = $("#bids-project");
  select.replaceChildren(...projects.map((p) => new Option(p.name, p.id)));
  await showBidPackages();
}

async function showBidPackages() {
  const company = $("#bids-company").value;
  const project = $("#bids-project").value;
  $("#bid-list").hidden = true;
  if (!company || !project) return;
  const packages = await readAll(`/procore/companies/${company}/projects/${project}/bid-packages`);
  fill($("#bid-packages"), packages, [
    (row, p) => cell(row, p.number),
    (row, p) => cell(row, p.title),
    (row, p) => cell(row, when(p.bid_due_date)),
    (row, p) => cell(row, p.submitted_bids_count),
    (row, p) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "View bids";
      button.setAttribute("aria-label", `View bids for ${p.title}`);
      button.addEventListener("click", () => showBids(company, project, p));
      cell(row, "").appendChild(button);
    },
  ]);
}

async function showBids(company, project, bidPackage) {
  const bids = await readAll(`/procore/companies/${company}/projects/${project}/bid-packages/${bidPackage.id}/bids`);
  $("#bid-list-caption").textContent = `Bids for ${bidPackage.title}`;
  fill($("#bid-list"), bids, [
    (row, b) => cell(row, b.vendor?.name),
    (row, b) => cell(row, (b.bid_status || "").replaceAll("_", " ")),
    (row, b) => cell(row, b.lump_sum_amount === null || b.lump_sum_amount === undefined ? "—" : money.format(b.lump_sum_amount)),
    (row, b) => cell(row, yesNo(b.submitted)),
    (row, b) => cell(row, yesNo(b.awarded)),
  ]);
  $("#bid-list").hidden = false;
}

async function showVendors() {
  const company = $("#vendors-company").value;
  if (!company) return;
  const vendors = await readAll(`/procore/companies/${company}/vendors`);
  fill($("#vendor-list"), vendors, [
    (row, v) => cell(row, v.name),
    (row, v) => cell(row, (v.trades || []).map((t) => t.name).join(", ")),
    (row, v) => cell(row, v.primary_contact ? `${v.primary_contact.first_name} ${v.primary_contact.last_name}` : ""),
    (row, v) => cell(row, v.primary_contact?.email_address || v.email_address),
    (row, v) => cell(row, v.business_phone),
    (row, v) => cell(row, yesNo(v.is_active)),
  ]);
}

// ---------------------------------------------------------------- screens

const SCREENS = { integrations: null, dashboard: showProjects, bids: loadBidProjects, vendors: showVendors };

async function showScreen() {
  const name = (window.location.hash || "#integrations").slice(1);
  const screen = name in SCREENS ? name : "integrations";
  for (const section of document.querySelectorAll("[data-screen]")) section.hidden = section.dataset.screen !== screen;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.hash === `#${screen}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (SCREENS[screen] && token()) await SCREENS[screen]();
}

async function start() {
  const query = new URLSearchParams(window.location.search);
  if (query.get("procore") === "connected") notice("Procore connected. The first sync is running.");
  if (query.get("procore") === "error") notice(`Procore was not connected: ${REASONS[query.get("reason")] || "an unexpected error."}`);
  const user = sessionStorage.getItem(USER_KEY);
  if (user) $("#user").value = user;
  $("#sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!(await signIn($("#user").value))) {
      notice("Sign-in failed: on the local stack the gateway signs demo users in; elsewhere use Palcode.ai's sign-in.");
      $("#connection").textContent = "Sign in to see your Procore connection.";
      return;
    }
    notice(`Signed in as ${$("#user").value}.`);
    await refreshStatus();
    await showScreen();
  });
  $("#connect").addEventListener("click", connect);
  $("#sync-now").addEventListener("click", syncNow);
  $("#disconnect").addEventListener("click", disconnect);
  $("#companies").addEventListener("submit", saveCompanies);
  $("#dashboard-company").addEventListener("change", showProjects);
  $("#bids-company").addEventListener("change", loadBidProjects);
  $("#bids-project").addEventListener("change", showBidPackages);
  $("#vendors-company").addEventListener("change", showVendors);
  window.addEventListener("hashchange", showScreen);
  if (token()) await refreshStatus();
  else $("#connection").textContent = "Sign in to see your Procore connection.";
  await showScreen();
}

document.addEventListener("DOMContentLoaded", start);
