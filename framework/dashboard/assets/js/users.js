// Users: the list, a user's page, and my profile.
import { api, me, setMe } from "./api.js";
import { busy, confirmBox, field, fmtDate, fullName, h, messages, notice, pager } from "./ui.js";
import { link, navigate, setFlash } from "./router.js";

const PAGE = 20;
const listFields = "id,email,first_name,last_name,created_at";

const sorts = [
  ["email", "Email, A to Z"],
  ["-email", "Email, Z to A"],
  ["first_name", "First name, A to Z"],
  ["last_name", "Last name, A to Z"],
  ["-created_at", "Newest first"],
  ["created_at", "Oldest first"],
];

// listControls is the search box and the sort menu of a list page; submit
// puts them in the address (so back, forward and reload keep them).
export function listControls({ label, q, order, orders, onchange }) {
  const search = h("input", { type: "search", name: "q", value: q || "" });
  const sort = h("select", { name: "order" }, orders.map(([v, t]) => h("option", { value: v, selected: v === order }, t)));
  sort.value = order;
  const form = h("form", { class: "controls", role: "search" },
    field(label, search), field("Sort by", sort), h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    onchange({ q: search.value.trim(), order: sort.value, offset: 0 });
  });
  sort.addEventListener("change", () => onchange({ q: search.value.trim(), order: sort.value, offset: 0 }));
  return form;
}

export function pageURL(path, params) {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== undefined && v !== null && !(k === "offset" && !v)) s.set(k, v);
  const qs = s.toString();
  return qs ? path + "?" + qs : path;
}

export async function usersPage({ main, query }) {
  const q = query.get("q") || "";
  const order = query.get("order") || "email";
  const offset = Math.max(0, parseInt(query.get("offset") || "0", 10) || 0);
  const go = (p) => navigate(pageURL("/users", { q, order, offset, ...p }));
  main.append(h("div", { class: "titlebar" }, h("h1", {}, "Users"), link("/invites", "Invite a user", { class: "button" })),
    listControls({ label: "Search users", q, order, orders: sorts, onchange: go }));
  const region = h("div", { class: "results" });
  main.append(region);
  let res;
  try {
    res = await api("GET", "/admin/users", { query: { q, order, offset, limit: PAGE, fields: listFields } });
  } catch (err) {
    region.append(notice("error", err.message));
    return;
  }
  if (res.users.length === 0) {
    region.append(h("p", { role: "status" }, q ? `No users match “${q}”.` : "No users yet."));
    return;
  }
  const table = h("table", {},
    h("caption", { class: "sr-only" }, "Users"),
    h("thead", {}, h("tr", {}, ["Email", "First name", "Last name", "Created"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, res.users.map((u) => h("tr", {},
      h("td", {}, link("/users/" + encodeURIComponent(u.id), u.email)),
      h("td", {}, u.first_name || "-"),
      h("td", {}, u.last_name || "-"),
      h("td", {}, fmtDate(u.created_at))))));
  region.append(h("div", { class: "table-wrap" }, table), pager({ offset: res.offset, limit: PAGE, count: res.count, estimated: res.count_estimated, shown: res.users.length, noun: "users", go: (o) => go({ offset: o }) }));
  performance.mark("users-rows");
}

// userForm edits first name, last name and avatar URL; onsaved gets the
// updated user.
function userForm(u, onsaved) {
  const first = h("input", { name: "first_name", autocomplete: "off", value: u.first_name || "" });
  const last = h("input", { name: "last_name", autocomplete: "off", value: u.last_name || "" });
  const avatar = h("input", { type: "url", name: "avatar_url", autocomplete: "off", value: u.avatar_url || "", placeholder: "https://" });
  const msg = messages();
  const form = h("form", { class: "edit", novalidate: true },
    field("First name", first), field("Last name", last), field("Avatar URL", avatar, "A link to a picture (https://…). Leave empty for none."), msg,
    h("button", { type: "submit", class: "primary" }, "Save changes"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    const url = avatar.value.trim();
    if (url && !/^https?:\/\/\S+$/i.test(url)) return msg.show("error", "The avatar URL must start with https:// or http://.");
    await busy(form, async () => {
      try {
        const res = await api("POST", "/admin/users/" + encodeURIComponent(u.id), {
          body: { first_name: first.value.trim() || null, last_name: last.value.trim() || null, avatar_url: url || null },
        });
        msg.show("success", "Changes saved.");
        onsaved(res.user);
      } catch (err) {
        msg.show("error", err.message);
      }
    });
  });
  return form;
}

function summary(u) {
  const pic = u.avatar_url && /^https:\/\//i.test(u.avatar_url)
    ? h("img", { class: "avatar", src: u.avatar_url, alt: "", referrerpolicy: "no-referrer", width: 64, height: 64 })
    : h("div", { class: "avatar placeholder", "aria-hidden": "true" }, (u.first_name || u.email || "?").slice(0, 1).toUpperCase());
  return h("div", { class: "summary" }, pic,
    h("dl", {},
      h("dt", {}, "Name"), h("dd", {}, fullName(u) || "-"),
      h("dt", {}, "Email"), h("dd", {}, u.email),
      h("dt", {}, "Avatar URL"), h("dd", {}, u.avatar_url || "-"),
      h("dt", {}, "Created"), h("dd", {}, fmtDate(u.created_at))));
}

export async function userPage({ main, params, user: self }) {
  const id = params[0];
  let u;
  try {
    u = (await api("GET", "/admin/users/" + encodeURIComponent(id))).user;
  } catch (err) {
    main.append(h("h1", {}, "User"), notice("error", err.message), h("p", {}, link("/users", "Back to users")));
    return;
  }
  const title = h("h1", {}, u.email);
  const sum = h("div", {}, summary(u));
  const del = h("section", { class: "danger-zone", "aria-labelledby": "del-h" }, h("h2", { id: "del-h" }, "Delete user"));
  if (u.id === self.id) {
    del.append(h("p", {}, "This is you. You cannot delete your own account; another admin can."));
  } else {
    const msg = messages();
    const btn = h("button", {
      type: "button", class: "danger", onclick: () => {
        btn.hidden = true;
        const who = fullName(u) || u.email;
        del.append(confirmBox(`Delete ${who}? They will no longer be able to sign in. This cannot be undone.`, "Yes, delete user", async (box) => {
          try {
            await api("DELETE", "/admin/users/" + encodeURIComponent(u.id));
            setFlash("success", `${u.email} was deleted.`);
            navigate("/users");
          } catch (err) {
            box.remove();
            btn.hidden = false;
            msg.show("error", err.message);
          }
        }, () => { btn.hidden = false; btn.focus(); }));
      },
    }, "Delete user");
    del.append(h("p", {}, "The user loses access at once."), btn, msg);
  }
  main.append(h("p", { class: "crumbs" }, link("/users", "Users")), title, sum,
    h("section", { "aria-labelledby": "edit-h" }, h("h2", { id: "edit-h" }, "Edit user"),
      userForm(u, (nu) => { u = nu; sum.replaceChildren(summary(nu)); })),
    del);
}

export async function profilePage({ main }) {
  let u = await me();
  const sum = h("div", {}, summary(u));
  main.append(h("h1", {}, "My profile"), h("p", { class: "lead" }, "Manage your profile details."), sum,
    h("section", { "aria-labelledby": "edit-h" }, h("h2", { id: "edit-h" }, "Edit profile"),
      userForm(u, (nu) => { u = nu; setMe(nu); sum.replaceChildren(summary(nu)); })));
}
