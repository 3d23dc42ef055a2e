package jobs

import "github.com/tmbot/tmbot/bot/review"

// touchesModels says whether a review has something to say in a comment:
// models reviewed, a request too large to review (which reviews none,
// and says why), or a request whose own .tmbot.yaml has errors.
func touchesModels(rep *review.Report) bool {
	return rep.Summary.Models > 0 || rep.OverBudget != nil || len(rep.NewConfigErrors) > 0
}
