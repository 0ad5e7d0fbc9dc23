// The wizard's submission key pair, made in the administrator's tab by age.wasm
// (filippo.io/age in WebAssembly, agewasm/main.go). The private key is offered once, as a
// file in age-keygen's format, and then forgotten: it is never put into the form, fetched
// anywhere or stored. Only the public key (age1…) goes into the form's "klucz" field.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const box = $("keygen");
  if (!box) return;
  const msg = (name) => box.dataset["msg" + name[0].toUpperCase() + name.slice(1)] || name;
  let ready = null;
  let url = null; // the object URL of the offered file, revoked once it is taken

  function loadAge() {
    if (!ready) {
      ready = (async () => {
        if (typeof WebAssembly !== "object" || typeof Go !== "function") throw new Error("nowasm");
        const go = new Go();
        const res = await WebAssembly.instantiateStreaming(fetch("/panel/static/age.wasm"), go.importObject);
        go.run(res.instance);
        if (!window.infomatAge || !window.infomatAge.generate) throw new Error("nowasm");
        return window.infomatAge;
      })();
      ready.catch(() => { ready = null; });
    }
    return ready;
  }

  function status(text, bad) {
    const st = $("key-status");
    st.textContent = text;
    st.className = bad ? "error" : "";
  }

  function forget() {
    if (url) URL.revokeObjectURL(url);
    url = null;
    const a = $("key-download");
    a.removeAttribute("href");
    $("key-download-box").hidden = true;
  }

  async function generate() {
    let age;
    try { age = await loadAge(); } catch (e) { status(msg("nowasm"), true); return; }
    const pair = age.generate();
    if (pair.error) { status(msg("nowasm"), true); return; }
    forget();
    // age-keygen's own format, so the file works with age -d -i and the inbox alike.
    const created = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    const text = "# created: " + created + "\n# public key: " + pair.recipient + "\n" + pair.identity + "\n";
    url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const a = $("key-download");
    a.href = url;
    $("key-download-box").hidden = false;
    const key = $("w-klucz");
    key.value = pair.recipient;
    $("key-print-public").textContent = pair.recipient;
    status(msg("made"));
    a.focus();
  }

  $("key-download").addEventListener("click", () => {
    if (!url) return;
    // Let the browser start the download from this click, then drop the only copy.
    setTimeout(() => { forget(); status(msg("downloaded")); $("key-generate").textContent = msg("again"); }, 1000);
  });
  $("key-print").addEventListener("click", () => {
    document.body.classList.add("printing-key");
    window.print();
    document.body.classList.remove("printing-key");
  });
  $("key-generate").addEventListener("click", generate);
  $("key-generate").hidden = false;
  $("key-print").hidden = false;
})();
