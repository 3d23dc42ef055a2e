package sandbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain serves the children of these tests: "env" answers its
// environment, "spin" writes its pid to the file named by its input and
// then loops for ever.
func TestMain(m *testing.M) {
	if kind, ok := Requested(); ok {
		os.Exit(Serve(func(input []byte) ([]byte, error) {
			switch kind {
			case "env":
				return []byte(strings.Join(os.Environ(), "\n")), nil
			case "spin":
				if err := os.WriteFile(string(input), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
					return nil, err
				}
				for {
				}
			}
			return nil, errors.New("unknown kind " + kind)
		}))
	}
	os.Exit(m.Run())
}

// The child inherits none of the parent's settings: a token or key in the
// service's environment never reaches CUE that a repository wrote.
func TestChildGetsNoSecrets(t *testing.T) {
	t.Setenv("TMBOT_GITHUB_PRIVATE_KEY", "-----BEGIN RSA PRIVATE KEY----- secret")
	t.Setenv("TMBOT_GITLAB_TOKEN", "glpat-secret")
	out, err := Run(context.Background(), "env", nil, Budget{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "secret") || !strings.Contains(string(out), "TMBOT_SANDBOX=env") {
		t.Errorf("the child's environment:\n%s", out)
	}
}

// spinning starts a child that never ends and returns its pid once it
// runs, and the channel of Run's error.
func spinning(t *testing.T, ctx context.Context, b Budget) (int, <-chan error) {
	t.Helper()
	pidFile := filepath.Join(t.TempDir(), "pid")
	errc := make(chan error, 1)
	go func() {
		_, err := Run(ctx, "spin", []byte(pidFile), b)
		errc <- err
	}()
	for {
		if data, err := os.ReadFile(pidFile); err == nil && len(data) > 0 {
			pid, err := strconv.Atoi(string(data))
			if err != nil {
				t.Fatal(err)
			}
			return pid, errc
		}
		select {
		case err := <-errc:
			t.Fatalf("the child ended before it ran: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Cancelling the context kills the child at once and Run returns the
// context's error; the child is gone, not left running.
func TestRunStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pid, errc := spinning(t, ctx, Budget{Timeout: time.Hour})
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the child %d is still there: %v", pid, err)
	}
}

// A child that runs past its time limit is killed and reported as such.
func TestRunTimeLimit(t *testing.T) {
	// The limit leaves a loaded machine time to start the child.
	pid, errc := spinning(t, context.Background(), Budget{Timeout: 2 * time.Second})
	var le *LimitError
	if err := <-errc; !errors.As(err, &le) || le.Limit != "time" || !strings.Contains(err.Error(), "time limit of 2s") {
		t.Fatalf("err = %v, want the time limit", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the child %d is still there: %v", pid, err)
	}
}
