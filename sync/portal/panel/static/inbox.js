// The inbox's decryption, in the clerk's tab only. The municipality's age identity is read
// from a file or pasted text into `identity` below and never leaves this page: not to the
// portal, not to storage. Submissions are fetched as ciphertext and opened by age.wasm
// (filippo.io/age compiled to WebAssembly, see agewasm/main.go).
//
// So the key survives moving around the inbox, links and forms inside /panel/inbox are
// followed by fetching the next page and swapping its <main> in (history kept); without
// this script they work as plain links and forms, only the content stays locked.
(function () {
  "use strict";
  let identity = null; // the age identity text; null when none is loaded
  let ready = null;    // the promise of the loaded module
  let loadedMsg = "";  // what the key box says while a key is loaded

  const $ = (id) => document.getElementById(id);
  const box = () => $("keybox");
  const msg = (name, vars) => {
    let s = (box() && box().dataset["msg" + name[0].toUpperCase() + name.slice(1)]) || name;
    for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", v);
    return s;
  };

  function loadAge() {
    if (!ready) {
      ready = (async () => {
        if (typeof WebAssembly !== "object" || typeof Go !== "function") throw new Error("nowasm");
        const go = new Go();
        const res = await WebAssembly.instantiateStreaming(fetch("/panel/static/age.wasm"), go.importObject);
        go.run(res.instance); // returns at once: main blocks in select{}, infomatAge stays
        if (!window.infomatAge) throw new Error("nowasm");
        return window.infomatAge;
      })();
      ready.catch(() => { ready = null; });
    }
    return ready;
  }

  function showKeyState(text, bad) {
    const st = $("key-state");
    if (!st) return;
    st.textContent = text;
    st.className = bad ? "error" : "";
    $("key-load").hidden = identity !== null;
    $("key-forget").hidden = identity === null;
  }

  async function useKey(text) {
    text = (text || "").trim();
    showKeyState(msg("loading"));
    let age;
    try { age = await loadAge(); } catch (e) { showKeyState(msg("nowasm"), true); return; }
    const r = age.recipient(text);
    if (r.error) { showKeyState(msg("identity"), true); return; }
    identity = text;
    $("key-text").value = "";
    $("key-file").value = "";
    loadedMsg = msg("loaded", { recipient: r.recipient || "?" });
    showKeyState(loadedMsg);
    updateExport();
    openShown();
  }

  async function fetchPlain(url) {
    const age = await loadAge();
    const resp = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (!resp.ok) throw new Error("fetch");
    const ct = new Uint8Array(await resp.arrayBuffer());
    const r = age.decrypt(identity, ct);
    if (r.error) throw new Error(r.error);
    let p;
    try { p = JSON.parse(r.plain); } catch (e) { throw new Error("notjson"); }
    if (!p || typeof p !== "object" || Array.isArray(p)) throw new Error("notjson");
    return p;
  }

  // el builds an element with text only: whatever a resident typed stays text.
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  // when shows an RFC 3339 time as the office's clock reads it, in the page's language.
  function when(s) {
    const d = new Date(s);
    if (!s || isNaN(d)) return s || "";
    return d.toLocaleString(document.documentElement.lang || "pl", { timeZone: "Europe/Warsaw", dateStyle: "medium", timeStyle: "short" });
  }

  function answersTable(p) {
    const t = el("table");
    t.id = "answers";
    const head = t.createTHead().insertRow();
    for (const h of [msg("question"), msg("answer")]) {
      const th = el("th", h);
      th.scope = "col";
      head.appendChild(th);
    }
    const body = t.createTBody();
    for (const a of Array.isArray(p.answers) ? p.answers : []) {
      const row = body.insertRow();
      const th = el("th", a.question || a.field);
      th.scope = "row";
      row.appendChild(th);
      row.appendChild(el("td", a.display || a.value, "answer"));
    }
    return t;
  }

  // openShown decrypts the submission on this page, if any, with the loaded key.
  async function openShown() {
    const plain = $("plain");
    if (!plain || identity === null) return;
    plain.replaceChildren(el("p", msg("loading"), "help"));
    try {
      const p = await fetchPlain(plain.dataset.ciphertext);
      const dl = el("dl");
      for (const [k, v] of [[msg("proctitle"), p.procedure_title || p.procedure], [msg("submitted"), when(p.submitted)]]) {
        dl.appendChild(el("dt", k));
        dl.appendChild(el("dd", v || ""));
      }
      plain.replaceChildren(dl, answersTable(p));
      $("print").hidden = false;
    } catch (e) {
      plain.replaceChildren(el("p", msg(e.message), "error"));
    }
  }

  function download(name, type, text) {
    const a = el("a");
    a.href = URL.createObjectURL(new Blob([text], { type: type }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function csvCell(s) {
    s = String(s === undefined || s === null ? "" : s);
    // A cell a spreadsheet would run as a formula is quoted as text.
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\n\r;]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  async function exportSelected(kind) {
    const picked = Array.from(document.querySelectorAll("#inbox input[name=sel]:checked"));
    if (!picked.length || identity === null) return;
    const st = $("export-status");
    const out = [];
    try {
      for (const [i, c] of picked.entries()) {
        st.textContent = msg("exporting", { n: i + 1, total: picked.length });
        const d = c.dataset;
        out.push({ portal_ref: d.portalRef, ref: d.ref, id: c.value, procedure: d.procedure, received: d.received,
          device: d.device, status: d.status, payload: await fetchPlain("/panel/inbox/" + encodeURIComponent(c.value) + "/ciphertext") });
      }
    } catch (e) {
      st.textContent = msg(e.message);
      st.className = "error";
      return;
    }
    const stamp = new Date().toISOString().slice(0, 10);
    if (kind === "json") {
      download("wnioski-" + stamp + ".json", "application/json", JSON.stringify(out, null, 2));
    } else {
      // One row per answer: submissions of different procedures ask different questions.
      const rows = [["portal_ref", "ref", "procedure", "received", "status", "field", "question", "value"]];
      for (const s of out) {
        for (const a of Array.isArray(s.payload.answers) ? s.payload.answers : []) {
          rows.push([s.portal_ref, s.ref, s.procedure, s.received, s.status, a.field, a.question, a.display || a.value]);
        }
      }
      download("wnioski-" + stamp + ".csv", "text/csv;charset=utf-8", "\ufeff" + rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n");
    }
    st.className = "";
    st.textContent = msg("exported", { n: out.length });
  }

  function updateExport() {
    const ex = $("export");
    if (!ex) return;
    ex.hidden = identity === null;
    const any = document.querySelector("#inbox input[name=sel]:checked") !== null;
    $("export-json").disabled = $("export-csv").disabled = !any;
  }

  // enhance wires the page's controls; it runs on every page swapped in.
  function enhance() {
    if (!box()) return;
    showKeyState(identity === null ? msg("none") : loadedMsg);
    $("key-use").addEventListener("click", () => useKey($("key-text").value));
    $("key-file").addEventListener("change", async (ev) => {
      const f = ev.target.files && ev.target.files[0];
      if (f) useKey(await f.text());
    });
    $("key-forget").addEventListener("click", () => {
      identity = null;
      if ($("plain")) $("plain").replaceChildren(el("p", msg("none"), "help"));
      if ($("print")) $("print").hidden = true;
      showKeyState(msg("none"));
      updateExport();
    });
    if ($("print")) $("print").addEventListener("click", () => window.print());
    for (const c of document.querySelectorAll("#inbox input[name=sel]")) c.addEventListener("change", updateExport);
    if ($("export-json")) {
      $("export-json").addEventListener("click", () => exportSelected("json"));
      $("export-csv").addEventListener("click", () => exportSelected("csv"));
    }
    updateExport();
    openShown();
  }

  // Moving inside the inbox without losing the key.
  const inside = (u) => u.origin === location.origin && u.pathname.startsWith("/panel/inbox") && !u.pathname.endsWith("/ciphertext");

  async function go(url, init, push) {
    let resp;
    try {
      resp = await fetch(url, Object.assign({ credentials: "same-origin" }, init || {}));
    } catch (e) {
      location.href = url; // let the browser say what is wrong
      return;
    }
    const final = new URL(resp.url);
    if (!inside(final)) { location.href = resp.url; return; } // the login page, say
    const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
    const main = doc.querySelector("main");
    if (!main) { location.href = resp.url; return; }
    document.querySelector("main").replaceWith(document.adoptNode(main));
    document.title = doc.title;
    if (push) history.pushState({}, "", final.href);
    enhance();
    const focus = document.querySelector("main h1");
    if (focus) { focus.tabIndex = -1; focus.focus(); }
  }

  document.addEventListener("click", (ev) => {
    const a = ev.target.closest && ev.target.closest("a[href]");
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || a.hasAttribute("download")) return;
    const u = new URL(a.href, location.href);
    if (identity === null || !inside(u)) return;
    ev.preventDefault();
    go(u.href, null, true);
  });

  document.addEventListener("submit", (ev) => {
    const f = ev.target;
    const u = new URL(f.action, location.href);
    if (identity === null || !inside(u) || f.id === "inbox-select") return;
    ev.preventDefault();
    const data = new URLSearchParams(new FormData(f));
    if (f.method.toLowerCase() === "post") {
      go(u.href, { method: "POST", body: data, headers: { "Content-Type": "application/x-www-form-urlencoded" } }, true);
    } else {
      u.search = data.toString();
      go(u.href, null, true);
    }
  });

  window.addEventListener("popstate", () => {
    if (identity !== null && inside(new URL(location.href))) go(location.href, null, false);
  });

  document.addEventListener("submit", (ev) => { if (ev.target.id === "inbox-select") ev.preventDefault(); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhance);
  else enhance();
})();
