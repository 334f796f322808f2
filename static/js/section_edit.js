// 工作总结 section editor: the HTML preview beside the text follows what is typed (a POST to the
// section's preview URL, 400 ms after the last keystroke). A file of its own: the CSP allows no
// inline script.
(function () {
  var form = document.getElementById("section-form"), pane = document.getElementById("preview"), timer;
  if (!form || !pane) { return; }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(pane.getAttribute("data-url"), {method: "POST", body: new FormData(form), credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) { pane.innerHTML = html; } });
    }, 400);
  });
})();
