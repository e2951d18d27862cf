// Package flows holds the User Module's workflows and steps (Medusa's
// core-flows for users and invites): create, update and delete
// users; create, delete and resend invites; accept an invite; create and
// remove a user account linked to an auth identity.
//
// Steps and workflows are exported so that application workflows can reuse
// them (call a step with Step.Run, a workflow inside another with
// Workflow.RunAsStep). Every step that changes data has a compensation, so a
// run that fails is undone, newest step first. Workflow events
// (user.created, invite.accepted, …, payload {"id"} per record) are emitted
// by EmitEventStep under the run's event group: the bus releases them when
// the run succeeds and drops them when it reverts. The User Module's own
// module events (user.user.created, …) are emitted by the service after each
// commit, outside the group, as in Medusa.
//
// The steps that only call the User Module's service (create, update,
// delete, refresh and validate) are declared workflows.WithDatabaseOnly: the
// service writes in the step's transaction (and emits its module events in
// it on a transactional bus, or after its commit), so with the Postgres
// workflow store a run that starts with one of them stores its run record in
// that step's transaction instead of a commit of its own.
//
// DeleteUsersWorkflow (and RemoveUserAccountWorkflow through it) dismisses
// the deleted users' links to other modules' records with RemoveUserLinksStep,
// through the link service registered under link.Key, when there is one (as
// Medusa's deleteUsersWorkflow runs removeRemoteLinkStep).
//
// Steps resolve the User Module from the run's container under user.Key
// ("user") and the Auth Module under AuthKey ("auth") as an AuthIdentities.
// Register the workflows with the engine at start-up (Register) so that
// Engine.Recover can resume their interrupted runs.
package flows
