package model

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/internal/modelgen"
)

// TestPeakMemory measures the peak memory of one load of a generated model
// in a fresh process, so that nothing else the tests did counts:
//
//	TMBOT_PEAK=10000 go test ./bot/model -run TestPeakMemory -v
//
// (TMBOT_PEAK is the number of threats; TMBOT_PEAK_SYNTAX=json or cue for
// JSON or plain-data CUE).
// The child reads the file, builds a Loader, then loads the file once and
// reports the process's VmHWM (peak resident set, from /proc/self/status)
// before and after the load, and the bytes the load allocated.
func TestPeakMemory(t *testing.T) {
	if file := os.Getenv("TMBOT_PEAK_FILE"); file != "" {
		peakChild(t, file)
		return
	}
	n, _ := strconv.Atoi(os.Getenv("TMBOT_PEAK"))
	if n <= 0 {
		t.Skip("set TMBOT_PEAK=<threats> to measure the peak memory of one load")
	}
	name := "gen.threatmodel.yaml"
	data := modelgen.YAML(modelgen.Options{Threats: n})
	switch os.Getenv("TMBOT_PEAK_SYNTAX") {
	case "json":
		name = "gen.threatmodel.json"
		data = modelgen.JSON(modelgen.Options{Threats: n})
	case "cue":
		name = "gen.threatmodel.cue"
		data = modelgen.CUE(modelgen.Options{Threats: n})
	}
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPeakMemory$", "-test.v")
	cmd.Env = append(os.Environ(), "TMBOT_PEAK_FILE="+file)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "peak:") {
			t.Log(strings.TrimSpace(line[strings.Index(line, "peak:"):]))
		}
	}
}

func peakChild(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoader(Limits{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	before := vmHWM(t)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	res := l.Load(context.Background(), filepath.Base(file), data)
	runtime.ReadMemStats(&m1)
	after := vmHWM(t)
	if !res.Valid {
		t.Fatal(res.Diagnostics[0])
	}
	runtime.KeepAlive(res)
	t.Logf("peak: %s, %d bytes: VmHWM %d MB before the load, %d MB after; the load allocated %d MB; heap in use after it %d MB; GOGC=%s",
		filepath.Base(file), len(data), before>>20, after>>20, (m1.TotalAlloc-m0.TotalAlloc)>>20, m1.HeapInuse>>20, os.Getenv("GOGC"))
}

// vmHWM returns the peak resident set size of this process, in bytes.
func vmHWM(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(string(rest)), "%d kB", &kb); err == nil {
				return kb << 10
			}
		}
	}
	t.Skip("no VmHWM in /proc/self/status")
	return 0
}
