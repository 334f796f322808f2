// Every page's behaviour, from a file (Content-Security-Policy: no inline script).
document.addEventListener("submit", function (e) {
  // A button may ask its own question (批准 and 驳回 of one form), else the form asks.
  var msg = (e.submitter && e.submitter.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); return; }
  // Show progress and prevent a second click; disable only after the browser has taken the
  // form data, or the clicked button's name/value (批准/驳回) would be left out.
  var b = e.submitter && e.submitter.hasAttribute("data-busy") ? e.submitter : e.target.querySelector("button[data-busy]");
  if (b) { setTimeout(function () { b.disabled = true; b.textContent = b.getAttribute("data-busy"); }, 0); }
});

// 查看完整: one audited reveal of a whole ID number (civaffairs/_id.html).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.reveal").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      e.stopImmediatePropagation();
      fetch(f.action, {method: "POST", body: new FormData(f), headers: {"X-Requested-With": "fetch"}})
        .then(function (r) { if (!r.ok) throw new Error("无权查看"); return r.json(); })
        .then(function (d) { f.previousElementSibling.textContent = d.id_number; f.remove(); })
        .catch(function (err) { alert(err.message); });
    });
  });
});
