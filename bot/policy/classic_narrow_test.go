package policy_test

import (
	"slices"
	"testing"
)

// The classic entries ask only for what the model states (issue 15's
// precision): request forgery of a web app people sign in to, broken
// access control where signed-in requests are answered (not at a
// gateway), backups of data worth restoring, SSRF from what fetches from
// the web, path traversal and open buckets in stores the system runs, a
// provider's breach only for a provider, and nothing server-side on the
// user's own browser.
func TestClassicAsksOnlyWhatTheModelStates(t *testing.T) {
	const head = `version: 1
system: {id: s, name: Shop}
components:
  customer: {name: Customer, kind: user, internet_facing: true}
  browser: {name: Web browser, kind: user}
  shop: {name: Shop, kind: web_app, internet_facing: true, data: [orders]}
  brochure: {name: Brochure site, kind: web_app, internet_facing: true, data: [orders]}
  gw: {name: API gateway, kind: api, data: [orders]}
  orders-svc: {name: Orders service, kind: service, data: [orders]}
  db: {name: Orders database, kind: database, data: [orders]}
  cdn: {name: CDN, kind: network, internet_facing: true}
  site: {name: Static site bucket, kind: storage, data: [page]}
  scratch: {name: Temporary files, kind: storage, data: [orders]}
  local: {name: Browser local storage, kind: storage, data: [orders]}
  evil: {name: Malicious website, kind: third_party_service}
assets:
  orders: {name: Orders, classification: confidential}
  page: {name: Pages, classification: public}
flows:
  sign-in: {from: customer, to: shop, protocol: https, authenticated: true, encrypted: true}
  read: {from: browser, to: brochure, protocol: https, encrypted: true}
  to-gw: {from: shop, to: gw, protocol: https, encrypted: true}
  to-svc: {from: gw, to: orders-svc, protocol: https, encrypted: true}
  to-db: {from: orders-svc, to: db, encrypted: true}
  get: {from: customer, to: cdn, protocol: https, encrypted: true}
  cdn-site: {from: cdn, to: site, protocol: https, encrypted: true}
  to-scratch: {from: orders-svc, to: scratch, encrypted: true}
  brochure-local: {from: brochure, to: local, encrypted: true}
  fetch: {from: brochure, to: evil, protocol: https, encrypted: true}
`
	gaps := classicGaps(t, review(t, "", head))
	for _, want := range []string{
		"shop/web-cross-site-request-forgery", "orders-svc/app-broken-access-control", "db/store-data-lost-without-restore",
		"brochure/service-server-side-request-forgery", "shop/service-server-side-request-forgery",
	} {
		if !slices.Contains(gaps, want) {
			t.Errorf("missing %s in %v", want, gaps)
		}
	}
	for _, not := range []string{
		"brochure/web-cross-site-request-forgery", "gw/app-broken-access-control", "brochure/app-broken-access-control",
		"site/store-data-lost-without-restore", "scratch/store-data-lost-without-restore",
		"orders-svc/service-server-side-request-forgery", "site/storage-path-traversal",
		"local/storage-path-traversal", "local/storage-exposed-by-misconfiguration",
		"evil/third-party-service-breach-or-outage", "browser/web-cross-site-scripting",
	} {
		if slices.Contains(gaps, not) {
			t.Errorf("%s suggested: %v", not, gaps)
		}
	}
	if !slices.Contains(gaps, "scratch/storage-path-traversal") {
		t.Errorf("a store an application writes to lost its path traversal: %v", gaps)
	}
}
