package model

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/tmbot/tmbot/bot/sandbox"
)

// RunCUEChildIfRequested must be called first thing in main() and in TestMain
// of any package whose tests load CUE files. When the process was started by
// LoadCUE as a CUE-evaluation child (bot/sandbox, kind "cue"), it evaluates
// the CUE source read from stdin, writes the result to stdout and exits;
// otherwise it returns at once.
func RunCUEChildIfRequested() {
	if kind, ok := sandbox.Requested(); ok && kind == cueChildKind {
		os.Exit(sandbox.Serve(serveCUEChild))
	}
}

// serveCUEChild answers LoadCUE: input is the filename, a NUL byte, and
// the source.
func serveCUEChild(input []byte) ([]byte, error) {
	filename, src, ok := bytes.Cut(input, []byte{0})
	if !ok {
		return nil, errors.New("the CUE child's input has no filename")
	}
	n, err := evalCUERecover(string(filename), src)
	out, err := encodeCUEAnswer(n, err)
	if err != nil {
		return nil, fmt.Errorf("encoding the CUE answer: %w", err)
	}
	return out, nil
}

func evalCUERecover(filename string, src []byte) (n *Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("the CUE evaluator failed on this file: %v", r)
		}
	}()
	return evalCUE(filename, src)
}
