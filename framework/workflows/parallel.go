package workflows

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// group opens a parallel group of n branches at the next position and returns
// a Context per branch. Branch i's steps take positions <pos>/<i>/0, 1, …
func (c *Context) group(n int) []*Context {
	// The last step's transaction commits before the branches start; if it
	// is lost, the run fails (its error is recorded).
	_ = c.r.flush()
	pos := c.next()
	it := &item{kind: kindGroup, pos: pos, branches: make([]*seq, n)}
	ctxs := make([]*Context, n)
	for i := range n {
		it.branches[i] = &seq{}
		ctxs[i] = c.child(it.branches[i], pos+"/"+strconv.Itoa(i))
		ctxs[i].concurrent = true
	}
	c.seq.items = append(c.seq.items, it)
	return ctxs
}

func branch[T any](fn func(*Context) (T, error), wc *Context) (out T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = wc.r.addError("parallel branch", wc.prefix, HandlerInvoke, 0, fmt.Errorf("branch panicked: %v", p))
		}
	}()
	return fn(wc)
}

// Parallel2 runs two branches concurrently (Medusa's parallelize) and returns
// both results. A branch is any function of a Context: a bound step
// (step.Bind(in)), a bound sub-workflow, or a closure calling several steps.
// Both branches run to their end even if one fails; the error joins both
// branches' errors. When the run reverts, the branches compensate
// concurrently, each newest-first.
func Parallel2[A, B any](wc *Context, fa func(*Context) (A, error), fb func(*Context) (B, error)) (A, B, error) {
	cs := wc.group(2)
	var a A
	var ea error
	var wg sync.WaitGroup
	wg.Go(func() { a, ea = branch(fa, cs[0]) })
	b, eb := branch(fb, cs[1])
	wg.Wait()
	return a, b, errors.Join(ea, eb)
}

// Parallel3 is Parallel2 with three branches.
func Parallel3[A, B, C any](wc *Context, fa func(*Context) (A, error), fb func(*Context) (B, error), fc func(*Context) (C, error)) (A, B, C, error) {
	cs := wc.group(3)
	var a A
	var b B
	var ea, eb error
	var wg sync.WaitGroup
	wg.Go(func() { a, ea = branch(fa, cs[0]) })
	wg.Go(func() { b, eb = branch(fb, cs[1]) })
	c, ec := branch(fc, cs[2])
	wg.Wait()
	return a, b, c, errors.Join(ea, eb, ec)
}

// ParallelMap runs fn for every element of items concurrently, one branch per
// element, and returns the results in the order of items.
func ParallelMap[T, R any](wc *Context, items []T, fn func(*Context, T) (R, error)) ([]R, error) {
	out := make([]R, len(items))
	if len(items) == 0 {
		wc.next()
		return out, nil
	}
	cs := wc.group(len(items))
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i := range items {
		wg.Go(func() {
			out[i], errs[i] = branch(func(c *Context) (R, error) { return fn(c, items[i]) }, cs[i])
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
