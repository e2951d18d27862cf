// History-API routing under the dashboard's path.
import { h } from "./ui.js";

export const base = document.querySelector('meta[name="admin-path"]').content;

let renderFn = () => {};
let flash = null;

export function onNavigate(fn) {
  renderFn = fn;
}

// href is the URL of a dashboard page ("/users" → "/app/users").
export function href(page) {
  return base + page;
}

// current is the page path under the dashboard ("/users/user_1").
export function current() {
  const p = location.pathname.slice(base.length) || "/";
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}

export function navigate(page, { replace = false } = {}) {
  history[replace ? "replaceState" : "pushState"](null, "", href(page));
  return renderFn();
}

// link is an in-app link: a real href (open in a new tab works) that the
// router follows without reloading.
export function link(page, text, props = {}) {
  return h("a", { href: href(page), "data-nav": page, ...props }, text);
}

// setFlash shows a message on the next page rendered.
export function setFlash(kind, text) {
  flash = { kind, text };
}

export function takeFlash() {
  const f = flash;
  flash = null;
  return f;
}

// dropQuery removes the query string (a token) from the address bar and
// from history, keeping the page.
export function dropQuery() {
  history.replaceState(null, "", location.pathname);
}

document.addEventListener("click", (e) => {
  const a = e.target.closest && e.target.closest("a[data-nav]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute("data-nav"));
});

window.addEventListener("popstate", () => renderFn());
