// A background job's page (civaffairs/job.html): poll its status until it ends, moving the
// progress bar; then reload, so the page shows the outcome and the link to the result.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("job");
  if (!box || box.getAttribute("data-live") !== "1") return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var status = document.getElementById("job-status");
  var stage = document.getElementById("job-stage");
  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        if (!d.live) { window.location.reload(); return; }
        bar.value = d.percent;
        bar.textContent = d.percent + "%";
        count.textContent = d.total ? d.done + " / " + d.total : "";
        status.textContent = d.status_label;
        stage.textContent = d.stage;
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
});
