package model

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"time"
)

// RunCUEChildIfRequested must be called first thing in main() and in TestMain
// of any package whose tests load CUE files. When the process was started by
// LoadCUE as a CUE-evaluation child, it evaluates the CUE source read from
// stdin, writes the result to stdout and exits; otherwise it returns at once.
func RunCUEChildIfRequested() {
	if os.Getenv(cueChildEnv) != "1" {
		return
	}
	os.Exit(runCUEChild())
}

// cueWatchInterval is how often the child's watchdog samples its memory.
const cueWatchInterval = 10 * time.Millisecond

func runCUEChild() int {
	mem, err := strconv.ParseInt(os.Getenv(cueMemoryEnv), 10, 64)
	if err != nil || mem <= 0 {
		mem = DefaultCUEMemory
	}
	timeout, err := strconv.ParseInt(os.Getenv(cueTimeoutEnv), 10, 64)
	if err != nil || timeout <= 0 {
		timeout = int64(DefaultCUETimeout)
	}
	filename := os.Getenv(cueFilenameEnv)

	// The garbage collector works hard to stay under the budget; the
	// watchdog ends the process when the live data does not fit anyway.
	debug.SetMemoryLimit(mem)
	debug.SetMaxStack(int(min(max(mem/2, 16<<20), 1<<30)))
	// The parent kills the child at the deadline; this deadline (a little
	// later) only stops a child whose parent has gone.
	go cueWatchdog(mem, time.Now().Add(time.Duration(timeout)+time.Second))

	src, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading the CUE source:", err)
		return 1
	}
	n, err := evalCUERecover(filename, src)
	out, err := encodeCUEAnswer(n, err)
	if err != nil {
		fmt.Fprintln(os.Stderr, "encoding the CUE answer:", err)
		return 1
	}
	if _, err := os.Stdout.Write(out); err != nil {
		return 1
	}
	return 0
}

func evalCUERecover(filename string, src []byte) (n *Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("the CUE evaluator failed on this file: %v", r)
		}
	}()
	return evalCUE(filename, src)
}

// cueWatchdog exits the process with cueExitMemory when its heap and stacks
// exceed mem, and with cueExitTime after deadline.
func cueWatchdog(mem int64, deadline time.Time) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/memory/classes/os-stacks:bytes"},
	}
	t := time.NewTicker(cueWatchInterval)
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
			fmt.Fprintf(os.Stderr, "CUE evaluation used %d bytes, over its budget of %d\n", used, mem)
			os.Exit(cueExitMemory)
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "CUE evaluation ran out of time")
			os.Exit(cueExitTime)
		}
	}
}
