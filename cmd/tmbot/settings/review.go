package settings

import (
	"fmt"
	"strconv"

	"github.com/tmbot/tmbot/bot/config"
	"github.com/tmbot/tmbot/bot/review"
)

// loadReviewBudget reads TMBOT_REVIEW_MAX_FILES and TMBOT_REVIEW_MAX_BYTES
// over the settings file's review_max_files and review_max_bytes. The
// errors name the setting, not its value.
func (s *Settings) loadReviewBudget(getenv func(string) string) error {
	if v := getenv("TMBOT_REVIEW_MAX_FILES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("TMBOT_REVIEW_MAX_FILES is not a positive number of files")
		}
		s.ReviewMaxFiles = n
	}
	if v := getenv("TMBOT_REVIEW_MAX_BYTES"); v != "" {
		n, err := config.ParseByteSize(v)
		if err != nil {
			return fmt.Errorf("TMBOT_REVIEW_MAX_BYTES is %w: give a number of bytes, or one with KiB, MiB or GiB, such as 64MiB", err)
		}
		s.ReviewMaxBytes = config.ByteSize(n)
	}
	if s.ReviewMaxFiles < 0 {
		return fmt.Errorf("review_max_files in the settings file is negative: give a positive number of files")
	}
	return nil
}

// ReviewBudget is the budget of one review these settings give (the
// defaults where they set none).
func (s *Settings) ReviewBudget() review.Budget {
	b := review.DefaultBudget()
	if s.ReviewMaxFiles > 0 {
		b.MaxFiles = s.ReviewMaxFiles
	}
	if s.ReviewMaxBytes > 0 {
		b.MaxBytes = int64(s.ReviewMaxBytes)
	}
	return b
}
