package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/opt"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/flows"
)

func ptr[T any](v T) *T { return &v }

// scenario is one workflow run on prepared data.
type scenario struct {
	workflow string
	// setup prepares the data and returns the state run needs.
	setup func(t *testing.T, e *env) map[string]string
	run   func(ctx context.Context, e *env, st map[string]string, opts ...workflows.RunOption) error
	// check verifies the outcome of the successful run.
	check func(t *testing.T, e *env, st map[string]string)
	// released are the workflow events of the successful run, in order
	// (names only: ids are generated).
	released []string
}

func scenarios() []scenario {
	return []scenario{{
		workflow: "create-users-workflow",
		setup:    func(*testing.T, *env) map[string]string { return nil },
		run: func(ctx context.Context, e *env, _ map[string]string, opts ...workflows.RunOption) error {
			_, err := flows.CreateUsersWorkflow.Run(ctx, e.root.Scope(), flows.CreateUsersInput{Users: []user.CreateUserInput{
				{Email: "a@test.com", FirstName: ptr("Ann")}, {Email: "b@test.com"},
			}}, opts...)
			return err
		},
		check: func(t *testing.T, e *env, _ map[string]string) {
			if _, n, _ := e.users.ListAndCountUsers(context.Background(), user.UserFilter{}); n != 2 {
				t.Fatalf("%d users, want 2", n)
			}
		},
		released: []string{flows.WorkflowEventUserCreated, flows.WorkflowEventUserCreated},
	}, {
		workflow: "update-users-workflow",
		setup: func(t *testing.T, e *env) map[string]string {
			u, err := e.users.CreateUsers(context.Background(), user.CreateUserInput{Email: "a@test.com", FirstName: ptr("Ann"), Metadata: json.RawMessage(`{"k": 1}`)},
				user.CreateUserInput{Email: "b@test.com"})
			if err != nil {
				t.Fatal(err)
			}
			return map[string]string{"a": u[0].ID, "b": u[1].ID}
		},
		run: func(ctx context.Context, e *env, st map[string]string, opts ...workflows.RunOption) error {
			_, err := flows.UpdateUsersWorkflow.Run(ctx, e.root.Scope(), flows.UpdateUsersInput{Updates: []user.UpdateUserInput{
				{ID: st["a"], FirstName: opt.Null[string](), LastName: opt.Some("Smith"), Metadata: opt.Null[json.RawMessage]()},
				{ID: st["b"], AvatarURL: opt.Some("https://x/y.png"), Metadata: opt.Some(json.RawMessage(`{"b": true}`))},
			}}, opts...)
			return err
		},
		check: func(t *testing.T, e *env, st map[string]string) {
			a, _ := e.users.RetrieveUser(context.Background(), st["a"])
			if a.FirstName != nil || a.LastName == nil || *a.LastName != "Smith" || a.Metadata != nil {
				t.Fatalf("updated a = %+v", a)
			}
		},
		released: []string{flows.WorkflowEventUserUpdated, flows.WorkflowEventUserUpdated},
	}, {
		workflow: "delete-user",
		setup: func(t *testing.T, e *env) map[string]string {
			u, err := e.users.CreateUsers(context.Background(), user.CreateUserInput{Email: "a@test.com"})
			if err != nil {
				t.Fatal(err)
			}
			return map[string]string{"a": u[0].ID}
		},
		run: func(ctx context.Context, e *env, st map[string]string, opts ...workflows.RunOption) error {
			_, err := flows.DeleteUsersWorkflow.Run(ctx, e.root.Scope(), flows.DeleteUsersInput{IDs: []string{st["a"]}}, opts...)
			return err
		},
		check: func(t *testing.T, e *env, st map[string]string) {
			if _, err := e.users.RetrieveUser(context.Background(), st["a"]); !merrors.Is(err, merrors.NotFound) {
				t.Fatalf("deleted user retrieved: %v", err)
			}
		},
		released: []string{flows.WorkflowEventUserDeleted},
	}, {
		workflow: "create-user-account",
		setup: func(t *testing.T, e *env) map[string]string {
			e.identity(t, "authid_1", `{"other": 1}`)
			return nil
		},
		run: func(ctx context.Context, e *env, _ map[string]string, opts ...workflows.RunOption) error {
			_, err := flows.CreateUserAccountWorkflow.Run(ctx, e.root.Scope(), flows.CreateUserAccountInput{
				AuthIdentityID: "authid_1", UserData: user.CreateUserInput{Email: "a@test.com"}}, opts...)
			return err
		},
		check: func(t *testing.T, e *env, _ map[string]string) {
			u, err := e.users.ListUsers(context.Background(), user.UserFilter{Email: sqlb.Eq("a@test.com")})
			if err != nil || len(u) != 1 {
				t.Fatalf("users %+v, %v", u, err)
			}
			if got, want := e.appMetadata(t, "authid_1"), fmt.Sprintf(`{"other": 1, "user_id": %q}`, u[0].ID); got != want {
				t.Fatalf("app_metadata %s, want %s", got, want)
			}
		},
		released: []string{flows.WorkflowEventUserCreated},
	}, {
		workflow: "remove-user-account",
		setup: func(t *testing.T, e *env) map[string]string {
			u, err := e.users.CreateUsers(context.Background(), user.CreateUserInput{Email: "a@test.com"})
			if err != nil {
				t.Fatal(err)
			}
			e.identity(t, "authid_1", fmt.Sprintf(`{"user_id": %q}`, u[0].ID))
			e.identity(t, "authid_2", `{"user_id": "someone_else"}`)
			return map[string]string{"a": u[0].ID}
		},
		run: func(ctx context.Context, e *env, st map[string]string, opts ...workflows.RunOption) error {
			_, err := flows.RemoveUserAccountWorkflow.Run(ctx, e.root.Scope(), flows.RemoveUserAccountInput{UserID: st["a"]}, opts...)
			return err
		},
		check: func(t *testing.T, e *env, st map[string]string) {
			if _, err := e.users.RetrieveUser(context.Background(), st["a"]); !merrors.Is(err, merrors.NotFound) {
				t.Fatalf("removed user retrieved: %v", err)
			}
			if got := e.appMetadata(t, "authid_1"); got != `{"user_id": null}` {
				t.Fatalf("app_metadata %s, want user_id null", got)
			}
			if got := e.appMetadata(t, "authid_2"); got != `{"user_id": "someone_else"}` {
				t.Fatalf("other identity touched: %s", got)
			}
		},
		released: []string{flows.WorkflowEventUserDeleted},
	}, {
		workflow: "create-invite-step",
		setup:    func(*testing.T, *env) map[string]string { return nil },
		run: func(ctx context.Context, e *env, _ map[string]string, opts ...workflows.RunOption) error {
			_, err := flows.CreateInvitesWorkflow.Run(ctx, e.root.Scope(), flows.CreateInvitesInput{Invites: []user.CreateInviteInput{
				{Email: "a@test.com"}, {Email: "b@test.com", Metadata: json.RawMessage(`{"role":"admin"}`)},
			}}, opts...)
			return err
		},
		check: func(t *testing.T, e *env, _ map[string]string) {
			if _, n, _ := e.users.ListAndCountInvites(context.Background(), user.InviteFilter{}); n != 2 {
				t.Fatalf("%d invites, want 2", n)
			}
		},
		released: []string{flows.WorkflowEventInviteCreated, flows.WorkflowEventInviteCreated},
	}, {
		workflow: "delete-invites-workflow",
		setup: func(t *testing.T, e *env) map[string]string {
			inv, err := e.users.CreateInvites(context.Background(), user.CreateInviteInput{Email: "a@test.com"})
			if err != nil {
				t.Fatal(err)
			}
			return map[string]string{"a": inv[0].ID}
		},
		run: func(ctx context.Context, e *env, st map[string]string, opts ...workflows.RunOption) error {
			_, err := flows.DeleteInvitesWorkflow.Run(ctx, e.root.Scope(), flows.DeleteInvitesInput{IDs: []string{st["a"]}}, opts...)
			return err
		},
		check: func(t *testing.T, e *env, st map[string]string) {
			if _, err := e.users.RetrieveInvite(context.Background(), st["a"]); !merrors.Is(err, merrors.NotFound) {
				t.Fatalf("deleted invite retrieved: %v", err)
			}
		},
		released: []string{flows.WorkflowEventInviteDeleted},
	}, {
		workflow: "refresh-invite-tokens-workflow",
		setup: func(t *testing.T, e *env) map[string]string {
			inv, err := e.users.CreateInvites(context.Background(), user.CreateInviteInput{Email: "a@test.com"})
			if err != nil {
				t.Fatal(err)
			}
			return map[string]string{"a": inv[0].ID, "token": inv[0].Token}
		},
		run: func(ctx context.Context, e *env, st map[string]string, opts ...workflows.RunOption) error {
			_, err := flows.RefreshInviteTokensWorkflow.Run(ctx, e.root.Scope(), flows.RefreshInviteTokensInput{InviteIDs: []string{st["a"]}}, opts...)
			return err
		},
		check: func(t *testing.T, e *env, st map[string]string) {
			ctx := context.Background()
			inv, _ := e.users.RetrieveInvite(ctx, st["a"])
			if inv.Token == st["token"] {
				t.Fatal("token not refreshed")
			}
			if _, err := e.users.ValidateInviteToken(ctx, st["token"]); !merrors.Is(err, merrors.Unauthorized) {
				t.Fatalf("old token after resend: %v", err)
			}
		},
		released: []string{flows.WorkflowEventInviteResent},
	}, {
		workflow: "accept-invite-workflow",
		setup: func(t *testing.T, e *env) map[string]string {
			inv, err := e.users.CreateInvites(context.Background(), user.CreateInviteInput{Email: "invited@test.com"})
			if err != nil {
				t.Fatal(err)
			}
			e.identity(t, "authid_1", "")
			return map[string]string{"invite": inv[0].ID, "token": inv[0].Token}
		},
		run: func(ctx context.Context, e *env, st map[string]string, opts ...workflows.RunOption) error {
			_, err := flows.AcceptInviteWorkflow.Run(ctx, e.root.Scope(), flows.AcceptInviteInput{
				InviteToken: st["token"], AuthIdentityID: "authid_1", User: flows.AcceptInviteUser{FirstName: ptr("Ann")}}, opts...)
			return err
		},
		check: func(t *testing.T, e *env, st map[string]string) {
			ctx := context.Background()
			u, err := e.users.ListUsers(ctx, user.UserFilter{Email: sqlb.Eq("invited@test.com")})
			if err != nil || len(u) != 1 || u[0].FirstName == nil || *u[0].FirstName != "Ann" {
				t.Fatalf("users %+v, %v", u, err)
			}
			if got := e.appMetadata(t, "authid_1"); got != fmt.Sprintf(`{"user_id": %q}`, u[0].ID) {
				t.Fatalf("app_metadata %s", got)
			}
			if _, err := e.users.ValidateInviteToken(ctx, st["token"]); !merrors.Is(err, merrors.NotFound) {
				t.Fatalf("accepted invite's token: %v", err)
			}
		},
		released: []string{flows.WorkflowEventUserCreated, flows.WorkflowEventInviteAccepted},
	}}
}

// TestFailureAfterEachStep runs every workflow again and again, failing the
// run right after its 1st, 2nd, … step succeeded (the run's context is
// cancelled at that step's success, so the next step does not start, or the
// finished function is failed), until a run gets through. After each failed
// run the database is exactly as before the run and none of the workflow
// events emitted under the run's group was released; the successful run
// releases its events. Each workflow runs three ways:
//
//   - postgres/held: the failure is injected with workflows.AfterEachStep,
//     which leaves the engine as production runs it, holding a step's
//     transaction open until the next step or the finish (fewer commits; a
//     failure then commits the held steps and compensates them);
//   - postgres/subscriber and memory/subscriber: the failure is injected
//     from an engine subscriber's step_success event, which turns held
//     transactions off (one commit per step).
//
// The test fails if a workflow gets through without any failure injected,
// and if the held runs commit as often as the subscriber ones (then they did
// not take the held path).
func TestFailureAfterEachStep(t *testing.T) {
	commits := map[string]map[string]int64{} // mode → workflow → commits of the successful run
	for _, mode := range []string{"postgres/held", "postgres/subscriber", "memory/subscriber"} {
		commits[mode] = map[string]int64{}
		for _, sc := range scenarios() {
			t.Run(mode+"/"+sc.workflow, func(t *testing.T) {
				store, how, _ := strings.Cut(mode, "/")
				e := newEnv(t, store)
				st := sc.setup(t, e)
				for k := 1; ; k++ {
					if k > 20 {
						t.Fatal("no successful run after 20 injections")
					}
					before := e.snapshot(t)
					ctx, cancel := context.WithCancelCause(context.Background())
					var mu sync.Mutex
					var steps []string
					succeeded := func(step string) {
						mu.Lock()
						defer mu.Unlock()
						steps = append(steps, step)
						if len(steps) == k {
							cancel(workflows.ErrCancelled)
						}
					}
					txID := fmt.Sprintf("tx-%d", k)
					unsub := func() {}
					if how == "held" {
						ctx = workflows.AfterEachStep(ctx, succeeded)
					} else {
						unsub = e.engine.Subscribe(func(ev workflows.Event) {
							if ev.Type == workflows.EventStepSuccess && ev.TransactionID == txID {
								succeeded(ev.Step)
							}
						})
					}
					var info workflows.RunInfo
					commitsBefore := e.wire.Commits.Load()
					err := sc.run(ctx, e, st, workflows.WithTransactionID(txID), workflows.WithInfo(&info))
					unsub()
					cancel(nil)
					mu.Lock()
					n := len(steps)
					mu.Unlock()
					if n < k { // no injection: the run went through
						if k == 1 {
							t.Fatalf("the run went through with no failure injected (%d steps seen)", n)
						}
						if err != nil {
							t.Fatalf("run without injection: %v", err)
						}
						var names []string
						for _, r := range e.bus.released(info.EventGroupID) {
							names = append(names, strings.SplitN(r, " ", 2)[0])
						}
						if !slices.Equal(names, sc.released) {
							t.Fatalf("released %v, want %v", e.bus.released(info.EventGroupID), sc.released)
						}
						sc.check(t, e, st)
						commits[mode][sc.workflow] = e.wire.Commits.Load() - commitsBefore
						t.Logf("%d steps, %d failures injected, %d commits; success released %v", n, k-1, commits[mode][sc.workflow], e.bus.released(info.EventGroupID))
						return
					}
					var re *workflows.RunError
					if !errors.As(err, &re) || re.State != workflows.RunReverted {
						t.Fatalf("failure after step %d (%s): err = %v, want a reverted run", k, steps[k-1], err)
					}
					if after := e.snapshot(t); after != before {
						t.Fatalf("failure after step %d (%s): database not restored\nbefore %s\nafter  %s", k, steps[k-1], before, after)
					}
					if rel := e.bus.released(info.EventGroupID); len(rel) != 0 {
						t.Fatalf("failure after step %d: events released: %v", k, rel)
					}
					if held := e.bus.Held(info.EventGroupID); len(held) != 0 {
						t.Fatalf("failure after step %d: group not cleared: %v", k, held)
					}
					t.Logf("failure after step %d (%s): reverted; not released: %v", k, steps[k-1], e.bus.groupEmitted(info.EventGroupID))
				}
			})
		}
	}
	// The held runs took the path production takes: fewer commits than
	// with one commit per step.
	held, perStep := int64(0), int64(0)
	for wf, c := range commits["postgres/held"] {
		held += c
		perStep += commits["postgres/subscriber"][wf]
	}
	if !t.Failed() && held >= perStep {
		t.Fatalf("successful runs committed %d times on the held path and %d with one commit per step: the held path was not taken", held, perStep)
	}
}

// A failing step (not an injected one): the auth identity is already linked,
// so accepting reverts; the user is deleted again and the invite restored.
func TestAcceptInviteIdentityAlreadyLinked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "memory")
	inv, err := e.users.CreateInvites(ctx, user.CreateInviteInput{Email: "invited@test.com"})
	if err != nil {
		t.Fatal(err)
	}
	e.identity(t, "authid_1", `{"user_id": null}`) // unlinked by a removed account
	before := e.snapshot(t)
	var info workflows.RunInfo
	_, err = flows.AcceptInviteWorkflow.Run(ctx, e.root.Scope(), flows.AcceptInviteInput{InviteToken: inv[0].Token, AuthIdentityID: "authid_1"}, workflows.WithInfo(&info))
	var re *workflows.RunError
	if !errors.As(err, &re) || re.State != workflows.RunReverted || re.Errors[0].Step != "set-auth-app-metadata" {
		t.Fatalf("err = %v", err)
	}
	me, ok := merrors.As(re.Errors[0].Err)
	if !ok || me.Type != merrors.InvalidData || me.Message != "Key user_id already exists in app metadata" {
		t.Fatalf("step error = %v", re.Errors[0].Err)
	}
	if after := e.snapshot(t); after != before {
		t.Fatalf("database not restored\nbefore %s\nafter  %s", before, after)
	}
	if rel := e.bus.released(info.EventGroupID); len(rel) != 0 {
		t.Fatalf("released %v", rel)
	}
	// The invite still works for another identity.
	e.identity(t, "authid_2", "")
	if _, err := flows.AcceptInviteWorkflow.Run(ctx, e.root.Scope(), flows.AcceptInviteInput{InviteToken: inv[0].Token, AuthIdentityID: "authid_2"}); err != nil {
		t.Fatal(err)
	}
}

// Bad tokens never create a user.
func TestAcceptInviteBadTokens(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "memory")
	inv, err := e.users.CreateInvites(ctx, user.CreateInviteInput{Email: "invited@test.com"})
	if err != nil {
		t.Fatal(err)
	}
	e.identity(t, "authid_1", "")
	ref, err := flows.RefreshInviteTokensWorkflow.Run(ctx, e.root.Scope(), flows.RefreshInviteTokensInput{InviteIDs: []string{inv[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ token, msg string }{
		{"garbage", "jwt malformed"},
		{inv[0].Token, "Invalid invite token"}, // resent: the old token is dead
		{ref[0].Token[:len(ref[0].Token)-2] + "xx", "invalid signature"},
	} {
		_, err := flows.AcceptInviteWorkflow.Run(ctx, e.root.Scope(), flows.AcceptInviteInput{InviteToken: tc.token, AuthIdentityID: "authid_1"})
		var re *workflows.RunError
		if !errors.As(err, &re) || !strings.Contains(re.Errors[0].Err.Error(), tc.msg) || !merrors.Is(re.Errors[0].Err, merrors.Unauthorized) {
			t.Fatalf("token %q: %v, want unauthorized %q", tc.token, err, tc.msg)
		}
	}
	if _, n, _ := e.users.ListAndCountUsers(ctx, user.UserFilter{}, sqlb.FindConfig{WithDeleted: true}); n != 0 {
		t.Fatalf("%d users created from bad tokens", n)
	}
}

// Removing an account keeps app_metadata.user_id = null, so the identity
// cannot be linked again (Medusa's quirk 7).
func TestRemovedAccountIdentityCannotBeRelinked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "memory")
	e.identity(t, "authid_1", "")
	u, err := flows.CreateUserAccountWorkflow.Run(ctx, e.root.Scope(), flows.CreateUserAccountInput{AuthIdentityID: "authid_1", UserData: user.CreateUserInput{Email: "a@test.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flows.RemoveUserAccountWorkflow.Run(ctx, e.root.Scope(), flows.RemoveUserAccountInput{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = flows.CreateUserAccountWorkflow.Run(ctx, e.root.Scope(), flows.CreateUserAccountInput{AuthIdentityID: "authid_1", UserData: user.CreateUserInput{Email: "b@test.com"}})
	if !strings.Contains(fmt.Sprint(err), "Key user_id already exists in app metadata") {
		t.Fatalf("relink: %v", err)
	}
	if _, n, _ := e.users.ListAndCountUsers(ctx, user.UserFilter{Email: sqlb.Eq("b@test.com")}, sqlb.FindConfig{WithDeleted: true}); n != 0 {
		t.Fatal("the reverted account's user was left behind")
	}
}

// 50 concurrent acceptances of one invite, by 50 identities, half of them
// with their own email: exactly one user, one linked identity, and every
// other run reverted.
func TestAcceptInviteConcurrent(t *testing.T) {
	for _, store := range []string{"postgres", "memory"} {
		t.Run(store, func(t *testing.T) { acceptConcurrently(t, store) })
	}
}

func acceptConcurrently(t *testing.T, store string) {
	ctx := context.Background()
	e := newEnv(t, store)
	inv, err := e.users.CreateInvites(ctx, user.CreateInviteInput{Email: "invited@test.com"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	for i := range n {
		e.identity(t, fmt.Sprintf("authid_%02d", i), "")
	}
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			in := flows.AcceptInviteInput{InviteToken: inv[0].Token, AuthIdentityID: fmt.Sprintf("authid_%02d", i)}
			if i%2 == 1 {
				in.User.Email = ptr(fmt.Sprintf("own_%02d@test.com", i))
			}
			<-start
			_, errs[i] = flows.AcceptInviteWorkflow.Run(ctx, e.root.Scope(), in)
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		if err == nil {
			ok++
			continue
		}
		var re *workflows.RunError
		if !errors.As(err, &re) || re.State != workflows.RunReverted {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d acceptances succeeded, want 1", ok)
	}
	if _, cnt, _ := e.users.ListAndCountUsers(ctx, user.UserFilter{}, sqlb.FindConfig{WithDeleted: true}); cnt != 1 {
		t.Fatalf("%d users, want 1", cnt)
	}
	var linked int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM test_auth_identity WHERE app_metadata ? 'user_id'`).Scan(&linked); err != nil || linked != 1 {
		t.Fatalf("%d linked identities, %v", linked, err)
	}
	if _, err := e.users.RetrieveInvite(ctx, inv[0].ID); !merrors.Is(err, merrors.NotFound) {
		t.Fatalf("invite after acceptance: %v", err)
	}
	var runs int
	_ = e.pool.QueryRow(ctx, `SELECT count(*) FROM workflow_run`).Scan(&runs)
	if runs != 0 {
		t.Fatalf("%d runs left in the store", runs)
	}
}

// Every workflow is registered, so recovery finds it; registering twice is
// fine.
func TestRegister(t *testing.T) {
	e := workflows.NewEngine()
	if err := e.Register(flows.Workflows()...); err != nil {
		t.Fatal(err)
	}
	if err := e.Register(flows.Workflows()...); err != nil {
		t.Fatal(err)
	}
	other := workflows.New("accept-invite-workflow", func(*workflows.Context, struct{}) (struct{}, error) { return struct{}{}, nil })
	if err := e.Register(other); err == nil {
		t.Fatal("a different workflow took a registered name")
	}
	_ = container.New()
}
