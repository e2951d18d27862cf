// Medusa's own JS SDK (@medusajs/js-sdk, pinned in package.json) against a
// running medusa-go server. Run by e2e/jssdk_test.go, which starts the server
// and creates the first admin; by hand:
//   MEDUSA_URL=http://localhost:9000 ADMIN_EMAIL=... ADMIN_PASSWORD=... npm test
import { test } from "node:test"
import assert from "node:assert/strict"
import Medusa from "@medusajs/js-sdk"

const baseUrl = process.env.MEDUSA_URL
const adminEmail = process.env.ADMIN_EMAIL
const adminPassword = process.env.ADMIN_PASSWORD
assert.ok(baseUrl && adminEmail && adminPassword, "MEDUSA_URL, ADMIN_EMAIL and ADMIN_PASSWORD must be set")

const client = () => new Medusa({ baseUrl, auth: { type: "jwt", jwtTokenStorageMethod: "memory" } })

// status runs fn and returns the HTTP status of the FetchError it throws.
async function status(fn) {
  try {
    await fn()
  } catch (e) {
    return e.status
  }
  assert.fail("expected the request to fail")
}

test("admin scenario through @medusajs/js-sdk", async (t) => {
  const admin = client()
  let me

  await t.test("login and me", async () => {
    const res = await admin.auth.login("user", "emailpass", { email: adminEmail, password: adminPassword })
    assert.equal(typeof res, "string", "login returns the token")
    ;({ user: me } = await admin.admin.user.me())
    assert.equal(me.email, adminEmail)
    assert.match(me.id, /^user_[0-9A-Z]{26}$/)
  })

  await t.test("wrong password is 401 with a neutral message", async () => {
    const c = client()
    assert.equal(await status(() => c.auth.login("user", "emailpass", { email: adminEmail, password: "nope" })), 401)
    assert.equal(await status(() => c.auth.login("user", "emailpass", { email: "nobody@example.com", password: "nope" })), 401)
  })

  await t.test("users list, retrieve, update", async () => {
    const list = await admin.admin.user.list({ q: adminEmail.split("@")[0], limit: 10 })
    assert.ok(list.count >= 1)
    assert.equal(list.limit, 10)
    assert.equal(list.offset, 0)
    assert.ok(list.users.some((u) => u.id === me.id))

    const { user } = await admin.admin.user.retrieve(me.id, { fields: "id,email" })
    assert.deepEqual(Object.keys(user).sort(), ["email", "id"])

    const { user: updated } = await admin.admin.user.update(me.id, { first_name: "Ada", metadata: { team: "ops" } })
    assert.equal(updated.first_name, "Ada")
    assert.deepEqual(updated.metadata, { team: "ops" })

    assert.equal(await status(() => admin.admin.user.retrieve("user_doesnotexist")), 404)
    assert.equal(await status(() => admin.admin.user.update(me.id, { email: "x@y.z" })), 400)
    assert.equal(await status(() => admin.admin.user.list({ limit: -1 })), 400)
  })

  let invite
  await t.test("invites create, list, retrieve, resend", async () => {
    ;({ invite } = await admin.admin.invite.create({ email: "invitee@example.com" }))
    assert.match(invite.id, /^invite_/)
    assert.equal(invite.accepted, false)
    assert.ok(invite.token)

    const list = await admin.admin.invite.list({ email: "invitee@example.com" })
    assert.equal(list.count, 1)
    const { invite: got } = await admin.admin.invite.retrieve(invite.id)
    assert.equal(got.email, "invitee@example.com")

    const { invite: resent } = await admin.admin.invite.resend(invite.id)
    assert.notEqual(resent.token, invite.token, "resend issues a new token")
    invite = { ...invite, oldToken: invite.token, token: resent.token }

    assert.equal(await status(() => admin.admin.invite.create({ email: "invitee@example.com" })), 400)
    assert.equal(await status(() => admin.admin.invite.create({ email: adminEmail })), 400)
  })

  await t.test("register and accept the invite, then refresh the token", async () => {
    const invitee = client()
    await invitee.auth.register("user", "emailpass", { email: "invitee@example.com", password: "s3cret-pass" })
    // The resent invite's old token no longer works.
    assert.equal(await status(() => invitee.admin.invite.accept({ invite_token: invite.oldToken, first_name: "New" })), 401)
    const { user } = await invitee.admin.invite.accept({ invite_token: invite.token, first_name: "New" })
    assert.equal(user.email, "invitee@example.com")
    assert.equal(user.first_name, "New")
    // The invite is consumed.
    assert.equal(await status(() => invitee.admin.invite.accept({ invite_token: invite.token })), 401)
    await invitee.auth.refresh()
    const { user: me2 } = await invitee.admin.user.me()
    assert.equal(me2.id, user.id)

    assert.equal(await status(() => admin.admin.invite.retrieve(invite.id)), 404)
    // A user cannot delete itself; an admin can delete another user.
    assert.equal(await status(() => invitee.admin.user.delete(user.id)), 400)
    const del = await admin.admin.user.delete(user.id)
    assert.deepEqual(del, { id: user.id, object: "user", deleted: true })
  })

  await t.test("invite delete", async () => {
    const { invite: other } = await admin.admin.invite.create({ email: "other@example.com" })
    const del = await admin.admin.invite.delete(other.id)
    assert.deepEqual(del, { id: other.id, object: "invite", deleted: true })
  })

  await t.test("no or bad credentials are 401", async () => {
    const anon = client()
    assert.equal(await status(() => anon.admin.user.list()), 401)
    assert.equal(await status(() => anon.admin.invite.list()), 401)
    await admin.auth.logout()
    assert.equal(await status(() => admin.admin.user.me()), 401)
  })
})
