package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/track"
)

// readModels reads and loads the model files of the default branch (the
// paths .tmbot.yaml names as models). An invalid model is kept with its
// first error, and its system part, when it has one, is returned in
// partial (by path): the dashboard shows whom to ask about it.
func (d *Runner) readModels(ctx context.Context, r *trackRun) (models []track.Model, partial map[string]model.System, err error) {
	paths, err := r.cp.tree(ctx, r.client, r.repo)
	if err != nil {
		return nil, nil, fmt.Errorf("list the files of %s at %s: %w", r.repo.FullName(), r.sha, err)
	}
	partial = map[string]model.System{}
	for _, p := range paths {
		if !r.cfg.IsModel(p) {
			continue
		}
		data, found, err := r.cp.readFile(ctx, r.client, r.repo, p)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s at %s: %w", p, r.sha, err)
		}
		if !found {
			continue
		}
		res := d.Loader.Load(ctx, p, data)
		if !res.Valid {
			models = append(models, track.Model{Path: p, Invalid: res.Errors()[0].String()})
			if res.Model != nil {
				partial[p] = res.Model.System
			}
			continue
		}
		models = append(models, track.Model{Path: p, Model: res.Model})
	}
	return models, partial, nil
}

// readIssues lists the bot's own issues with the tracking label and reads
// what the store remembers of them (remembered, and the same as bot/track
// takes it in mem). A person who reopened an issue resumes its tracking:
// the store forgets that it was closed.
func (d *Runner) readIssues(ctx context.Context, r *trackRun) (issues []forge.Issue, remembered map[string]store.TrackedIssue, mem map[string]track.Remembered, err error) {
	bot, err := r.client.Bot(ctx)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("learn who the bot is on %s: %w", r.repo.Forge, err)
	}
	issues, err = r.cp.issues(ctx, r.client, r.repo, r.label, bot)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list the issues of %s: %w", r.repo.FullName(), err)
	}
	r.cp.st.Pending = nil
	if err := r.cp.save(ctx); err != nil {
		return nil, nil, nil, err
	}
	remembered, err = d.Store.TrackedIssues(ctx, r.repo.Key())
	if err != nil {
		return nil, nil, nil, err
	}
	mem = map[string]track.Remembered{}
	for k, t := range remembered {
		mem[k] = track.Remembered{Number: t.Number, ClosedByBot: t.ClosedByBot, HumanCloseNoted: t.HumanCloseNoted,
			Path: t.Path, Content: t.Content}
	}
	byNumber := map[int]forge.Issue{}
	for _, is := range issues {
		byNumber[is.Number] = is
	}
	for k, t := range remembered {
		if is, ok := byNumber[t.Number]; ok && is.State == "open" && (t.HumanCloseNoted || t.ClosedByBot) {
			m := mem[k]
			m.HumanCloseNoted, m.ClosedByBot = false, false
			mem[k] = m
			t.HumanCloseNoted, t.ClosedByBot, t.State = false, false, "open"
			if err := d.Store.SaveTrackedIssue(ctx, t); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	return issues, remembered, mem, nil
}

// ownIssues keeps the issues the bot opened. Anyone who may open an issue
// can give it the label and a marker; the bot neither edits, closes nor
// counts such an issue as one of its own.
func ownIssues(issues []forge.Issue, bot forge.Identity) []forge.Issue {
	out := issues[:0:0]
	for _, is := range issues {
		if bot.Wrote(is.Author, is.AuthorID) {
			out = append(out, is)
		}
	}
	return out
}

// assigner maps a mitigation owner to a login the forge can assign: a user
// handle (@alice), not a team (@org/team), who can be assigned here.
func (d *Runner) assigner(ctx context.Context, client forge.Client, repo forge.Repo, enabled bool) func(string) string {
	cache := map[string]string{}
	return func(owner string) string {
		if !enabled {
			return ""
		}
		login := strings.TrimPrefix(strings.TrimSpace(owner), "@")
		if login == "" || strings.ContainsAny(login, "/ ") {
			return ""
		}
		if v, ok := cache[login]; ok {
			return v
		}
		ok, err := client.CanAssign(ctx, repo, login)
		if err != nil || !ok {
			cache[login] = ""
			return ""
		}
		cache[login] = login
		return login
	}
}

// commitSource reads one commit of a repository (the default branch's
// head): its "base" and "head" are the same.
type commitSource struct {
	client forge.Client
	repo   forge.Repo
	sha    string
	// cp, when set, reads once per job.
	cp *checkpoint
}

func (s *commitSource) ChangedFiles(ctx context.Context) ([]review.FileChange, error) {
	return nil, nil
}

func (s *commitSource) ReadFile(ctx context.Context, _ review.Side, path string) ([]byte, bool, error) {
	if s.cp != nil {
		return s.cp.readFile(ctx, s.client, s.repo, path)
	}
	return s.client.ReadFile(ctx, s.repo, s.sha, path)
}
