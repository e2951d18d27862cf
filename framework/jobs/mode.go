package jobs

import "fmt"

// Mode says whether an instance works jobs, as Medusa's projectConfig.workerMode.
type Mode string

// Worker modes.
const (
	// ModeShared inserts and works jobs: one process does everything
	// (the default, as in Medusa).
	ModeShared Mode = "shared"
	// ModeServer only inserts: events are stored and jobs enqueued, but this
	// instance runs no subscriber, no scheduled job and no River maintenance
	// (it never becomes River's leader).
	ModeServer Mode = "server"
	// ModeWorker inserts and works jobs, for a process that serves no HTTP.
	ModeWorker Mode = "worker"
)

// ParseMode parses "shared", "server" or "worker"; "" means shared.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", ModeShared:
		return ModeShared, nil
	case ModeServer, ModeWorker:
		return Mode(s), nil
	}
	return "", fmt.Errorf("jobs: worker mode %q must be shared, server or worker", s)
}

// Works reports whether an instance in this mode works jobs.
func (m Mode) Works() bool { return m != ModeServer }
