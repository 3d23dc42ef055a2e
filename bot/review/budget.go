package review

import (
	"context"
	"errors"
	"fmt"
	"github.com/tmbot/tmbot/bot/markdown"
	"strconv"
	"strings"

	"github.com/tmbot/tmbot/bot/config"
)

// Budget bounds what one review reads: how many model files a request may
// change, and how many bytes those files may hold in all (base and head
// together). A request over budget is not reviewed: the report says which
// limit it passed, by how much, and how to raise it, and it blocks.
//
// Files are read and reviewed one at a time, so a review's memory does not
// grow with the number of files; the budget bounds its time and the forge
// calls it costs (one per file and side).
type Budget struct {
	// MaxFiles is the most model files a request may change.
	MaxFiles int
	// MaxBytes is the most bytes of model files a review reads (the base
	// and the head of every changed model file, summed).
	MaxBytes int64
}

// The default budget: 200 model files, 64 MiB. A model file may itself be
// up to 16 MiB (brief §2), so the bytes bound four such files, or a few
// hundred ordinary ones.
const (
	DefaultMaxFiles = 200
	DefaultMaxBytes = 64 << 20
)

// DefaultBudget is the budget of a service (or a `tmbot review`) that sets
// none.
func DefaultBudget() Budget { return Budget{MaxFiles: DefaultMaxFiles, MaxBytes: DefaultMaxBytes} }

// How a limit is raised, for the message of a request over budget.
const (
	raiseFiles = "the service's TMBOT_REVIEW_MAX_FILES setting (review_max_files in its settings file), or `tmbot review --max-files`"
	raiseBytes = "the service's TMBOT_REVIEW_MAX_BYTES setting (review_max_bytes in its settings file), or `tmbot review --max-bytes`"
)

// Limit names of OverBudget.
const (
	LimitFiles = "max_files"
	LimitBytes = "max_bytes"
)

// RuleBudget is the SARIF rule of a request over budget.
const RuleBudget = "review-budget"

// effective is the budget of one review: the service's (zero values take
// the defaults), lowered by the repository's `limits:` where it asks for
// less. A repository cannot raise it: what it asks above the service's
// limit is ignored, and the message says so.
func (b Budget) effective(l config.Limits) (eff Budget, fromRepo map[string]bool, refused []string) {
	eff = b
	if eff.MaxFiles <= 0 {
		eff.MaxFiles = DefaultMaxFiles
	}
	if eff.MaxBytes <= 0 {
		eff.MaxBytes = DefaultMaxBytes
	}
	fromRepo = map[string]bool{}
	switch {
	case l.MaxFiles > 0 && l.MaxFiles < eff.MaxFiles:
		eff.MaxFiles, fromRepo[LimitFiles] = l.MaxFiles, true
	case l.MaxFiles > eff.MaxFiles:
		refused = append(refused, fmt.Sprintf("limits.max_files in %s asks for %d, more than the service allows (%d); a repository can only lower the limits",
			config.FileName, l.MaxFiles, eff.MaxFiles))
	}
	switch {
	case l.MaxBytes > 0 && int64(l.MaxBytes) < eff.MaxBytes:
		eff.MaxBytes, fromRepo[LimitBytes] = int64(l.MaxBytes), true
	case int64(l.MaxBytes) > eff.MaxBytes:
		refused = append(refused, fmt.Sprintf("limits.max_bytes in %s asks for %s, more than the service allows (%s); a repository can only lower the limits",
			config.FileName, bytesText(int64(l.MaxBytes)), bytesText(eff.MaxBytes)))
	}
	return eff, fromRepo, refused
}

// OverBudget says that a request was too large to review, and why. The
// JSON report carries it as "over_budget".
type OverBudget struct {
	// Limit is max_files or max_bytes.
	Limit string `json:"limit"`
	// Max is the limit's value (files or bytes); Actual what the request
	// has. For bytes, AtLeast says that reading stopped at the limit, so
	// Actual counts only what was read by then.
	Max     int64 `json:"max"`
	Actual  int64 `json:"actual"`
	AtLeast bool  `json:"at_least,omitempty"`
	// File is the first model file past the limit.
	File string `json:"file"`
	// Message says it in plain words, with how to raise the limit.
	Message string `json:"message"`
}

func overFiles(max, actual int, file string, fromRepo bool) *OverBudget {
	how := "Split the change into smaller pull requests, or raise the limit: " + raiseFiles + "."
	if fromRepo {
		how = "Split the change into smaller pull requests, or raise limits.max_files in " + config.FileName + " on the default branch (up to the service's limit)."
	}
	return &OverBudget{Limit: LimitFiles, Max: int64(max), Actual: int64(actual), File: file,
		Message: fmt.Sprintf("This change is too large to review: it changes %d model files, and the limit (%s) is %d. No model was read. %s",
			actual, LimitFiles, max, how)}
}

func overBytes(max, actual int64, atLeast bool, file string, fromRepo bool) *OverBudget {
	how := "Split the change into smaller pull requests, or raise the limit: " + raiseBytes + "."
	if fromRepo {
		how = "Split the change into smaller pull requests, or raise limits.max_bytes in " + config.FileName + " on the default branch (up to the service's limit)."
	}
	held := "hold " + bytesText(actual)
	if atLeast {
		held = "hold at least " + bytesText(actual) + " (reading stopped there)"
	}
	return &OverBudget{Limit: LimitBytes, Max: max, Actual: actual, AtLeast: atLeast, File: file,
		Message: fmt.Sprintf("This change is too large to review: the model files it changes (base and head together) %s, and the limit (%s) is %s. %s",
			held, LimitBytes, bytesText(max), how)}
}

// bytesText writes a byte count exactly, with its size in KiB or MiB
// where that reads better: "67,108,864 bytes (64 MiB)".
func bytesText(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String() + " bytes"
	switch {
	case n >= 1<<20:
		out += " (" + strings.TrimSuffix(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), ".0") + " MiB)"
	case n >= 1<<10:
		out += " (" + strings.TrimSuffix(strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64), ".0") + " KiB)"
	}
	return out
}

// Sizer is a Source that can tell the sizes of files without reading
// them (a local git repository does, in one command; GitHub, in one call
// per side). With it the byte budget is checked, exactly, before any
// model file is read.
type Sizer interface {
	// Sizes gives the size in bytes of each path that exists at a side;
	// a path missing there is absent from the map. ErrSizesUnknown (or an
	// error that wraps it) says that some sizes cannot be told: the
	// budget is then checked while reading.
	Sizes(ctx context.Context, side Side, paths []string) (map[string]int64, error)
}

// ReadBounder is a Source whose reads are cut at a number of bytes (a
// forge's: one more than the largest model file). When the files a
// request changes cannot pass the byte budget even if every read were cut
// there, their sizes are not asked first.
type ReadBounder interface {
	// MaxRead is the most bytes one ReadFile returns.
	MaxRead() int64
}

// ErrSizesUnknown is a Sizer's answer when it cannot tell every size
// (for example, the forge cut its listing short): not a failure, the
// review checks the byte budget while it reads instead.
var ErrSizesUnknown = errors.New("the sizes of the model files are not known before reading")

// overBudgetVerdict is the verdict of a request over budget.
func overBudgetVerdict(ob *OverBudget) string {
	if ob.Limit == LimitFiles {
		return fmt.Sprintf("❌ Too large to review: %d model files changed, and the limit is %d.", ob.Actual, ob.Max)
	}
	at := ""
	if ob.AtLeast {
		at = "at least "
	}
	return fmt.Sprintf("❌ Too large to review: the changed model files hold %s%s, and the limit is %s.", at, bytesText(ob.Actual), bytesText(ob.Max))
}

// writeOverBudget adds the section of a request over budget to the
// comment (nothing when within budget).
func (r *Report) writeOverBudget(b *strings.Builder) {
	if r.OverBudget == nil {
		return
	}
	b.WriteString("\n### Too large to review\n\n" + markdown.Text(r.OverBudget.Message, maxMessageRunes) + "\n")
}
