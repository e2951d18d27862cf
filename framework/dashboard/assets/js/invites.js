// Invites: send one, list them with their status, resend, copy the accept
// link, delete.
import { api } from "./api.js";
import { busy, confirmBox, field, fmtDate, h, messages, notice, pager } from "./ui.js";
import { base, navigate } from "./router.js";
import { listControls, pageURL } from "./users.js";

const PAGE = 20;

const sorts = [
  ["-created_at", "Newest first"],
  ["created_at", "Oldest first"],
  ["email", "Email, A to Z"],
  ["expires_at", "Expiring first"],
];

export function acceptLink(token) {
  return location.origin + base + "/invite?token=" + encodeURIComponent(token);
}

function status(inv) {
  if (inv.accepted) return ["accepted", "Accepted", "Accepted on " + fmtDate(inv.updated_at)];
  if (new Date(inv.expires_at) < new Date()) return ["expired", "Expired", "Expired on " + fmtDate(inv.expires_at)];
  return ["pending", "Pending", "Valid until " + fmtDate(inv.expires_at)];
}

export async function invitesPage({ main, query }) {
  const show = query.get("show") === "accepted" ? "accepted" : "open";
  const q = query.get("q") || "";
  const order = query.get("order") || "-created_at";
  const offset = Math.max(0, parseInt(query.get("offset") || "0", 10) || 0);
  const go = (p) => navigate(pageURL("/invites", { show: show === "accepted" ? "accepted" : "", q, order, offset, ...p }));

  // Send an invite.
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "off", placeholder: "john.doe@example.com" });
  const sendMsg = messages();
  const send = h("form", { class: "inline", novalidate: true }, field("Email", email), h("button", { type: "submit", class: "primary" }, "Send invite"), sendMsg);
  send.addEventListener("submit", async (e) => {
    e.preventDefault();
    sendMsg.clear();
    if (!email.value.trim() || !email.checkValidity()) return sendMsg.show("error", "Enter a valid e-mail address.");
    await busy(send, async () => {
      try {
        const { invite } = await api("POST", "/admin/invites", { body: { email: email.value.trim() } });
        email.value = "";
        await renderList(`Invite sent to ${invite.email}.`);
      } catch (err) {
        sendMsg.show("error", err.message);
      }
    });
  });

  const showSel = h("select", { name: "show" },
    h("option", { value: "open", selected: show === "open" }, "Pending and expired"),
    h("option", { value: "accepted", selected: show === "accepted" }, "Accepted"));
  showSel.value = show;
  showSel.addEventListener("change", () => navigate(pageURL("/invites", { show: showSel.value === "accepted" ? "accepted" : "", order })));

  main.append(h("h1", {}, "Invites"),
    h("section", { "aria-labelledby": "send-h" }, h("h2", { id: "send-h" }, "Invite a user"), h("p", { class: "lead" }, "They get an e-mail with a link to create their account."), send),
    h("h2", {}, "Sent invites"), h("div", { class: "controls" }, field("Show", showSel)),
    listControls({ label: "Search invites", q, order, orders: sorts, onchange: go }));
  const region = h("div", { class: "results" });
  const listMsg = messages();
  main.append(listMsg, region);

  async function renderList(message) {
    const params = { q, order, offset, limit: PAGE, fields: "id,email,accepted,token,expires_at,created_at,updated_at" };
    if (show === "accepted") Object.assign(params, { accepted: "true", "deleted_at[$gt]": "1970-01-01T00:00:00Z" });
    let res;
    try {
      res = await api("GET", "/admin/invites", { query: params });
    } catch (err) {
      region.replaceChildren(notice("error", err.message));
      return;
    }
    if (message) listMsg.show("success", message);
    if (res.invites.length === 0) {
      region.replaceChildren(h("p", { role: "status" }, show === "accepted" ? "No accepted invites." : "No pending invites."));
      return;
    }
    const rows = res.invites.map((inv) => {
      const [cls, label, tip] = status(inv);
      const actions = h("div", { class: "row-actions" });
      const who = inv.email;
      if (!inv.accepted) {
        actions.append(
          h("button", {
            type: "button", "aria-label": `Resend invite to ${who}`, onclick: async (e) => {
              e.target.disabled = true;
              try {
                await api("POST", `/admin/invites/${encodeURIComponent(inv.id)}/resend`);
                await renderList(`Invite resent to ${who}. The previous link no longer works.`);
              } catch (err) {
                e.target.disabled = false;
                listMsg.show("error", err.message);
              }
            },
          }, "Resend invite"),
          h("button", {
            type: "button", "aria-label": `Copy invite link for ${who}`, onclick: async () => {
              const linkText = acceptLink(inv.token);
              const out = h("div", { class: "copied" });
              try {
                await navigator.clipboard.writeText(linkText);
                out.append(notice("success", `Invite link for ${who} copied.`));
              } catch {
                const box = h("input", { readonly: true, value: linkText });
                out.append(field(`Invite link for ${who}`, box, "Copy it from here."));
                queueMicrotask(() => box.select());
              }
              listMsg.replaceChildren(out);
            },
          }, "Copy invite link"),
          h("button", {
            type: "button", class: "danger", "aria-label": `Delete invite for ${who}`, onclick: (e) => {
              const btn = e.target;
              btn.hidden = true;
              actions.append(confirmBox(`Delete the invite for ${who}? Its link will stop working.`, "Yes, delete invite", async (box) => {
                try {
                  await api("DELETE", `/admin/invites/${encodeURIComponent(inv.id)}`);
                  await renderList(`Invite for ${who} deleted.`);
                } catch (err) {
                  box.remove();
                  btn.hidden = false;
                  listMsg.show("error", err.message);
                }
              }, () => { btn.hidden = false; btn.focus(); }));
            },
          }, "Delete invite"));
      }
      return h("tr", {},
        h("td", {}, inv.email),
        h("td", {}, h("span", { class: "badge " + cls, title: tip }, label), h("span", { class: "sub" }, tip)),
        h("td", {}, fmtDate(inv.created_at)),
        h("td", {}, actions));
    });
    region.replaceChildren(
      h("div", { class: "table-wrap" }, h("table", {},
        h("caption", { class: "sr-only" }, "Invites"),
        h("thead", {}, h("tr", {}, ["Email", "Status", "Sent", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows))),
      pager({ offset: res.offset, limit: PAGE, count: res.count, estimated: res.count_estimated, shown: rows.length, noun: "invites", go: (o) => go({ offset: o }) }));
  }
  await renderList();
}
