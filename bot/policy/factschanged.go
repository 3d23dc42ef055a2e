package policy

import "github.com/tmbot/tmbot/bot/model"

// FactsChanged lists the components of head whose derived facts (what
// reaches them along the flows: untrusted input, retrieved content, stored
// prompts…) differ from the base's, or that are new: a change to one part
// can change what the rules say about a part far from it. The review uses
// it to tell a finding the change caused from one that was there before.
func FactsChanged(base, head *model.Model) map[string]bool {
	out := map[string]bool{}
	if head == nil {
		return out
	}
	hf := deriveFacts(head)
	var bf map[string]set
	if base != nil {
		bf = deriveFacts(base)
	}
	for id, f := range hf {
		b, ok := bf[id]
		if !ok || !sameSet(f, b) {
			out[id] = true
		}
	}
	return out
}
