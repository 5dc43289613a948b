// Runs the flame graph viewer script of an SVG in Node with a minimal DOM and
// reports what zoom, unzoom, search, Ctrl-F and hovering did, as JSON on
// standard output. Used by test_viewer_script.cpp; not a browser test (no
// layout or rendering), but it executes the real embedded script.
//
// usage: node viewer_check.js FILE.svg FRAME_TO_ZOOM SEARCH_TERM
"use strict";
const fs = require("fs");
const vm = require("vm");

const [svgPath, zoomName, searchTerm] = process.argv.slice(2);
const svg = fs.readFileSync(svgPath, "utf8");

function decode(text) {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_, e) => ({ lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" })[e]);
}

class Element {
  constructor(tag, attributes) {
    this.tagName = tag;
    this.attributes = attributes;
    this.children = [];
    this.parentNode = null;
    this.text = "";
    this.listeners = {};
    const element = this;
    this.classList = {
      contains: (c) => (element.attributes.class || "").split(/\s+/).includes(c),
      add: (c) => {
        if (!element.classList.contains(c)) element.attributes.class = ((element.attributes.class || "") + " " + c).trim();
      },
      remove: (c) => {
        element.attributes.class = (element.attributes.class || "").split(/\s+/).filter((x) => x && x !== c).join(" ");
      },
    };
  }
  get textContent() {
    return this.text + this.children.map((c) => c.textContent).join("");
  }
  set textContent(value) {
    this.text = String(value);
    this.children = [];
  }
  getAttribute(name) {
    return name in this.attributes ? this.attributes[name] : null;
  }
  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }
  descendants() {
    const all = [];
    for (const child of this.children) all.push(child, ...child.descendants());
    return all;
  }
  querySelectorAll(tag) {
    return this.descendants().filter((e) => e.tagName === tag);
  }
  querySelector(tag) {
    return this.querySelectorAll(tag)[0] || null;
  }
  addEventListener(type, listener) {
    (this.listeners[type] = this.listeners[type] || []).push(listener);
  }
  dispatch(type, event) {
    // Bubbles from the target up to the root, as DOM events do.
    for (let node = this; node; node = node.parentNode) {
      for (const listener of node.listeners[type] || []) listener(event);
    }
  }
}

// A parser for the renderer's own output: elements, attributes, text; the
// script's CDATA is taken out first.
const scriptMatch = svg.match(/<script type="text\/ecmascript"><!\[CDATA\[([\s\S]*?)\]\]><\/script>/);
if (!scriptMatch) throw new Error("no viewer script in " + svgPath);
const markup = svg.replace(scriptMatch[0], "").replace(/<\?xml[^>]*\?>/, "").replace(/<!--[\s\S]*?-->/g, "");
const root = new Element("#document", {});
let current = root;
const tokens = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
let match;
while ((match = tokens.exec(markup)) !== null) {
  const [, closing, tag, attributeText, selfClosing, text] = match;
  if (text !== undefined) {
    if (current !== root) current.children.push(Object.assign(new Element("#text", {}), { text: decode(text) }));
    continue;
  }
  if (closing) {
    current = current.parentNode;
    continue;
  }
  const attributes = {};
  for (const a of attributeText.matchAll(/([\w:-]+)="([^"]*)"/g)) attributes[a[1]] = decode(a[2]);
  const element = new Element(tag, attributes);
  element.parentNode = current;
  current.children.push(element);
  if (!selfClosing) current = element;
}
// Text nodes must not count as elements for querySelector.
for (const e of root.descendants()) e.children = e.children.filter((c) => c.tagName !== "#text" || e.tagName === "title" || e.tagName === "text");
for (const e of root.descendants()) {
  if (e.tagName === "title" || e.tagName === "text") {
    e.text = e.children.map((c) => c.text).join("");
    e.children = [];
  }
}

const windowListeners = {};
const prompts = [];
const alerts = [];
const windowObject = {
  prompt: (message) => {
    prompts.push(message);
    return searchTerm;
  },
  alert: (message) => alerts.push(message),
  addEventListener: (type, listener) => (windowListeners[type] = windowListeners[type] || []).push(listener),
};
const documentObject = {
  documentElement: root.children[0],
  getElementById: (id) => root.descendants().find((e) => e.attributes.id === id) || null,
};
vm.runInNewContext(scriptMatch[1], { window: windowObject, document: documentObject });

const api = windowObject.engramFlameGraph;
const frames = api.frames;
const state = (f) => ({
  name: f.name,
  x: Number(f.rect.getAttribute("x")),
  width: Number(f.rect.getAttribute("width")),
  text: f.text.textContent,
  hidden: f.g.classList.contains("hide"),
  parent: f.g.classList.contains("parent"),
  fill: f.rect.getAttribute("fill"),
});
const result = { frames: frames.length, before: frames.map(state) };

// Hover: the details line shows the tooltip.
const target = frames.find((f) => f.name === zoomName);
if (!target) throw new Error("no frame named " + zoomName);
target.rect.dispatch("mouseover", { target: target.rect });
result.details = documentObject.getElementById("details").textContent;

// Click to zoom.
target.rect.dispatch("click", { target: target.rect });
result.zoomed = frames.map(state);
result.unzoomHidden = documentObject.getElementById("unzoom").classList.contains("hide");

// Reset Zoom.
documentObject.getElementById("unzoom").dispatch("click", { target: documentObject.getElementById("unzoom") });
result.unzoomed = frames.map(state);
result.unzoomHiddenAfter = documentObject.getElementById("unzoom").classList.contains("hide");

// Ctrl-F asks for a term and searches.
let prevented = false;
for (const listener of windowListeners.keydown || []) {
  listener({ key: "f", ctrlKey: true, metaKey: false, preventDefault: () => (prevented = true) });
}
result.ctrlFPrevented = prevented;
result.prompts = prompts.length;
result.matched = documentObject.getElementById("matched").textContent;
result.searchButton = documentObject.getElementById("search").textContent;
result.highlighted = frames.filter((f) => f.rect.getAttribute("fill") === "rgb(230,0,230)").map((f) => f.name);

// Clicking "Reset Search" restores the colours.
documentObject.getElementById("search").dispatch("click", { target: documentObject.getElementById("search") });
result.matchedAfterReset = documentObject.getElementById("matched").textContent;
result.fillsRestored = frames.every((f) => f.rect.getAttribute("fill") === f.fill);
// An invalid expression is reported, not thrown.
result.invalidSearch = api.search("(");
result.alerts = alerts.length;

process.stdout.write(JSON.stringify(result));
