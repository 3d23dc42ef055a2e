package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Budget bounds one run. Zero (or negative) values mean the defaults.
type Budget struct {
	// Timeout bounds the wall-clock time of the run, including the start
	// of the child process.
	Timeout time.Duration
	// MemoryBytes bounds the heap and stacks of the child process.
	MemoryBytes int64
}

// The default budget: the same as a CUE model file's (docs/format.md,
// "Limits").
const (
	DefaultTimeout = 10 * time.Second
	DefaultMemory  = 512 << 20
)

// WithDefaults fills in the zero values.
func (b Budget) WithDefaults() Budget {
	if b.Timeout <= 0 {
		b.Timeout = DefaultTimeout
	}
	if b.MemoryBytes <= 0 {
		b.MemoryBytes = DefaultMemory
	}
	return b
}

// Limits of the protocol that are not part of the budget: they keep what
// the parent holds of the child's answer bounded.
const (
	// MaxOutput is the most the parent reads of the child's answer.
	MaxOutput = 16 << 20
	// maxStderr is the most the parent keeps of the child's stderr.
	maxStderr = 16 << 10
	// watchInterval is how often the memory of the child is sampled, by
	// the child itself and by the parent.
	watchInterval = 10 * time.Millisecond
)

// The protocol between Run and the child.
const (
	kindEnv    = "TMBOT_SANDBOX"         // the kind of child
	memoryEnv  = "TMBOT_SANDBOX_MEMORY"  // the memory budget in bytes
	timeoutEnv = "TMBOT_SANDBOX_TIMEOUT" // the time budget in nanoseconds

	// Exit codes of the child's watchdog.
	exitMemory = 86
	exitTime   = 87
)

// envAllow lists the parent's environment variables the child inherits;
// everything else (tokens, keys) stays in the parent.
var envAllow = []string{"GOMAXPROCS", "GODEBUG", "GOTRACEBACK", "GOCOVERDIR", "TZ"}

// LimitError is a run stopped because it exceeded its budget.
type LimitError struct {
	// Limit is "time", "memory" or "output".
	Limit  string
	Budget Budget
	// MaxOutput is the cap on the child's answer that "output" exceeded.
	MaxOutput int
}

func (e *LimitError) Error() string {
	switch e.Limit {
	case "time":
		return fmt.Sprintf("it ran longer than its time limit of %v", e.Budget.Timeout)
	case "memory":
		return fmt.Sprintf("it used more than its memory limit of %s", FormatBytes(e.Budget.MemoryBytes))
	}
	return fmt.Sprintf("its answer was larger than %s", FormatBytes(int64(e.MaxOutput)))
}

// Run starts the running executable as a child of the given kind, gives it
// input on its standard input, and returns what it writes on its standard
// output. It returns a *LimitError when the child exceeds the budget, and
// ctx.Err() when ctx ends first; either way the child is killed.
func Run(ctx context.Context, kind string, input []byte, b Budget) ([]byte, error) {
	return RunCapped(ctx, kind, input, b, MaxOutput)
}

// RunCapped is Run with another cap than MaxOutput on the child's answer.
func RunCapped(ctx context.Context, kind string, input []byte, b Budget, maxOutput int) ([]byte, error) {
	b = b.WithDefaults()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the executable to run the %s child: %w", kind, err)
	}
	tctx, cancel := context.WithTimeout(ctx, b.Timeout)
	defer cancel()
	// The argument matters only to a test binary whose TestMain forgot to
	// serve the child: it then runs no test and fails to answer, instead
	// of running the whole suite again.
	cmd := exec.CommandContext(tctx, exe, "-test.run=^$")
	cmd.Env = environ(kind, b)
	cmd.Stdin = bytes.NewReader(input)
	stdout := &cappedBuffer{max: maxOutput, onOverflow: cancel}
	stderr := &cappedBuffer{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Killed when the budget's time is up or ctx is cancelled (with its
	// process group where there are groups: procgroup_unix.go).
	killOnCancel(cmd)
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the %s child: %w", kind, err)
	}
	// The child watches its own heap, but one huge allocation can block
	// its watchdog (runtime/metrics waits for the heap lock), so the
	// parent also watches the child's resident memory from outside.
	var rssOver atomic.Bool
	done := make(chan struct{})
	go watchRSS(cmd.Process.Pid, rssLimit(b.MemoryBytes), done, func() {
		rssOver.Store(true)
		cancel()
	})
	runErr := cmd.Wait()
	close(done)
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case stdout.over:
		return nil, &LimitError{Limit: "output", Budget: b, MaxOutput: maxOutput}
	case rssOver.Load():
		return nil, &LimitError{Limit: "memory", Budget: b}
	}
	if runErr != nil {
		code := -1
		var ee *exec.ExitError
		if errors.As(runErr, &ee) {
			code = ee.ExitCode()
		}
		msg := stderr.String()
		switch {
		case code == exitMemory || strings.Contains(msg, "out of memory") || strings.Contains(msg, "stack exceeds"):
			return nil, &LimitError{Limit: "memory", Budget: b}
		case code == exitTime || errors.Is(tctx.Err(), context.DeadlineExceeded):
			return nil, &LimitError{Limit: "time", Budget: b}
		}
		if msg = strings.TrimSpace(msg); msg != "" {
			return nil, fmt.Errorf("the %s child failed: %w: %s", kind, runErr, firstLine(msg))
		}
		return nil, fmt.Errorf("the %s child failed: %w", kind, runErr)
	}
	return stdout.Bytes(), nil
}

// Requested reports the kind of child this process was started as, if it
// was started by Run.
func Requested() (kind string, ok bool) {
	kind = os.Getenv(kindEnv)
	return kind, kind != ""
}

// Serve is the child's side of Run: it applies the budget to this process,
// reads the input, runs fn and writes its answer, and returns the exit code
// for os.Exit. fn's error ends the child with code 1 and the error on
// stderr; answers that are errors of the computation belong in the answer.
func Serve(fn func(input []byte) ([]byte, error)) int {
	mem, err := strconv.ParseInt(os.Getenv(memoryEnv), 10, 64)
	if err != nil || mem <= 0 {
		mem = DefaultMemory
	}
	timeout, err := strconv.ParseInt(os.Getenv(timeoutEnv), 10, 64)
	if err != nil || timeout <= 0 {
		timeout = int64(DefaultTimeout)
	}
	// The garbage collector works hard to stay under the budget; the
	// watchdog ends the process when the live data does not fit anyway.
	debug.SetMemoryLimit(mem)
	debug.SetMaxStack(int(min(max(mem/2, 16<<20), 1<<30)))
	// The parent kills the child at the deadline; this one (a little
	// later) only stops a child whose parent has gone.
	go watchdog(mem, time.Now().Add(time.Duration(timeout)+time.Second))

	input, err := io.ReadAll(io.LimitReader(os.Stdin, 1<<30))
	if err != nil {
		fmt.Fprintln(os.Stderr, "read the input:", err)
		return 1
	}
	out, err := fn(input)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := os.Stdout.Write(out); err != nil {
		return 1
	}
	return 0
}

// watchdog exits the process with exitMemory when its heap and stacks
// exceed mem, and with exitTime after deadline.
func watchdog(mem int64, deadline time.Time) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/memory/classes/os-stacks:bytes"},
	}
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for range t.C {
		metrics.Read(samples)
		var used uint64
		for _, s := range samples {
			if s.Value.Kind() == metrics.KindUint64 {
				used += s.Value.Uint64()
			}
		}
		if used > uint64(mem) {
			fmt.Fprintf(os.Stderr, "used %d bytes, over the budget of %d\n", used, mem)
			os.Exit(exitMemory)
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "ran out of time")
			os.Exit(exitTime)
		}
	}
}

// rssLimit is the resident memory at which the parent kills a child with
// a heap budget of mem: the budget plus room for the program's code and
// the runtime. The child's own watchdog, which counts heap and stacks,
// normally stops it first.
func rssLimit(mem int64) int64 { return mem + mem/4 + 32<<20 }

// watchRSS polls the resident memory of process pid until done is closed,
// calling over once if it exceeds limit. It gives up quietly where /proc
// is not available.
func watchRSS(pid int, limit int64, done <-chan struct{}, over func()) {
	path := "/proc/" + strconv.Itoa(pid) + "/statm"
	page := int64(os.Getpagesize())
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return
		}
		fields := strings.Fields(string(data))
		if len(fields) < 2 {
			return
		}
		pages, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			return
		}
		if pages*page > limit {
			over()
			return
		}
	}
}

func environ(kind string, b Budget) []string {
	env := []string{
		kindEnv + "=" + kind,
		memoryEnv + "=" + strconv.FormatInt(b.MemoryBytes, 10),
		timeoutEnv + "=" + strconv.FormatInt(int64(b.Timeout), 10),
	}
	for _, k := range envAllow {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// FormatBytes writes n as "512 MiB" when it is a whole number of MiB.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// cappedBuffer keeps the first max bytes written to it and discards the
// rest, calling onOverflow once when it first has to.
type cappedBuffer struct {
	bytes.Buffer
	max        int
	over       bool
	onOverflow func()
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.over {
		return len(p), nil
	}
	if room := c.max - c.Len(); len(p) > room {
		c.Buffer.Write(p[:room])
		c.over = true
		if c.onOverflow != nil {
			c.onOverflow()
		}
		return len(p), nil
	}
	return c.Buffer.Write(p)
}
