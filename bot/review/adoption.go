package review

import (
	"fmt"
	"github.com/tmbot/tmbot/bot/markdown"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// AdoptionListMax is the most open threats a newly added model may bring
// and still have each listed in full. Past it (an imported model brings
// dozens) the comment summarises: counts by risk, one command that settles
// them in bulk, the most severe by name, and the full list collapsed.
const AdoptionListMax = 5

// adoptionTop is how many of the most severe threats the summary names.
const adoptionTop = 3

// ruleUnplannedRisk is the default policy rule for new threats with no
// plan (policies/unplanned-risk.cue).
const ruleUnplannedRisk = "unplanned-risk"

// adoptionPlanDays is how far ahead the suggested due date is.
const adoptionPlanDays = 90

// Adoption summarises the threats of a newly added model, or the open
// threats a model had at the repository's baseline.
type Adoption struct {
	// Threats is the number of open threats the model brings.
	Threats int        `json:"threats"`
	ByRisk  RiskCounts `json:"by_risk"`
	// Unplanned counts, by risk, those with nothing planned.
	Unplanned RiskCounts `json:"unplanned_by_risk"`
	// Blocks is the repository's adoption.blocks: the lowest risk at
	// which an unplanned threat fails the check (or none).
	Blocks string `json:"blocks"`
	// NeedsPlans is the number of unplanned threats at or above Blocks:
	// the ones that fail the check.
	NeedsPlans int `json:"needs_plans"`
	// Command settles the unplanned threats in bulk (tmbot plan).
	Command string `json:"command"`
	// Top are the ids of the most severe threats, unplanned first.
	Top []string `json:"top"`
	// Baseline, when set, is the repository's adoption.baseline: the
	// summary is of the model's open threats unchanged since that commit
	// (ModelReport.Adopted), which never block.
	Baseline string `json:"baseline,omitempty"`
}

// RiskCounts counts threats by risk.
type RiskCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
}

func (c *RiskCounts) add(risk string) {
	switch model.Risk(risk) {
	case model.RiskCritical:
		c.Critical++
	case model.RiskHigh:
		c.High++
	case model.RiskMedium:
		c.Medium++
	case model.RiskLow:
		c.Low++
	}
}

func (c RiskCounts) of(risk string) int {
	switch model.Risk(risk) {
	case model.RiskCritical:
		return c.Critical
	case model.RiskHigh:
		return c.High
	case model.RiskMedium:
		return c.Medium
	case model.RiskLow:
		return c.Low
	}
	return 0
}

// blocksRank is the rank of the lowest blocking risk; none blocks nothing.
func blocksRank(blocks string) int {
	if blocks == "none" {
		return 99
	}
	return model.Risk(blocks).Rank()
}

// adopt makes the summary of a newly added model with many open threats,
// and sets the severity of its unplanned-risk findings by adoption.blocks:
// an error at or above it, a warning below. A model summarised from the
// baseline (adoptBaseline) is left as it is.
func (r *Reviewer) adopt(mr *ModelReport) {
	if mr.Adoption != nil || mr.Status != "added" || !mr.Valid || mr.head == nil || len(mr.NewUnmitigated) <= AdoptionListMax {
		return
	}
	blocks := r.AdoptionBlocks
	if blocks == "" {
		blocks = string(model.RiskHigh)
	}
	a := r.summarise(mr, mr.NewUnmitigated, blocks)
	min := blocksRank(blocks)
	risk := map[string]string{}
	for _, t := range mr.NewUnmitigated {
		risk[t.ID] = t.Risk
	}
	for i := range mr.Findings {
		f := &mr.Findings[i]
		if f.Rule != ruleUnplannedRisk || f.Threat == "" {
			continue
		}
		if model.Risk(risk[f.Threat]).Rank() >= min {
			f.Severity = policy.Error
		} else {
			f.Severity = policy.Warning
		}
	}
	mr.Adoption = a
}

// summarise counts threats (sorted by risk, highest first) by risk and
// plan, names the most severe, and writes the tmbot plan command that
// plans them in bulk (for the risks that block, unless blocks is none).
func (r *Reviewer) summarise(mr *ModelReport, threats []NewThreat, blocks string) *Adoption {
	a := &Adoption{Threats: len(threats), Blocks: blocks, Top: []string{}}
	min := blocksRank(blocks)
	for _, t := range threats {
		a.ByRisk.add(t.Risk)
		if !t.Planned {
			a.Unplanned.add(t.Risk)
			if model.Risk(t.Risk).Rank() >= min {
				a.NeedsPlans++
			}
		}
	}
	// The unplanned ones first, then the planned.
	for _, planned := range []bool{false, true} {
		for _, t := range threats {
			if t.Planned == planned && len(a.Top) < adoptionTop {
				a.Top = append(a.Top, t.ID)
			}
		}
	}
	owner := mr.head.System.Owner
	if owner == "" {
		owner = "@your-org/your-team"
	}
	due := time.Now().AddDate(0, 0, adoptionPlanDays)
	if today, err := time.Parse(time.DateOnly, r.Today); err == nil {
		due = today.AddDate(0, 0, adoptionPlanDays)
	}
	a.Command = fmt.Sprintf("tmbot plan %s --owner %s --due %s", shellWord(mr.Path), shellWord(owner), due.Format(time.DateOnly))
	if blocks != "none" {
		a.Command += " --risk " + blocks
	}
	return a
}

// inAdoption reports whether a threat is in the model's adoption summary
// (every new threat of a newly added model; the backlog of a model
// summarised from the baseline).
func (m *ModelReport) inAdoption(threat string) bool {
	if m.Adoption == nil {
		return false
	}
	if m.Adoption.Baseline == "" {
		return true
	}
	for _, t := range m.Adopted {
		if t.ID == threat {
			return true
		}
	}
	return false
}

// shellWord quotes a word for a POSIX shell when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@/._-+:=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeAdoption writes the summary of a newly added model in place of the
// list of its threats.
func (m *ModelReport) writeAdoption(b *strings.Builder, o mdOptions) {
	a := m.Adoption
	threats := m.NewUnmitigated
	if a.Baseline != "" {
		threats = m.Adopted
		fmt.Fprintf(b, "\n#### Adopted at the baseline: %s\n\n", plural(a.Threats, "open threat", "open threats"))
		fmt.Fprintf(b, "These threats were in the model at the repository's baseline (commit %s, `adoption.baseline` in `.tmbot.yaml`) and have not changed since. They do not fail the check; settle them in bulk when you can. A threat that changes is reviewed like any other.\n\n",
			markdown.Code(shortCommit(a.Baseline), 0))
	} else {
		fmt.Fprintf(b, "\n#### A new threat model: %s\n\n", plural(a.Threats, "open threat", "open threats"))
		b.WriteString("This change adds the model, so every threat in it is new. Settle them in bulk rather than one by one.\n\n")
	}
	b.WriteString("| risk | open threats | without a plan |\n|---|---:|---:|\n")
	for _, g := range riskGroups {
		if g.risk == "" || a.ByRisk.of(g.risk) == 0 {
			continue
		}
		fmt.Fprintf(b, "| %s | %d | %d |\n", g.heading, a.ByRisk.of(g.risk), a.Unplanned.of(g.risk))
	}
	unplanned := a.Unplanned.Critical + a.Unplanned.High + a.Unplanned.Medium + a.Unplanned.Low
	if unplanned > 0 {
		scope := "every open threat"
		if a.Blocks != "none" {
			scope = "the open threats of risk " + a.Blocks + " or higher"
		}
		fmt.Fprintf(b, "\n**To settle them in one step**, give %s an owner and a due date (their proposed mitigations become planned; a threat without one gets one; comments and layout stay), review the diff, and push:\n\n", scope)
		b.WriteString(markdown.Fence(a.Command, "sh"))
		b.WriteString("\n")
		switch {
		case a.Baseline != "":
		case a.Blocks == "none":
			b.WriteString("Threats without a plan do not fail this check for a new model (`adoption.blocks: none` in `.tmbot.yaml`).\n")
		case a.NeedsPlans > 0 && !o.advisory:
			fmt.Fprintf(b, "Needs owners and dates: %s of risk %s or higher %s no plan, and the check fails until %s. Lower risks are reported, not blocking (`adoption.blocks` in `.tmbot.yaml`).\n",
				plural(a.NeedsPlans, "threat", "threats"), a.Blocks, orWord2(a.NeedsPlans, "has", "have"), orWord2(a.NeedsPlans, "it has one", "they have one"))
		default:
			fmt.Fprintf(b, "Only threats of risk %s or higher without a plan would fail the check (`adoption.blocks` in `.tmbot.yaml`).\n", a.Blocks)
		}
	}
	if len(a.Top) > 0 {
		b.WriteString("\n**Most severe:**\n\n")
		byID := map[string]NewThreat{}
		for _, t := range threats {
			byID[t.ID] = t
		}
		for _, id := range a.Top {
			m.writeThreatLine(b, byID[id])
		}
	}
	n := capTo(len(threats), o.primary)
	fmt.Fprintf(b, "\n<details>\n<summary>All %s</summary>\n\n", plural(len(threats), "open threat", "open threats"))
	for _, t := range threats[:n] {
		m.writeThreatLine(b, t)
	}
	if more := len(threats) - n; more > 0 {
		fmt.Fprintf(b, "- %d more not shown.\n", more)
	}
	key := "new_unmitigated"
	if a.Baseline != "" {
		key = "adopted_threats"
	}
	b.WriteString("\n</details>\n\nEvery threat, with its mitigations, is in the JSON report (`tmbot review --format json`, key `" + key + "`).\n")
}

// shortCommit is a commit id as people read it: its first 12 digits.
func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// writeThreatLine writes one threat on one line.
func (m *ModelReport) writeThreatLine(b *strings.Builder, t NewThreat) {
	icon := ""
	for _, g := range riskGroups {
		if g.risk == t.Risk && g.risk != "" {
			icon = strings.Fields(g.heading)[0] + " "
		}
	}
	plan := "no plan"
	if t.Planned {
		plan = "planned"
	}
	fmt.Fprintf(b, "- %s%s **%s** (%s risk, %s, line %d)\n", icon, markdown.Code(t.ID, maxTitleRunes), markdown.Text(t.Title, maxTitleRunes), orWord(t.Risk, "unrated"), plan, t.Line)
}

func orWord2(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
