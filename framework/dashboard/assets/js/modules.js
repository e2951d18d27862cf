// Module pages, made from the server's OpenAPI document
// (GET /admin/openapi.json): for every list route under /admin that the
// document describes ({<plural>: [...], count, offset, limit}), a list page
// with search, filters, sorting and pagination, and a page per record with
// its fields, an edit form made from the update schema, soft delete, and
// restore when the document has a restore route.
import { api } from "./api.js";
import { busy, confirmBox, field, fmtDateTime, h, messages, notice, pager } from "./ui.js";
import { link, navigate, setFlash } from "./router.js";
import { pageURL } from "./users.js";

const PAGE = 20;
const STANDARD = new Set(["fields", "limit", "offset", "order", "q", "with_deleted"]);
const TIMESTAMPS = new Set(["created_at", "updated_at", "deleted_at"]);

let docPromise = null;

function loadDoc() {
  if (!docPromise) docPromise = api("GET", "/admin/openapi.json").catch(() => null);
  return docPromise;
}

function deref(doc, s) {
  let n = 0;
  while (s && s.$ref && n++ < 10) {
    const parts = s.$ref.replace(/^#\//, "").split("/");
    s = parts.reduce((o, k) => (o ? o[k] : undefined), doc);
  }
  return s || {};
}

function jsonSchemaOf(doc, op, code) {
  const c = op && op.responses && op.responses[code] && op.responses[code].content;
  return c && c["application/json"] ? deref(doc, c["application/json"].schema) : null;
}

// types lists a property schema's JSON types without "null"; nullable tells
// whether null is allowed.
function types(s) {
  const t = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  return { t: t.filter((x) => x !== "null"), nullable: t.includes("null") };
}

function kind(s) {
  if (s.enum) return "enum";
  const { t } = types(s);
  if (t.length !== 1) return "json";
  if (t[0] === "string" && s.format === "date-time") return "datetime";
  return t[0]; // string, integer, number, boolean, array, object
}

function title(name) {
  const s = name.replace(/[_-]+/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// moduleResources reads the resources the document describes (once).
export async function moduleResources() {
  const doc = await loadDoc();
  if (!doc || !doc.paths) return [];
  const out = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const m = path.match(/^\/admin\/([a-z0-9_-]+)$/);
    if (!m || !item.get) continue;
    const list = jsonSchemaOf(doc, item.get, "200");
    const props = (list && list.properties) || {};
    const plural = Object.keys(props).find((k) => props[k].type === "array" && props[k].items);
    if (!plural || !props.count) continue;
    const one = doc.paths[path + "/{id}"] || {};
    const itemSchema = deref(doc, props[plural].items);
    const got = jsonSchemaOf(doc, one.get, "200");
    const singular = (got && got.properties && Object.keys(got.properties)[0]) || plural.replace(/s$/, "");
    const body = one.post && one.post.requestBody && one.post.requestBody.content && one.post.requestBody.content["application/json"];
    const params = (item.get.parameters || []).map((p) => deref(doc, p));
    out.push({
      name: m[1], path, plural, singular, title: title(m[1]),
      fields: itemSchema.properties || {},
      search: params.some((p) => p.name === "q"),
      filters: params.filter((p) => p.in === "query" && !STANDARD.has(p.name)),
      retrieve: !!one.get,
      update: body ? deref(doc, body.schema).properties || {} : null,
      remove: !!one.delete,
      restore: !!(doc.paths[path + "/{id}/restore"] && doc.paths[path + "/{id}/restore"].post),
    });
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  return out;
}

async function resource(main, name) {
  const r = (await moduleResources()).find((x) => x.name === name);
  if (!r) main.append(h("h1", {}, "Not found"), notice("error", `No module resource named “${name}”.`));
  return r;
}

function display(v) {
  if (v === null || v === undefined || v === "") return "-";
  if (typeof v === "object") return JSON.stringify(v);
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v)) return fmtDateTime(v);
  return String(v);
}

// filterFields: the query parameters the document declares, else the
// record's scalar fields (the generated list routes filter on each with
// equality).
function filterFields(r) {
  if (r.filters.length) return r.filters.map((p) => [p.name, p.schema || {}]);
  return Object.entries(r.fields).filter(([n, s]) => n !== "id" && !TIMESTAMPS.has(n) && ["enum", "boolean", "string", "integer", "number"].includes(kind(s)));
}

export async function moduleListPage({ main, params, query }) {
  const r = await resource(main, params[0]);
  if (!r) return;
  const cols = Object.entries(r.fields).filter(([n, s]) => !TIMESTAMPS.has(n) && !["json", "array", "object"].includes(kind(s)));
  // The first column names the row and links to it: a field called like a
  // name, else the first text field, else the id.
  const rest = cols.filter(([n]) => n !== "id");
  const lead = ["name", "title", "email", "handle", "code", "value", "label"].find((n) => rest.some(([m]) => m === n)) ||
    (rest.find(([, s]) => kind(s) === "string") || [])[0];
  const shown = lead ? [rest.find(([n]) => n === lead), ...rest.filter(([n]) => n !== lead)].slice(0, 5) : [["id", {}], ...rest.slice(0, 4)];
  const sortable = cols.concat(Object.entries(r.fields).filter(([n]) => TIMESTAMPS.has(n) && n !== "deleted_at"));
  const q = query.get("q") || "";
  const order = query.get("order") || (r.fields.created_at ? "-created_at" : "id");
  const offset = Math.max(0, parseInt(query.get("offset") || "0", 10) || 0);
  const filters = {};
  for (const [n] of filterFields(r)) if (query.get(n)) filters[n] = query.get(n);
  const go = (p) => navigate(pageURL("/modules/" + r.name, { q, order, offset, ...filters, ...p }));

  main.append(h("h1", {}, r.title));
  const controls = h("form", { class: "controls", role: "search" });
  const search = h("input", { type: "search", name: "q", value: q });
  if (r.search) controls.append(field("Search " + r.name, search));
  const sortSel = h("select", { name: "order" }, sortable.flatMap(([n]) => [
    h("option", { value: n }, `${title(n)}, ascending`), h("option", { value: "-" + n }, `${title(n)}, descending`)]));
  sortSel.value = order;
  controls.append(field("Sort by", sortSel));
  const filterInputs = {};
  const ff = filterFields(r);
  if (ff.length) {
    const fs = h("fieldset", { class: "filters" }, h("legend", {}, "Filters"));
    for (const [n, s] of ff) {
      let c;
      const k = kind(s);
      if (k === "boolean") c = h("select", { name: n }, h("option", { value: "" }, "Any"), h("option", { value: "true" }, "Yes"), h("option", { value: "false" }, "No"));
      else if (k === "enum") c = h("select", { name: n }, h("option", { value: "" }, "Any"), s.enum.map((v) => h("option", { value: v }, v)));
      else c = h("input", { name: n, type: k === "integer" || k === "number" ? "number" : "text", step: k === "number" ? "any" : undefined });
      c.value = filters[n] || "";
      filterInputs[n] = c;
      fs.append(field(title(n), c));
    }
    controls.append(fs);
  }
  controls.append(h("button", { type: "submit" }, ff.length ? "Apply search and filters" : "Search"));
  controls.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = {};
    for (const [n, c] of Object.entries(filterInputs)) f[n] = c.value.trim();
    navigate(pageURL("/modules/" + r.name, { q: search.value.trim(), order: sortSel.value, ...f }));
  });
  main.append(controls);
  const region = h("div", { class: "results" });
  main.append(region);
  let res;
  try {
    res = await api("GET", r.path, { query: { q: r.search ? q : undefined, order, offset, limit: PAGE, ...filters } });
  } catch (err) {
    region.append(notice("error", err.message));
    return;
  }
  const rows = res[r.plural] || [];
  if (!rows.length) {
    region.append(h("p", { role: "status" }, `No ${r.name} found.`));
    return;
  }
  region.append(h("div", { class: "table-wrap" }, h("table", {},
    h("caption", { class: "sr-only" }, r.title),
    h("thead", {}, h("tr", {}, shown.map(([n]) => h("th", { scope: "col" }, title(n))), r.fields.updated_at ? h("th", { scope: "col" }, "Updated") : null)),
    h("tbody", {}, rows.map((x) => h("tr", {},
      shown.map(([n], i) => h("td", {}, i === 0 && r.retrieve ? link(`/modules/${r.name}/${encodeURIComponent(x.id)}`, display(x[n])) : display(x[n]))),
      r.fields.updated_at ? h("td", {}, display(x.updated_at)) : null))))),
  pager({ offset: res.offset, limit: PAGE, count: res.count, estimated: res.count_estimated, shown: rows.length, noun: r.name, go: (o) => go({ offset: o }) }));
}

// control makes the edit control of one updatable field and a reader that
// returns [ok, value or error message].
function control(name, s, value) {
  const k = kind(s);
  const { nullable } = types(s);
  let c, read;
  if (k === "boolean") {
    c = h("input", { type: "checkbox", name, checked: !!value });
    read = () => [true, c.checked];
  } else if (k === "enum") {
    c = h("select", { name }, nullable ? h("option", { value: "" }, "(none)") : null, s.enum.map((v) => h("option", { value: v }, v)));
    c.value = value ?? "";
    read = () => [true, c.value === "" ? null : c.value];
  } else if (k === "integer" || k === "number") {
    c = h("input", { type: "number", name, step: k === "integer" ? "1" : "any", value: value ?? "" });
    read = () => {
      if (c.value === "") return nullable ? [true, null] : [false, `${title(name)} is required.`];
      const n = Number(c.value);
      if (!Number.isFinite(n) || (k === "integer" && !Number.isInteger(n))) return [false, `${title(name)} must be ${k === "integer" ? "a whole number" : "a number"}.`];
      return [true, n];
    };
  } else if (k === "array") {
    c = h("input", { name, value: (value || []).join(", ") });
    read = () => (c.value.trim() === "" && nullable ? [true, null] : [true, c.value.split(",").map((x) => x.trim()).filter(Boolean)]);
  } else if (k === "json" || k === "object") {
    c = h("textarea", { name, rows: 4, value: value === undefined || value === null ? "" : JSON.stringify(value, null, 2) });
    read = () => {
      if (c.value.trim() === "") return [true, null];
      try {
        return [true, JSON.parse(c.value)];
      } catch {
        return [false, `${title(name)} is not valid JSON.`];
      }
    };
  } else {
    c = h("input", { name, value: value ?? "" });
    read = () => (c.value === "" && nullable ? [true, null] : [true, c.value]);
  }
  const hint = { datetime: "Date and time, such as 2026-01-31T12:00:00Z.", array: "Separate values with commas.", json: "JSON.", object: "JSON." }[k];
  return { el: field(title(name), c, hint), read };
}

export async function moduleItemPage({ main, params }) {
  const r = await resource(main, params[0]);
  if (!r) return;
  const id = params[1];
  const url = `${r.path}/${encodeURIComponent(id)}`;
  main.append(h("p", { class: "crumbs" }, link("/modules/" + r.name, r.title)));
  let x;
  try {
    x = (await api("GET", url))[r.singular];
  } catch (err) {
    main.append(h("h1", {}, title(r.singular)), notice("error", err.message));
    return;
  }
  const details = h("dl", { class: "record" });
  const fill = (rec) => details.replaceChildren(...Object.keys(r.fields).flatMap((n) => [h("dt", {}, title(n)), h("dd", {}, display(rec[n]))]));
  fill(x);
  main.append(h("h1", {}, `${title(r.singular)} ${x.id}`), details);

  if (r.update && Object.keys(r.update).length) {
    const controls = Object.entries(r.update).map(([n, s]) => [n, control(n, s, x[n])]);
    const msg = messages();
    const form = h("form", { class: "edit", novalidate: true }, controls.map(([, c]) => c.el), msg, h("button", { type: "submit", class: "primary" }, "Save changes"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      msg.clear();
      const body = {};
      for (const [n, c] of controls) {
        const [ok, v] = c.read();
        if (!ok) return msg.show("error", v);
        if (JSON.stringify(v) !== JSON.stringify(x[n] ?? null)) body[n] = v;
      }
      if (!Object.keys(body).length) return msg.show("success", "Nothing to save: no field changed.");
      await busy(form, async () => {
        try {
          x = (await api("POST", url, { body }))[r.singular];
          fill(x);
          msg.show("success", "Changes saved.");
        } catch (err) {
          msg.show("error", err.message);
        }
      });
    });
    main.append(h("section", { "aria-labelledby": "edit-h" }, h("h2", { id: "edit-h" }, "Edit " + r.singular), form));
  }

  if (r.remove) {
    const msg = messages();
    const zone = h("section", { class: "danger-zone", "aria-labelledby": "del-h" }, h("h2", { id: "del-h" }, "Delete " + r.singular));
    const btn = h("button", {
      type: "button", class: "danger", onclick: () => {
        btn.hidden = true;
        zone.append(confirmBox(`Delete ${r.singular} ${x.id}? It is soft-deleted: hidden from lists${r.restore ? ", and can be restored" : ""}.`, "Yes, delete " + r.singular, async (box) => {
          try {
            await api("DELETE", url);
            box.remove();
            if (r.restore) {
              msg.show("success", `${title(r.singular)} deleted. `, h("button", {
                type: "button", onclick: async () => {
                  try {
                    await api("POST", url + "/restore");
                    setFlash("success", `${title(r.singular)} restored.`);
                    navigate(`/modules/${r.name}/${encodeURIComponent(x.id)}`, { replace: true });
                  } catch (err) {
                    msg.show("error", err.message);
                  }
                },
              }, "Restore " + r.singular));
            } else {
              setFlash("success", `${title(r.singular)} ${x.id} deleted.`);
              navigate("/modules/" + r.name);
            }
          } catch (err) {
            box.remove();
            btn.hidden = false;
            msg.show("error", err.message);
          }
        }, () => { btn.hidden = false; btn.focus(); }));
      },
    }, "Delete " + r.singular);
    zone.append(btn, msg);
    main.append(zone);
  }
}
