// The content editor's live check: as the moderator types, the form goes (unsaved) to the
// portal, which runs the kiosk's own validator over the draft with this file in place and
// answers the problems by input id; each is shown next to its field.
(function () {
  'use strict';
  const form = document.getElementById('editor');
  if (!form) { return; }
  const url = form.dataset.check;
  const count = document.getElementById('live-count');
  const general = document.getElementById('general-problems');
  const others = document.getElementById('others');
  let timer = null;
  let seq = 0;

  function show(res) {
    form.querySelectorAll('.field-error').forEach(function (p) { p.textContent = ''; p.hidden = true; });
    form.querySelectorAll('[aria-invalid]').forEach(function (el) { el.removeAttribute('aria-invalid'); });
    let n = 0;
    Object.entries(res.fields || {}).forEach(function ([id, problems]) {
      n += problems.length;
      const p = document.getElementById('err-' + id);
      if (p) { p.textContent = problems.join(' '); p.hidden = false; }
      const input = document.getElementById(id);
      if (input) { input.setAttribute('aria-invalid', 'true'); }
    });
    const items = (res.general || []).map(function (text) {
      const li = document.createElement('li');
      li.textContent = text;
      return li;
    });
    general.replaceChildren.apply(general, items);
    n += items.length;
    count.textContent = n === 0 ? form.dataset.ok : form.dataset.count.replace('{N}', String(n));
    others.hidden = !res.others;
    others.textContent = form.dataset.others.replace('{N}', String(res.others || 0));
  }

  async function check() {
    const mine = ++seq;
    const body = new URLSearchParams(new FormData(form));
    try {
      const r = await fetch(url, { method: 'POST', body: body, credentials: 'same-origin' });
      if (!r.ok || mine !== seq) { return; }
      const res = await r.json();
      if (mine === seq) { show(res); }
    } catch (e) {
      // Offline or the session ended: the check on saving still runs.
    }
  }

  function soon(ms) {
    clearTimeout(timer);
    timer = setTimeout(check, ms);
  }
  form.addEventListener('input', function () { soon(400); });
  form.addEventListener('change', function () { soon(50); });
})();
