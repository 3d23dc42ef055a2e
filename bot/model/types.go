package model

import "slices"

// Model is a loaded threat model. Maps are keyed by id; the *Order slices
// keep the ids in document order, which renames and reports rely on.
type Model struct {
	Path        string
	Version     int
	System      System
	Components  map[string]*Component
	Assets      map[string]*Asset
	Flows       map[string]*Flow
	Threats     map[string]*Threat
	Mitigations map[string]*Mitigation
	Boundaries  map[string]*Boundary
	Extensions  map[string]any

	ComponentOrder, AssetOrder, FlowOrder, ThreatOrder, MitigationOrder, BoundaryOrder []string
}

// BoundaryOf returns the id of the trust boundary a component is in, or ""
// when it is in none (or the model draws none). The first boundary that
// lists it wins; validation refuses a component in two.
func (m *Model) BoundaryOf(component string) string {
	for _, id := range m.BoundaryOrder {
		if b := m.Boundaries[id]; b != nil && slices.Contains(b.Members, component) {
			return id
		}
	}
	return ""
}

// Boundary is a trust boundary: the components inside share one level of
// trust.
type Boundary struct {
	ID          string
	Name        string
	Description string
	Trusted     bool // as written, true when omitted
	Members     []string
	Extensions  map[string]any
	Pos         Pos
}

// System describes what the model is about.
type System struct {
	ID          string
	Name        string
	Description string
	Owner       string
	Vendor      string
}

// Component is a part of the system: a person, a program, a store, a model.
type Component struct {
	ID             string
	Name           string
	Kind           string
	Layer          string // as written, or the kind's default
	Description    string
	InternetFacing bool
	Data           []string
	Traits         []string
	Extensions     map[string]any
	Pos            Pos // of the id
}

// Asset is a kind of data worth protecting.
type Asset struct {
	ID             string
	Name           string
	Classification string
	Description    string
	Extensions     map[string]any
	Pos            Pos
}

// Flow is data moving from one component to another.
type Flow struct {
	ID          string
	From, To    string
	Kind        string // FlowData or FlowDependency; "" when not written (data)
	Description string
	Protocol    string
	Data        []string
	// Authenticated and Encrypted are nil when the file does not say
	// (unknown), else what it says.
	Authenticated *bool
	Encrypted     *bool
	Bidirectional bool
	Extensions    map[string]any
	Pos           Pos
}

// Flow kinds.
const (
	FlowData       = "data"
	FlowDependency = "dependency"
)

// IsDependency reports whether the flow is a library or artifact that its
// target imports, not a network call.
func (f *Flow) IsDependency() bool { return f.Kind == FlowDependency }

// Says reports whether a tri-state flag is known and equal to want.
func Says(flag *bool, want bool) bool { return flag != nil && *flag == want }

// Threat is something that can go wrong, and what is done about it.
type Threat struct {
	ID            string
	Title         string
	Description   string
	Targets       []string
	Stride        []string
	Attack        []string
	Atlas         []string
	OWASP         []string
	CWE           []string
	CAPEC         []string
	KillChain     []string
	Covers        []string // ids of AI threat library entries it covers
	Likelihood    Level
	Impact        Level
	Mitigations   []string
	Status        string // as written, or derived (see DeriveStatus)
	StatusWritten bool
	Acceptance    *Acceptance
	Reason        string
	TransferredTo string
	Extensions    map[string]any
	Risk          Risk // derived from Likelihood and Impact
	Pos           Pos  // of the id
	StatusPos     Pos  // of the status value, or of the id when omitted
}

// Acceptance records who accepted a risk, why, and until when.
type Acceptance struct {
	By         string
	Reason     string
	Until      string // YYYY-MM-DD
	Extensions map[string]any
}

// Mitigation is a control that addresses one or more threats.
type Mitigation struct {
	ID          string
	Title       string
	Status      string
	Description string
	Owner       string
	Due         string
	Issue       string
	Controls    []string
	Extensions  map[string]any
	Pos         Pos
}

// Level is a likelihood or an impact.
type Level string

// The levels.
const (
	Low    Level = "low"
	Medium Level = "medium"
	High   Level = "high"
)

// Risk is derived from likelihood and impact.
type Risk string

// The risks, lowest first.
const (
	RiskLow      Risk = "low"
	RiskMedium   Risk = "medium"
	RiskHigh     Risk = "high"
	RiskCritical Risk = "critical"
)

// Rank orders risks: low 1, medium 2, high 3, critical 4, unknown 0.
func (r Risk) Rank() int {
	switch r {
	case RiskLow:
		return 1
	case RiskMedium:
		return 2
	case RiskHigh:
		return 3
	case RiskCritical:
		return 4
	}
	return 0
}

func levelScore(l Level) int {
	switch l {
	case Low:
		return 1
	case Medium:
		return 2
	case High:
		return 3
	}
	return 0
}

// RiskOf is the default risk matrix of the format: low·low, low·medium and
// medium·low are low; low·high, high·low and medium·medium are medium;
// medium·high and high·medium are high; high·high is critical.
func RiskOf(likelihood, impact Level) Risk {
	l, i := levelScore(likelihood), levelScore(impact)
	if l == 0 || i == 0 {
		return ""
	}
	switch s := l + i; {
	case s <= 3:
		return RiskLow
	case s == 4:
		return RiskMedium
	case s == 5:
		return RiskHigh
	default:
		return RiskCritical
	}
}

// Threat statuses.
const (
	StatusOpen          = "open"
	StatusMitigated     = "mitigated"
	StatusAccepted      = "accepted"
	StatusTransferred   = "transferred"
	StatusNotApplicable = "not_applicable"
)

// Mitigation statuses.
const (
	MitigationProposed    = "proposed"
	MitigationPlanned     = "planned"
	MitigationInProgress  = "in_progress"
	MitigationImplemented = "implemented"
	MitigationVerified    = "verified"
	MitigationWontDo      = "wont_do"
)

// DeriveStatus is the status of a threat that does not write one: mitigated
// when it has mitigations other than wont_do and every one of them is
// implemented or verified, open otherwise.
func DeriveStatus(mitigations []string, byID map[string]*Mitigation) string {
	counted := 0
	for _, id := range mitigations {
		m := byID[id]
		if m == nil {
			return StatusOpen
		}
		switch m.Status {
		case MitigationWontDo:
			continue
		case MitigationImplemented, MitigationVerified:
			counted++
		default:
			return StatusOpen
		}
	}
	if counted == 0 {
		return StatusOpen
	}
	return StatusMitigated
}

// Unmitigated reports whether a threat is open.
func (t *Threat) Unmitigated() bool { return t.Status == StatusOpen }

// Planned reports whether at least one of the threat's mitigations is
// planned, in progress, implemented or verified in m.
func (t *Threat) Planned(m *Model) bool {
	for _, id := range t.Mitigations {
		if mit := m.Mitigations[id]; mit != nil {
			switch mit.Status {
			case MitigationPlanned, MitigationInProgress, MitigationImplemented, MitigationVerified:
				return true
			}
		}
	}
	return false
}
