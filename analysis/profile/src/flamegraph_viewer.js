// engram-perf flame graph viewer: zoom, search and details for the frames of
// this SVG. `cfg` is defined just before this code by the renderer.
// Each frame is <g data-o=OFFSET data-n=SAMPLES data-d=DEPTH><title/><rect/><text/></g>
// inside <g id="frames">; offsets and widths are in samples, so zooming
// recomputes positions exactly instead of from rounded pixels.
(function () {
  "use strict";
  var framesGroup = document.getElementById("frames");
  var details = document.getElementById("details");
  var unzoomButton = document.getElementById("unzoom");
  var searchButton = document.getElementById("search");
  var matchedText = document.getElementById("matched");
  var usableWidth = cfg.width - 2 * cfg.xpad;
  var charWidth = cfg.fontSize * cfg.fontWidth;
  var frames = [];
  var frameOfElement = new Map();
  var searching = false;

  function frameName(title) {
    var cut = title.lastIndexOf(" (");
    return cut < 0 ? title : title.substring(0, cut);
  }

  // Same rule as the renderer: the name if it fits, else a prefix and "..",
  // nothing below 3 characters.
  function fitName(name, width) {
    var chars = Math.floor((width - 3) / charWidth);
    if (chars < 3) return "";
    var points = Array.from(name);
    if (points.length <= chars) return name;
    return points.slice(0, chars - 2).join("") + "..";
  }

  function place(frame, x, width) {
    frame.rect.setAttribute("x", x.toFixed(2));
    frame.rect.setAttribute("width", width.toFixed(2));
    frame.text.setAttribute("x", (x + 3).toFixed(2));
    frame.text.textContent = fitName(frame.name, width);
  }

  function show(frame, visible) {
    if (visible) frame.g.classList.remove("hide");
    else frame.g.classList.add("hide");
  }

  function zoom(target) {
    var scale = usableWidth / target.n;
    var end = target.o + target.n;
    unzoomButton.classList.remove("hide");
    frames.forEach(function (frame) {
      frame.g.classList.remove("parent");
      if (frame.d < target.d) {
        // Ancestors span the zoomed frame: full width, faded.
        var ancestor = frame.o <= target.o && frame.o + frame.n >= end;
        show(frame, ancestor);
        if (ancestor) {
          frame.g.classList.add("parent");
          place(frame, cfg.xpad, usableWidth);
        }
      } else {
        var inside = frame.o >= target.o && frame.o + frame.n <= end;
        show(frame, inside);
        if (inside) place(frame, cfg.xpad + (frame.o - target.o) * scale, frame.n * scale);
      }
    });
  }

  function unzoom() {
    var scale = usableWidth / cfg.total;
    unzoomButton.classList.add("hide");
    frames.forEach(function (frame) {
      frame.g.classList.remove("parent");
      show(frame, true);
      place(frame, cfg.xpad + frame.o * scale, frame.n * scale);
    });
  }

  function resetSearch() {
    frames.forEach(function (frame) {
      frame.rect.setAttribute("fill", frame.fill);
    });
    searching = false;
    searchButton.textContent = "Search";
    searchButton.classList.remove("active");
    matchedText.textContent = " ";
  }

  // Highlights every frame whose name matches; the matched share counts each
  // sample once even when nested frames both match.
  function search(term) {
    var pattern;
    try {
      pattern = new RegExp(term);
    } catch (err) {
      window.alert("Not a valid regular expression: " + err.message);
      return null;
    }
    resetSearch();
    var hits = frames.filter(function (frame) {
      return pattern.test(frame.name);
    });
    hits.forEach(function (frame) {
      frame.rect.setAttribute("fill", cfg.matchColor);
    });
    hits.sort(function (a, b) {
      return a.o - b.o || b.n - a.n;
    });
    var covered = 0;
    var coveredEnd = 0;
    hits.forEach(function (frame) {
      var end = frame.o + frame.n;
      if (end <= coveredEnd) return;
      covered += end - Math.max(frame.o, coveredEnd);
      coveredEnd = end;
    });
    var percent = cfg.total > 0 ? (100 * covered) / cfg.total : 0;
    searching = true;
    searchButton.textContent = "Reset Search";
    searchButton.classList.add("active");
    matchedText.textContent = "Matched: " + percent.toFixed(1) + "%";
    return percent;
  }

  function searchPrompt() {
    var term = window.prompt("Enter a search term (regexp allowed, eg: ^engram::)", "");
    if (term !== null && term !== "") search(term);
  }

  function frameOf(element) {
    while (element && element !== framesGroup) {
      var frame = frameOfElement.get(element);
      if (frame) return frame;
      element = element.parentNode;
    }
    return null;
  }

  Array.prototype.forEach.call(framesGroup.querySelectorAll("g"), function (g) {
    var title = g.querySelector("title").textContent;
    var rect = g.querySelector("rect");
    var frame = {
      g: g,
      rect: rect,
      text: g.querySelector("text"),
      o: Number(g.getAttribute("data-o")),
      n: Number(g.getAttribute("data-n")),
      d: Number(g.getAttribute("data-d")),
      title: title,
      name: frameName(title),
      fill: rect.getAttribute("fill")
    };
    frames.push(frame);
    frameOfElement.set(g, frame);
  });

  framesGroup.addEventListener("mouseover", function (event) {
    var frame = frameOf(event.target);
    if (frame) details.textContent = cfg.detailsPrefix + frame.title;
  });
  framesGroup.addEventListener("mouseout", function () {
    details.textContent = " ";
  });
  framesGroup.addEventListener("click", function (event) {
    var frame = frameOf(event.target);
    if (frame) zoom(frame);
  });
  unzoomButton.addEventListener("click", unzoom);
  searchButton.addEventListener("click", function () {
    if (searching) resetSearch();
    else searchPrompt();
  });
  window.addEventListener("keydown", function (event) {
    var find = event.key === "F3" || ((event.ctrlKey || event.metaKey) && (event.key === "f" || event.key === "F"));
    if (find) {
      event.preventDefault();
      searchPrompt();
    } else if (event.key === "Escape") {
      unzoom();
      resetSearch();
    }
  });

  // For automated checks of the viewer: zoom, unzoom and search by hand.
  window.engramFlameGraph = { frames: frames, zoom: zoom, unzoom: unzoom, search: search, resetSearch: resetSearch };
})();
