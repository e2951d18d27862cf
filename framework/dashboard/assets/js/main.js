// The dashboard's entry point: the route table and the signed-in layout.
import { me, signOut } from "./api.js";
import { h, notice } from "./ui.js";
import { current, link, navigate, onNavigate, setFlash, takeFlash } from "./router.js";
import { loginPage, invitePage, resetPage } from "./auth.js";
import { usersPage, userPage, profilePage } from "./users.js";
import { invitesPage } from "./invites.js";
import { moduleResources, moduleListPage, moduleItemPage } from "./modules.js";

// Routes: pattern, page, and whether it needs a signed-in user.
const routes = [
  [/^\/login$/, loginPage, false],
  [/^\/reset-password$/, resetPage, false],
  [/^\/invite$/, invitePage, false],
  [/^\/users$/, usersPage, true],
  [/^\/users\/([^/]+)$/, userPage, true],
  [/^\/profile$/, profilePage, true],
  [/^\/invites$/, invitesPage, true],
  [/^\/modules\/([^/]+)$/, moduleListPage, true],
  [/^\/modules\/([^/]+)\/([^/]+)$/, moduleItemPage, true],
];

const root = document.getElementById("app");
let first = true;
let seq = 0;

async function render() {
  const my = ++seq;
  const path = current();
  if (path === "/") return navigate("/users", { replace: true });
  const route = routes.find(([re]) => re.test(path));
  const main = h("main", { id: "main", tabindex: "-1" });
  if (!route) {
    root.replaceChildren(main);
    main.append(h("h1", {}, "Page not found"), h("p", {}, link("/users", "Go to the users list")));
    return;
  }
  const [re, page, needsUser] = route;
  const params = path.match(re).slice(1).map(decodeURIComponent);
  const ctx = { main, params, query: new URLSearchParams(location.search), user: null };
  if (needsUser) {
    let user;
    try {
      [user] = await Promise.all([me(), moduleResources()]);
    } catch (e) {
      root.replaceChildren(h("main", { id: "main" }, notice("error", e.message)));
      return;
    }
    if (my !== seq) return;
    if (!user) {
      sessionStorage.setItem("after-login", path + location.search);
      return navigate("/login", { replace: true });
    }
    ctx.user = user;
    root.replaceChildren(await layout(user), main);
  } else {
    root.replaceChildren(main);
  }
  const f = takeFlash();
  if (f) main.append(notice(f.kind, f.text));
  await page(ctx);
  if (my !== seq) return;
  if (!first) (main.querySelector("h1") || main).focus();
  first = false;
}

async function layout(user) {
  const nav = h("ul", { class: "nav" },
    h("li", {}, link("/users", "Users")),
    h("li", {}, link("/invites", "Invites")));
  for (const r of await moduleResources()) nav.append(h("li", {}, link("/modules/" + r.name, r.title)));
  nav.append(h("li", {}, link("/profile", "My profile")));
  const path = current();
  for (const a of nav.querySelectorAll("a")) {
    const p = a.getAttribute("data-nav");
    if (path === p || path.startsWith(p + "/")) a.setAttribute("aria-current", "page");
  }
  return h("header", { class: "top" },
    h("div", { class: "brand" }, "Admin"),
    h("nav", { "aria-label": "Main" }, nav),
    h("div", { class: "who" },
      h("span", { class: "email" }, user.email),
      h("button", {
        type: "button", onclick: async () => {
          await signOut().catch(() => {});
          setFlash("success", "You are signed out.");
          navigate("/login");
        },
      }, "Sign out")));
}

onNavigate(render);
// Who is signed in and which module pages exist are asked at once, in
// parallel, while the first page starts.
if (!/^\/(login|invite|reset-password)$/.test(current())) {
  me().catch(() => {});
  moduleResources();
}
render();
