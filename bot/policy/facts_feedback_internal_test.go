package policy

import "testing"

// retrained_from_feedback: a dataset or training pipeline that what a
// model produced flows back into (through the parts that carry it, or a
// store they write to); data collected elsewhere, or an engineer's work,
// is not feedback.
func TestFeedbackLoops(t *testing.T) {
	m := tiny([]string{"llm:llm", "app:web_app", "ratings:database", "fb:dataset", "pipe:training_pipeline",
		"scraper:service", "images:dataset", "engineer:user", "nb:training_pipeline", "reg:model_registry", "srv:service",
		"logs:dataset"},
		[]string{"llm>app", "app>ratings", "ratings>fb", "app>pipe", "scraper>images", "engineer>nb", "images>nb",
			"reg>srv", "srv>logs"})
	wantFacts(t, deriveFacts(m), "retrained_from_feedback", map[string]bool{
		"fb": true, "pipe": true, "images": false, "nb": false, "logs": true,
	})
}

// third_party_artifact from a flow: what an outside party sends to a
// model, registry, dataset or tool comes from outside; a pipeline or
// service that receives from one is still our own.
func TestThirdPartyArtifactKinds(t *testing.T) {
	m := tiny([]string{"hub:third_party_service", "reg:model_registry", "nb:training_pipeline", "svc:service", "data:dataset"},
		[]string{"hub>reg", "hub>nb", "hub>svc", "hub>data"})
	wantFacts(t, deriveFacts(m), "third_party_artifact", map[string]bool{"reg": true, "data": true, "nb": false, "svc": false})
}
