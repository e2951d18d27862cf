package jobs

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule computes the ticks of a scheduled job. Next returns the first tick
// strictly after t. Ticks must be the same on every instance (absolute, not
// relative to when a process started), because a tick is the key that makes
// it run once across instances.
type Schedule interface {
	Next(t time.Time) time.Time
}

var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a cron expression: five fields ("*/5 * * * *"), six
// with seconds first ("*/2 * * * * *"), a descriptor ("@hourly", "@daily"),
// or "@every <duration>" (see Every). Times are UTC unless the expression
// starts with "CRON_TZ=<zone> ".
func ParseSchedule(expr string) (Schedule, error) {
	expr = strings.TrimSpace(expr)
	if rest, ok := strings.CutPrefix(expr, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("jobs: schedule %q: %w", expr, err)
		}
		return Every(d)
	}
	s, err := cronParser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("jobs: schedule %q: %w", expr, err)
	}
	return utcSchedule{s}, nil
}

// utcSchedule evaluates a cron schedule in UTC, whatever the process's local
// zone, so that every instance computes the same ticks. (A CRON_TZ= prefix
// still wins: robfig/cron converts to that zone itself.)
type utcSchedule struct{ s cron.Schedule }

func (u utcSchedule) Next(t time.Time) time.Time { return u.s.Next(t.UTC()) }

// Every returns a schedule ticking every d (Medusa's {interval}), aligned on
// Go's zero time, so every instance computes the same ticks: an interval that
// divides a day ticks at multiples of it since midnight UTC (every 10s at :00,
// :10, :20, ...). d must be positive; sub-second intervals are allowed.
func Every(d time.Duration) (Schedule, error) {
	if d <= 0 {
		return nil, fmt.Errorf("jobs: interval %s must be positive", d)
	}
	return interval(d), nil
}

type interval time.Duration

func (iv interval) Next(t time.Time) time.Time {
	d := time.Duration(iv)
	return t.Truncate(d).Add(d).UTC()
}
