package jobs

import "github.com/tmbot/tmbot/bot/review"

// touchesModels says whether a review has something to say in a comment:
// models reviewed, or a request too large to review (which reviews none,
// and says why).
func touchesModels(rep *review.Report) bool {
	return rep.Summary.Models > 0 || rep.OverBudget != nil
}
