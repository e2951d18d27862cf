package workflows

import (
	"context"
	"slices"
	"sync"
	"time"
)

// MemoryStore keeps runs in process memory: the default store. Runs do not
// survive the process, so Recover finds nothing after a restart; idempotency,
// async steps, retention and the admin listing work as with pgstore.Store.
// Values are kept as the typed Go values the steps returned (no JSON).
type MemoryStore struct {
	mu   sync.RWMutex
	runs map[RunKey]*memRun
}

type memRun struct {
	rec   RunRecord
	steps []StepRecord
	index map[string]int // position → index in steps
}

func (m *memRun) put(st StepRecord) {
	if i, ok := m.index[st.Position]; ok {
		m.steps[i] = st
		return
	}
	m.index[st.Position] = len(m.steps)
	m.steps = append(m.steps, st)
}

func (m *memRun) get(pos string) (*StepRecord, bool) {
	i, ok := m.index[pos]
	if !ok {
		return nil, false
	}
	return &m.steps[i], true
}

// NewMemoryStore returns an empty memory store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{runs: map[RunKey]*memRun{}} }

var _ Store = (*MemoryStore)(nil)

// CreateRun implements Store.
func (s *MemoryStore) CreateRun(_ context.Context, r *RunRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.runs[r.RunKey]; ok {
		return ErrRunExists
	}
	now := time.Now()
	cp := *r
	if cp.CreatedAt.IsZero() {
		cp.CreatedAt = now
	}
	cp.UpdatedAt = now
	if cp.HeartbeatAt.IsZero() {
		cp.HeartbeatAt = now
	}
	s.runs[r.RunKey] = &memRun{rec: cp, index: map[string]int{}}
	return nil
}

// UpdateRun implements Store.
func (s *MemoryStore) UpdateRun(_ context.Context, r *RunRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.runs[r.RunKey]
	if !ok {
		return ErrRunNotFound
	}
	m.rec.State, m.rec.Output, m.rec.FinishedAt = r.State, r.Output, r.FinishedAt
	m.rec.Errors = slices.Clone(r.Errors)
	m.rec.UpdatedAt = time.Now()
	return nil
}

// DeleteRun implements Store.
func (s *MemoryStore) DeleteRun(_ context.Context, key RunKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.runs, key)
	return nil
}

// GetRun implements Store.
func (s *MemoryStore) GetRun(_ context.Context, key RunKey) (*RunRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.runs[key]
	if !ok {
		return nil, ErrRunNotFound
	}
	cp := m.rec
	cp.Errors = slices.Clone(m.rec.Errors)
	return &cp, nil
}

// ListRuns implements Store.
func (s *MemoryStore) ListRuns(_ context.Context, f ListFilter) ([]RunRecord, error) {
	s.mu.RLock()
	var out []RunRecord
	for _, m := range s.runs {
		if f.WorkflowID != "" && m.rec.WorkflowID != f.WorkflowID {
			continue
		}
		if len(f.States) > 0 && !slices.Contains(f.States, m.rec.State) {
			continue
		}
		cp := m.rec
		cp.Errors = slices.Clone(m.rec.Errors)
		out = append(out, cp)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b RunRecord) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		if a.TransactionID > b.TransactionID {
			return -1
		}
		if a.TransactionID < b.TransactionID {
			return 1
		}
		return 0
	})
	if f.Offset > 0 {
		out = out[min(f.Offset, len(out)):]
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Steps implements Store.
func (s *MemoryStore) Steps(_ context.Context, key RunKey) ([]StepRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.runs[key]
	if !ok {
		return nil, ErrRunNotFound
	}
	return slices.Clone(m.steps), nil
}

// GetStep implements Store.
func (s *MemoryStore) GetStep(_ context.Context, key RunKey, position string) (*StepRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.runs[key]
	if !ok {
		return nil, ErrRunNotFound
	}
	st, ok := m.get(position)
	if !ok {
		return nil, ErrRunNotFound
	}
	cp := *st
	return &cp, nil
}

// SaveStep implements Store.
func (s *MemoryStore) SaveStep(_ context.Context, key RunKey, st *StepRecord) error {
	cp := *st
	cp.UpdatedAt = time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.runs[key]
	if !ok {
		return ErrRunNotFound
	}
	m.put(cp)
	return nil
}

// CompareAndSaveStep implements Store.
func (s *MemoryStore) CompareAndSaveStep(_ context.Context, key RunKey, st *StepRecord, from StepState) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.runs[key]
	if !ok {
		return false, ErrRunNotFound
	}
	cur, ok := m.get(st.Position)
	if !ok || cur.State != from {
		return false, nil
	}
	*cur = *st
	cur.UpdatedAt = time.Now()
	return true, nil
}

// Step implements Store: it runs w and saves its record (no transaction).
func (s *MemoryStore) Step(ctx context.Context, key RunKey, w StepWork) error {
	rec, err := w.Do(ctx)
	if err != nil {
		return err
	}
	return s.SaveStep(ctx, key, rec)
}

// Purge implements Store.
func (s *MemoryStore) Purge(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, m := range s.runs {
		if expired(&m.rec, now) {
			delete(s.runs, k)
			n++
		}
	}
	return n, nil
}

func expired(r *RunRecord, now time.Time) bool {
	return r.State.Finished() && r.Retention > 0 && !r.FinishedAt.IsZero() && !now.Before(r.FinishedAt.Add(r.Retention))
}

// ClaimRuns implements Store.
func (s *MemoryStore) ClaimRuns(_ context.Context, owner string, staleBefore, overdueBefore time.Time) ([]RunRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	var out []RunRecord
	for _, m := range s.runs {
		r := &m.rec
		if r.State != RunInvoking && r.State != RunCompensating {
			continue
		}
		if !r.ParkedAt.IsZero() {
			if r.WakeAt.IsZero() || !r.WakeAt.Before(overdueBefore) {
				continue
			}
		} else if r.Owner != owner && !r.HeartbeatAt.Before(staleBefore) {
			continue
		}
		r.Owner, r.HeartbeatAt, r.ParkedAt, r.WakeAt = owner, now, time.Time{}, time.Time{}
		cp := *r
		cp.Errors = slices.Clone(r.Errors)
		out = append(out, cp)
	}
	slices.SortFunc(out, func(a, b RunRecord) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// Heartbeat implements Store.
func (s *MemoryStore) Heartbeat(_ context.Context, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for _, m := range s.runs {
		if m.rec.Owner == owner && !m.rec.State.Finished() {
			m.rec.HeartbeatAt = now
		}
	}
	return nil
}

// ParkRun implements Store.
func (s *MemoryStore) ParkRun(ctx context.Context, r *RunRecord, wakeAt time.Time, waiting []string, within func(ctx context.Context) error) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.runs[r.RunKey]
	if !ok || !m.rec.FinishedAt.IsZero() {
		return false, nil
	}
	for _, pos := range waiting {
		if st, ok := m.get(pos); ok && st.State != StepWaiting {
			return false, nil
		}
	}
	if within != nil {
		if err := within(ctx); err != nil {
			return false, err
		}
	}
	now := time.Now()
	m.rec.ParkedAt, m.rec.WakeAt, m.rec.Owner, m.rec.Retention, m.rec.UpdatedAt = now, wakeAt, "", r.Retention, now
	m.rec.Errors = slices.Clone(r.Errors)
	return true, nil
}

// ClaimParked implements Store.
func (s *MemoryStore) ClaimParked(_ context.Context, key RunKey, owner string, due time.Time) (*RunRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.runs[key]
	if !ok || m.rec.ParkedAt.IsZero() || !m.rec.FinishedAt.IsZero() {
		return nil, nil
	}
	if !due.IsZero() && (m.rec.WakeAt.IsZero() || m.rec.WakeAt.After(due)) {
		return nil, nil
	}
	now := time.Now()
	m.rec.ParkedAt, m.rec.WakeAt, m.rec.Owner, m.rec.HeartbeatAt, m.rec.UpdatedAt = time.Time{}, time.Time{}, owner, now, now
	cp := m.rec
	cp.Errors = slices.Clone(m.rec.Errors)
	return &cp, nil
}

// Atomically implements Store: the memory store has no transactions, so fn
// is just called.
func (s *MemoryStore) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}
