package importer

import (
	"slices"
	"testing"
)

// Threagile's trust boundaries become boundaries: the technical assets
// inside are the members; nesting is kept under extensions.
func TestThreagileBoundaries(t *testing.T) {
	res, _, _ := importAndValidate(t, FormatThreagile, "testdata/threagile/threagile-example-model.yaml")
	d := res.Doc
	dmz, ok := d.Boundaries.Get("web-dmz")
	if !ok || dmz.Name != "Web DMZ" || dmz.Trusted != nil || !slices.Equal(dmz.Members, []string{"apache-webserver", "marketing-cms"}) {
		t.Fatalf("web-dmz: %+v (boundaries %v)", dmz, d.Boundaries.Keys())
	}
	app, _ := d.Boundaries.Get("application-network")
	if app == nil || !slices.Equal(app.Members, []string{"load-balancer"}) || app.Extensions["threagile"] == nil {
		t.Errorf("application-network: %+v", app)
	}
	if _, kept := d.Extensions["threagile"].(map[string]any)["trust_boundaries"]; kept {
		t.Errorf("trust_boundaries still kept under extensions")
	}
}

// A Threat Dragon box holds the elements whose centre is inside it (the
// inner box when two nest); a curve has no inside and stays in extensions.
func TestThreatDragonBoxes(t *testing.T) {
	src := `{"summary": {"title": "Boxes"}, "detail": {"diagrams": [{"title": "Main", "cells": [
	  {"id": "c1", "shape": "actor", "position": {"x": 10, "y": 10}, "size": {"width": 100, "height": 50}, "data": {"type": "tm.Actor", "name": "Browser"}},
	  {"id": "c2", "shape": "process", "position": {"x": 300, "y": 300}, "size": {"width": 100, "height": 100}, "data": {"type": "tm.Process", "name": "Web app"}},
	  {"id": "c3", "shape": "store", "position": {"x": 600, "y": 300}, "size": {"width": 100, "height": 50}, "data": {"type": "tm.Store", "name": "Database"}},
	  {"id": "b1", "shape": "trust-boundary-box", "position": {"x": 250, "y": 250}, "size": {"width": 600, "height": 300}, "data": {"type": "tm.BoundaryBox", "name": "Cloud"}},
	  {"id": "b2", "shape": "trust-boundary-box", "position": {"x": 550, "y": 280}, "size": {"width": 200, "height": 100}, "data": {"type": "tm.BoundaryBox", "name": "Data tier"}},
	  {"id": "l1", "shape": "trust-boundary-curve", "source": {"x": 0, "y": 200}, "target": {"x": 900, "y": 200}, "data": {"type": "tm.Boundary", "name": ""}},
	  {"id": "f1", "shape": "flow", "source": {"cell": "c1"}, "target": {"cell": "c2"}, "data": {"type": "tm.Flow", "name": "Request", "isBidirectional": true}}
	]}]}}`
	res := imp(t, FormatThreatDragon, src, Options{})
	d := res.Doc
	cloud, _ := d.Boundaries.Get("cloud")
	tier, _ := d.Boundaries.Get("data-tier")
	if cloud == nil || !slices.Equal(cloud.Members, []string{"web-app"}) {
		t.Errorf("cloud: %+v (boundaries %v)", cloud, d.Boundaries.Keys())
	}
	if tier == nil || !slices.Equal(tier.Members, []string{"database"}) {
		t.Errorf("data tier: %+v", tier)
	}
	cells, _ := d.Extensions["threat-dragon"].(map[string]any)["cells"].([]any)
	if len(cells) != 1 {
		t.Errorf("kept cells: want the curve only, got %v", cells)
	}
	for _, id := range d.Flows.Keys() {
		if f, _ := d.Flows.Get(id); !f.Bidirectional {
			t.Errorf("flow %s: isBidirectional not read", id)
		}
	}
}

// Threagile's data_formats_accepted become traits where tmbot has one:
// file → accepts_files, xml → parses_xml, serialization → deserializes
// (json and csv say nothing a rule uses).
func TestThreagileFormatTraits(t *testing.T) {
	res, _, _ := importAndValidate(t, FormatThreagile, "testdata/threagile/threagile-example-model.yaml")
	for id, want := range map[string][]string{
		"erp-system":       {"accepts_files", "parses_xml", "deserializes"},
		"apache-webserver": {"accepts_files"},
		"sql-database":     nil,
	} {
		c, ok := res.Doc.Components.Get(id)
		if !ok || !slices.Equal(c.Traits, want) {
			t.Errorf("%s: traits %v, want %v", id, c.Traits, want)
		}
	}
	if got := threagileTraits([]string{" XML", "csv", "serialization", "xml"}); !slices.Equal(got, []string{"parses_xml", "deserializes"}) {
		t.Errorf("threagileTraits: %v", got)
	}
}
