package track

import (
	"fmt"
	"sort"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/model"
)

// Remembered is what the bot keeps about a mitigation's issue.
type Remembered struct {
	Number int
	// ClosedByBot: the bot closed it (so the bot may reopen it).
	ClosedByBot bool
	// HumanCloseNoted: a person closed it while the model still plans the
	// mitigation, and the bot has said once what to change.
	HumanCloseNoted bool
	// Path is the model file the mitigation was last seen in.
	Path string
	// Content identifies the mitigation by what it says (renames).
	Content string
}

// Kinds of action.
const (
	Create          = "create"
	Update          = "update"
	Close           = "close"
	Reopen          = "reopen"
	NoteHumanClosed = "note-human-closed"
)

// Action is one change to bring the issues in line.
type Action struct {
	Kind   string
	Key    string
	Number int // the issue, except for Create
	Spec   forge.IssueSpec
	// Reason closes as completed or not_planned; Comment is posted with a
	// close, a reopen or a note.
	Reason  string
	Comment string
	// From is the old key of a renamed mitigation whose issue is kept.
	From string
	// Mitigation is the wanted mitigation (Create, Update, Reopen, note).
	Mitigation *Mitigation
}

// Plan compares the mitigations that need an issue with the issues the
// forge has and what the bot remembers, and returns the actions, most
// important first (creations by risk).
func Plan(models []Model, issues []forge.Issue, mem map[string]Remembered, s Settings) []Action {
	wanted := Wanted(models)
	byKey := map[string]*forge.Issue{}
	byNumber := map[int]*forge.Issue{}
	for i := range issues {
		is := &issues[i]
		byNumber[is.Number] = is
		if k, ok := KeyOf(is.Body); ok {
			if prev := byKey[k]; prev == nil || is.Number < prev.Number {
				byKey[k] = is
			}
		}
	}
	// An issue whose marker a person edited away is still found by number.
	for k, r := range mem {
		if byKey[k] == nil && r.Number != 0 && byNumber[r.Number] != nil {
			if _, taken := KeyOf(byNumber[r.Number].Body); !taken {
				byKey[k] = byNumber[r.Number]
			}
		}
	}
	keys := make([]string, 0, len(wanted))
	for k := range wanted {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := wanted[keys[i]], wanted[keys[j]]
		if a.Risk.Rank() != b.Risk.Rank() {
			return a.Risk.Rank() > b.Risk.Rank()
		}
		return a.Key < b.Key
	})
	consumed := map[int]bool{}
	var actions []Action
	for _, k := range keys {
		w := wanted[k]
		spec := Spec(w, s)
		is := byKey[k]
		if is == nil {
			if orphan, from := renamedFrom(w, byKey, wanted, mem, consumed); orphan != nil {
				consumed[orphan.Number] = true
				actions = append(actions, Action{Kind: Update, Key: k, From: from, Number: orphan.Number, Spec: spec, Mitigation: &w})
				continue
			}
			actions = append(actions, Action{Kind: Create, Key: k, Spec: spec, Mitigation: &w})
			continue
		}
		consumed[is.Number] = true
		switch {
		case is.State == "open":
			if !Same(*is, spec) {
				actions = append(actions, Action{Kind: Update, Key: k, Number: is.Number, Spec: spec, Mitigation: &w})
			}
		case mem[k].ClosedByBot:
			actions = append(actions, Action{Kind: Reopen, Key: k, Number: is.Number, Spec: spec, Mitigation: &w,
				Comment: fmt.Sprintf("The threat model plans %s again (status %s in %s), so tmbot reopens this issue.", code(w.ID), code(w.Status), code(w.File))})
		case !mem[k].HumanCloseNoted:
			actions = append(actions, Action{Kind: NoteHumanClosed, Key: k, Number: is.Number, Mitigation: &w,
				Comment: humanClosedNote(w)})
		}
	}
	invalid := map[string]bool{}
	for _, m := range models {
		if m.Model == nil {
			invalid[m.Path] = true
		}
	}
	closing := make([]string, 0)
	for k, is := range byKey {
		if _, ok := wanted[k]; ok || is.State != "open" || consumed[is.Number] {
			continue
		}
		if invalid[mem[k].Path] {
			continue // an invalid model changes no tracking
		}
		closing = append(closing, k)
	}
	sort.Strings(closing)
	for _, k := range closing {
		reason, comment := closeReason(k, models)
		actions = append(actions, Action{Kind: Close, Key: k, Number: byKey[k].Number, Reason: reason, Comment: comment})
	}
	return actions
}

// renamedFrom finds the open issue of a mitigation gone from the models
// whose content is the same as w's: a renamed mitigation keeps its issue.
func renamedFrom(w Mitigation, byKey map[string]*forge.Issue, wanted map[string]Mitigation, mem map[string]Remembered, consumed map[int]bool) (*forge.Issue, string) {
	var keys []string
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		is := byKey[k]
		if _, stillWanted := wanted[k]; stillWanted || is.State != "open" || consumed[is.Number] {
			continue
		}
		if r, ok := mem[k]; ok && r.Content == w.Content && r.Content != "" {
			return is, k
		}
	}
	return nil, ""
}

func humanClosedNote(w Mitigation) string {
	return fmt.Sprintf("This issue was closed, but the threat model still plans %s (status %s in %s, line %d), so the threats it addresses are still open there.\n\n"+
		"If the work is done, change that line to:\n\n```yaml\n    status: implemented\n```\n\n"+
		"If it will not be done, set `status: wont_do` and settle the threats another way. tmbot will not reopen this issue; "+
		"until the model changes, its reviews show this mitigation as \"issue closed, model not updated\".",
		code(w.ID), code(w.Status), code(w.File), w.Line)
}

// closeReason says why a mitigation's issue is closed: completed when the
// model marks it implemented or verified, not planned otherwise.
func closeReason(key string, models []Model) (string, string) {
	for _, f := range models {
		m := f.Model
		if m == nil {
			continue
		}
		for id, mit := range m.Mitigations {
			if Key(m.System.ID, id) != key {
				continue
			}
			switch mit.Status {
			case model.MitigationImplemented, model.MitigationVerified:
				return forge.ReasonCompleted, fmt.Sprintf("The threat model now marks %s as %s in %s, so tmbot closes this issue as completed.", code(id), code(mit.Status), code(f.Path))
			case model.MitigationWontDo, model.MitigationProposed:
				return forge.ReasonNotPlanned, fmt.Sprintf("The threat model now marks %s as %s in %s: it is no longer planned, so tmbot closes this issue as not planned.", code(id), code(mit.Status), code(f.Path))
			default:
				return forge.ReasonNotPlanned, fmt.Sprintf("No open threat in %s needs %s any more (the threats it addressed were mitigated another way, accepted, marked not applicable or removed), so tmbot closes this issue as not planned.", code(f.Path), code(id))
			}
		}
	}
	return forge.ReasonNotPlanned, fmt.Sprintf("The mitigation %s was removed from the threat model, so tmbot closes this issue as not planned.", code(key))
}

// code is an id, a status or a path as inline code in a comment.
func code(s string) string { return markdown.Code(s, maxIDRunes) }
