package wftimers_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/workflows"
)

// BenchmarkParkedAsyncStep measures one run of a workflow whose async step
// parks the run and is completed by SetStepSuccess: on the instance that
// parked it (same) or on another one (other, which takes the run over and
// announces its end to the caller on the first by NOTIFY).
// Reported: park, the time from the step's waiting checkpoint to the run
// parked (the park's transaction with its wake-up job); resume-p50/p99, from
// SetStepSuccess to the run's result in Run.
func BenchmarkParkedAsyncStep(b *testing.B) {
	for _, where := range []string{"same", "other"} {
		b.Run(where, func(b *testing.B) {
			pool := newPool(b)
			j := &journal{}
			wf := asyncWorkflow("bench-"+where, j, 0)
			a := newNode(b, pool, "a", time.Hour, wf) // no polling: a result from elsewhere comes by NOTIFY
			completer := a
			if where == "other" {
				completer = newNode(b, pool, "b", time.Hour, wf)
			}
			var park, resume []time.Duration
			b.ResetTimer()
			for i := range b.N {
				tx := fmt.Sprintf("tx-%d", i)
				ch := runAsync(context.Background(), wf, a.wf, "x", tx)
				var awaiting time.Time
				for ev := range a.events {
					if ev.TransactionID != tx {
						continue
					}
					if ev.Type == workflows.EventStepAwaiting && awaiting.IsZero() {
						awaiting = time.Now()
					}
					if ev.Type == workflows.EventPark {
						park = append(park, time.Since(awaiting))
						break
					}
				}
				start := time.Now()
				if err := completer.wf.SetStepSuccess(context.Background(), workflows.RunKey{WorkflowID: wf.Name(), TransactionID: tx}, wf.Name()+"-ask", "ok"); err != nil {
					b.Fatal(err)
				}
				if r := wait(b, ch); r.err != nil || r.out != "ok!" {
					b.Fatalf("Run = %q, %v", r.out, r.err)
				}
				resume = append(resume, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(park)
			slices.Sort(resume)
			b.ReportMetric(float64(park[len(park)/2].Microseconds())/1000, "park-ms-p50")
			b.ReportMetric(float64(resume[len(resume)/2].Microseconds())/1000, "resume-ms-p50")
			b.ReportMetric(float64(resume[len(resume)*99/100].Microseconds())/1000, "resume-ms-p99")
		})
	}
}
