package review

import (
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
)

// A threat may target an asset: the review lists it like any other new
// threat, and the diagram (which draws components and flows) marks no
// component for it, even one that holds the asset.
func TestAssetTarget(t *testing.T) {
	head := handModel("s").
		comp("web", "Web app", "web_app").
		comp("db", "Database", "database").
		flow("web-db", "web", "db").
		threat("card-leak", "Card numbers leak", model.High, model.High, nil, "card")
	head.m.Assets["card"] = &model.Asset{ID: "card", Name: "Card numbers", Classification: "restricted"}
	head.m.AssetOrder = []string{"card"}
	head.m.Components["db"].Data = []string{"card"}
	mr := handReport("s.threatmodel.yaml", nil, head.m, nil)
	if len(mr.NewUnmitigated) != 1 || mr.NewUnmitigated[0].ID != "card-leak" {
		t.Fatalf("new unmitigated: %+v", mr.NewUnmitigated)
	}
	if got := mr.Diagram(DiagramMaxNodes); strings.Contains(got, "⚠️") || strings.Contains(got, "Card numbers") {
		t.Errorf("the diagram marks something for a threat on an asset:\n%s", got)
	}
	md := handReportOf(mr).Markdown()
	if !strings.Contains(md, "card-leak") {
		t.Errorf("the comment does not name the threat on an asset:\n%s", md)
	}
}
