// Paper sheets: while sheets wait to be read, refresh the counts, then reload to show them.
(function () {
  "use strict";
  var status = document.getElementById("paper-progress");
  if (!status || status.dataset.waiting === "0") { return; }
  var words = document.getElementById("paper-counts");
  var bar = status.querySelector("progress");
  function poll() {
    fetch(status.dataset.url, {credentials: "same-origin"})
      .then(function (answer) { return answer.json(); })
      .then(function (counts) {
        if (counts.waiting === 0) { window.location.reload(); return; }
        words.textContent = counts.waiting + " waiting to be read · " + counts.ready +
          " ready to check · " + counts.retake + " to photograph again · " + counts.added +
          " added";
        var total = counts.waiting + counts.ready + counts.retake + counts.added + counts.replaced;
        bar.max = total || 1;
        bar.value = total - counts.waiting;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1500);
}());

// Redrawing an area: click round it on the sheet; the outline (page mm) goes in a hidden field.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var drawing = null;

  function at(svg, event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var inside = point.matrixTransform(svg.getScreenCTM().inverse());
    return [inside.x.toFixed(1), inside.y.toFixed(1)];
  }

  function addPoint(event) {
    drawing.points.push(at(drawing.svg, event));
    drawing.line.setAttribute("points", drawing.points.map(function (p) { return p.join(","); }).join(" "));
    drawing.status.textContent = drawing.points.length + " point(s). Keep clicking round area " +
      drawing.number + ", then choose Finish the outline.";
  }

  function stop() {
    drawing.svg.removeEventListener("click", addPoint);
    drawing.svg.classList.remove("drawing");
    drawing.line.remove();
    drawing.controls.hidden = true;
    drawing = null;
  }

  function finish() {
    if (drawing.points.length < 3) {
      drawing.status.textContent = "Click at least three points round the area first.";
      return;
    }
    var outline = drawing.points.map(function (p) { return p.join(","); }).join(" ");
    document.getElementById("redraw-" + drawing.key).value = drawing.key.replace("-", ":") + ":" + outline;
    document.getElementById("zone-" + drawing.key).setAttribute("points", outline);
    drawing.status.textContent = "Area " + drawing.number + " redrawn.";
    stop();
  }

  function start(event) {
    if (drawing) { stop(); }
    var button = event.currentTarget;
    var card = button.closest(".paper-sheet");
    var svg = card.querySelector("svg.paper-preview");
    var line = document.createElementNS(SVG, "polyline");
    line.setAttribute("class", "redrawing");
    svg.appendChild(line);
    drawing = {svg: svg, line: line, points: [], number: Number(button.dataset.index) + 1,
               key: button.dataset.sheet + "-" + button.dataset.index,
               status: card.querySelector(".redraw-status"),
               controls: card.querySelector(".redraw-controls")};
    drawing.controls.hidden = false;
    svg.classList.add("drawing");
    svg.addEventListener("click", addPoint);
    drawing.status.textContent = "Click round area " + drawing.number + " on the sheet, then choose Finish the outline.";
  }

  document.querySelectorAll("button.redraw").forEach(function (button) {
    button.addEventListener("click", start);
  });
  document.querySelectorAll(".redraw-finish").forEach(function (button) {
    button.addEventListener("click", function () { if (drawing) { finish(); } });
  });
  document.querySelectorAll(".redraw-cancel").forEach(function (button) {
    button.addEventListener("click", function () {
      if (drawing) { drawing.status.textContent = "Redrawing cancelled."; stop(); }
    });
  });
}());
